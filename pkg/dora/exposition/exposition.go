// Package exposition renders a DORA report as a Prometheus text exposition
// file (dora.prom), the input of the publish action and of node_exporter's
// textfile collector.
//
// Every series is a gauge. The report is a snapshot recomputed from scratch
// over a sliding window, not a running process observing events, so:
//   - counts are gauges without _total: deployments leave the window, so a
//     "counter" would go down, which rate() and increase() read as a reset;
//   - lead time and recovery time are not summaries: a summary's _sum and
//     _count are counters with the same problem, and its quantiles could not
//     be aggregated anyway. Median, p90 and mean are separate gauges (the
//     statistic in the name, the unit last), next to the sample size.
//
// Names follow https://prometheus.io/docs/practices/naming/: the nixops_dora
// prefix, base units (seconds, ratios 0..1 not percent), the unit as the
// last word. The labels are repository and branch only: no commit, tag or
// run id, whose values would be unbounded.
//
// A statistic without data (no deployments, no failures) is absent, never
// 0: a 0 would read as "instant recovery" or "nothing fails". Counts are
// always present, since a count of zero is data.
package exposition

import (
	"fmt"
	"io"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/voidnxsec/nixops-actions/pkg/dora"
	"github.com/voidnxsec/nixops-actions/pkg/metricfile"
)

// Prefix starts every metric name.
const Prefix = "nixops_dora_"

// series is one gauge: its value is nil when the report has no data for it.
type series struct {
	name, help string
	value      *float64
}

// Registry returns a registry holding the report's gauges, labelled with
// its repository and branch.
func Registry(r *dora.Report) (*prometheus.Registry, error) {
	reg := prometheus.NewRegistry()
	labels := prometheus.Labels{}
	// An empty label is no label in Prometheus; leaving it out says so.
	for k, v := range map[string]string{"repository": r.Repository, "branch": r.Branch} {
		if v != "" {
			labels[k] = v
		}
	}
	for _, s := range list(r) {
		if s.value == nil {
			continue
		}
		g := prometheus.NewGauge(prometheus.GaugeOpts{Name: Prefix + s.name, Help: s.help, ConstLabels: labels})
		g.Set(*s.value)
		if err := reg.Register(g); err != nil {
			return nil, fmt.Errorf("metric %s%s: %w", Prefix, s.name, err)
		}
	}
	return reg, nil
}

// Write writes the exposition of r to w, families sorted by name.
func Write(w io.Writer, r *dora.Report) error {
	reg, err := Registry(r)
	if err != nil {
		return err
	}
	return metricfile.Encode(w, reg)
}

// WriteFile writes the exposition of r to path, whole or not at all.
func WriteFile(path string, r *dora.Report) error {
	reg, err := Registry(r)
	if err != nil {
		return fmt.Errorf("encoding %s: %w", path, err)
	}
	return metricfile.WriteFile(path, reg)
}

func list(r *dora.Report) []series {
	m := r.Metrics
	out := []series{
		{"window_seconds", "Length of the window the report counts deployments in.", num(r.Window.End.Sub(r.Window.Start).Seconds())},
		{"window_end_timestamp_seconds", "End of the window (inclusive), Unix time: the until input, else the committer time of HEAD.", num(float64(r.Window.End.Unix()))},
		{"history_commits", "Commits read from the repository history.", num(float64(r.CommitsSeen))},
		{"skewed_commits", "Commits in the window dated after their deployment, left out of lead time.", num(float64(r.SkewedCommits))},
		{"deployments", "Deployments in the window. Deployment frequency per day = nixops_dora_deployments / nixops_dora_window_seconds * 86400.", num(float64(m.Deployments))},
		{"failed_deployments", "Deployments in the window that failed (reverted, followed by a hotfix or named by Fixes-deployment).", num(float64(m.FailedDeployments))},
		{"rework_deployments", "Deployments in the window made to fix a failed deployment.", num(float64(m.ReworkDeployments))},
		{"change_fail_ratio", "Change fail rate: failed deployments / deployments in the window.", m.ChangeFailRate.Value},
		{"deployment_rework_ratio", "Deployment rework rate: rework deployments / deployments in the window.", m.ReworkRate.Value},
	}
	out = append(out, stat("deployment_interval", "deployment_intervals", "time between consecutive deployments in the window", m.DeploymentFrequency.Stat)...)
	out = append(out, stat("change_lead_time", "change_lead_time_commits", "change lead time (commit time to deploy time) of the commits deployed in the window", m.ChangeLeadTime.Stat)...)
	return append(out, stat("failed_deployment_recovery_time", "recovered_deployments", "time from a failed deployment in the window to the deployment carrying its fix", m.RecoveryTime.Stat)...)
}

// stat is the median, p90 and mean of one duration metric, and the size of
// the sample they are taken over under the name count.
func stat(name, count, what string, s dora.Stat) []series {
	return []series{
		{name + "_median_seconds", "Median " + what + ".", s.Median},
		{name + "_p90_seconds", "90th percentile (nearest rank) " + what + ".", s.P90},
		{name + "_mean_seconds", "Mean " + what + ".", s.Mean},
		{count, "Sample size of the nixops_dora_" + name + "_* statistics.", num(float64(s.N))},
	}
}

func num(v float64) *float64 { return &v }
