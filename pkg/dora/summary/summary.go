// Package summary renders a DORA report as the Markdown of a GitHub step
// summary: the five metrics with their bands, the rules that produced them,
// Mermaid charts of deployments and lead time over the window, and the
// latest deployments.
package summary

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/voidnxsec/nixops-actions/pkg/dora"
	"github.com/voidnxsec/nixops-actions/pkg/markdown"
)

// LastDeployments is how many deployments the table lists, newest last.
const LastDeployments = 20

// Markdown returns the step summary of r.
func Markdown(r *dora.Report) string {
	var w strings.Builder
	header(&w, r)
	metrics(&w, r)
	notes(&w, r)
	rules(&w, r)
	charts(&w, r)
	deployments(&w, r)
	return w.String()
}

func header(w *strings.Builder, r *dora.Report) {
	fmt.Fprintf(w, "## DORA metrics of %s", markdown.Code(r.Repository))
	if r.Branch != "" {
		fmt.Fprintf(w, " (%s)", markdown.Code(r.Branch))
	}
	fmt.Fprintf(w, "\n\n%d deployments from %s to %s (%s days).\n\n",
		r.Metrics.Deployments, day(r.Window.Start), day(r.Window.End), number(r.Window.Days))
}

func metrics(w *strings.Builder, r *dora.Report) {
	m := r.Metrics
	t := markdown.NewTable(
		markdown.Column{Name: "metric"}, markdown.Column{Name: "value", Align: markdown.Right},
		markdown.Column{Name: "p90", Align: markdown.Right}, markdown.Column{Name: "mean", Align: markdown.Right},
		markdown.Column{Name: "n", Align: markdown.Right}, markdown.Column{Name: "band"},
	)
	freq := noData
	if v := m.DeploymentFrequency.Value; v != nil {
		freq = number(*v) + " per day"
		if m.DeploymentsPerWeek != nil {
			freq += " (" + number(*m.DeploymentsPerWeek) + " per week)"
		}
	}
	deps := count(m.Deployments, "deployment", "deployments")
	row(t, "Deployment frequency", freq, "", "", deps, m.DeploymentFrequency.Band)
	durationRow(t, "Change lead time (median)", m.ChangeLeadTime, "commit", "commits")
	row(t, "Change fail rate", percent(m.ChangeFailRate.Value), "", "", fmt.Sprintf("%d of %s", m.FailedDeployments, deps), m.ChangeFailRate.Band)
	durationRow(t, "Failed deployment recovery time (median)", m.RecoveryTime, "recovery", "recoveries")
	row(t, "Deployment rework rate", percent(m.ReworkRate.Value), "", "", fmt.Sprintf("%d of %s", m.ReworkDeployments, deps), m.ReworkRate.Band)
	if i := m.DeploymentFrequency.Stat; i.N > 0 {
		durationRow(t, "Time between deployments (median)", dora.Metric{Stat: i, Value: i.Median}, "interval", "intervals")
	}
	w.WriteString(t.String())
	fmt.Fprintf(w, "\nBands: %s. A metric without data reads \"%s\", never 0.\n\n", markdown.Text(r.BandsSource), noData)
}

const noData = "no data"

// durationRow shows the median, p90 and mean in one unit, so they compare
// at a glance.
func durationRow(t *markdown.Table, name string, m dora.Metric, one, many string) {
	d := durations(m.Value, m.P90, m.Mean)
	row(t, name, d[0], d[1], d[2], count(m.N, one, many), m.Band)
}

func row(t *markdown.Table, name, value, p90, mean, n string, band *string) {
	b := "—"
	if band != nil {
		b = markdown.Text(*band)
	}
	t.Row(name, value, dash(p90), dash(mean), n, b)
}

// notes warns about what limits the numbers.
func notes(w *strings.Builder, r *dora.Report) {
	var n []string
	if r.Shallow {
		n = append(n, fmt.Sprintf("The repository is a shallow clone: only %s read, so older deployments and lead times are missing. Set `fetch-depth: 0` on actions/checkout.", count(r.CommitsSeen, "commit was", "commits were")))
	}
	if r.SkewedCommits > 0 {
		n = append(n, fmt.Sprintf("%s dated after their deployment (clock skew) left out of lead time.", count(r.SkewedCommits, "commit", "commits")))
	}
	for _, t := range r.IgnoredTags {
		n = append(n, fmt.Sprintf("Tag %s ignored: %s.", markdown.Code(t.Name), markdown.Text(strings.TrimSuffix(t.Reason, "."))))
	}
	for _, d := range r.IgnoredDeps {
		n = append(n, fmt.Sprintf("GitHub %s of %s ignored: %s.", markdown.Code(d.Name), markdown.Code(d.Commit), markdown.Text(strings.TrimSuffix(d.Reason, "."))))
	}
	for _, s := range n {
		fmt.Fprintf(w, "> [!WARNING]\n> %s\n\n", s)
	}
}

func rules(w *strings.Builder, r *dora.Report) {
	if len(r.Rules) == 0 {
		return
	}
	w.WriteString("### Rules in force\n\n")
	for _, s := range r.Rules {
		fmt.Fprintf(w, "- %s\n", markdown.Text(s))
	}
	w.WriteString("\n")
}

func deployments(w *strings.Builder, r *dora.Report) {
	d := r.Deployments
	if len(d) == 0 {
		return
	}
	if len(d) > LastDeployments {
		fmt.Fprintf(w, "### Last %d of %d deployments\n\n", LastDeployments, len(d))
		d = d[len(d)-LastDeployments:]
	} else {
		w.WriteString("### Deployments\n\n")
	}
	t := markdown.NewTable(
		markdown.Column{Name: "deployment"}, markdown.Column{Name: "deployed (UTC)"},
		markdown.Column{Name: "commits", Align: markdown.Right}, markdown.Column{Name: "median lead time", Align: markdown.Right},
		markdown.Column{Name: "outcome"},
	)
	for _, dep := range d {
		t.Row(markdown.Code(dep.Name), stamp(dep.Time), strconv.Itoa(dep.Commits), dash(duration(dep.LeadTime.Median)), outcome(dep))
	}
	w.WriteString(t.String() + "\n")
}

// outcome says what happened to a deployment and what it fixed.
func outcome(d dora.Deployment) string {
	var parts []string
	if d.Hotfix {
		parts = append(parts, "hotfix")
	}
	if d.Rework && len(d.Fixes) > 0 {
		names := make([]string, len(d.Fixes))
		for i, f := range d.Fixes {
			names[i] = markdown.Code(f)
		}
		parts = append(parts, "fixes "+strings.Join(names, ", "))
	}
	if d.Failed {
		s := "failed"
		switch {
		case d.Incident > 0:
			s += fmt.Sprintf(" (incident #%d)", d.Incident)
		case d.Cause != "":
			s += " (" + markdown.Text(d.Cause) + ")"
		}
		switch {
		case d.FixedBy != "":
			s += ", fixed by " + markdown.Code(d.FixedBy)
			if d.RecoverySeconds != nil {
				s += " after " + duration(d.RecoverySeconds)
			}
		case d.RecoverySeconds != nil: // an incident closed without a deployment
			s += ", recovered after " + duration(d.RecoverySeconds) + " (incident closed)"
		default:
			s += ", not fixed yet"
		}
		parts = append(parts, s)
	}
	if len(parts) == 0 {
		return "ok"
	}
	return strings.Join(parts, "; ")
}

// duration shows seconds in the largest unit that keeps them readable.
func duration(s *float64) string { return durations(s)[0] }

// durations shows seconds in one unit, the one that keeps the largest
// readable.
func durations(ss ...*float64) []string {
	top := math.Inf(-1)
	for _, s := range ss {
		if s != nil {
			top = math.Max(top, *s)
		}
	}
	unit, div := "days", 86400.0
	switch {
	case top < 60:
		unit, div = "s", 1
	case top < 3600:
		unit, div = "min", 60
	case top < 2*86400:
		unit, div = "h", 3600
	}
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = noData
		if s != nil {
			out[i] = number(*s/div) + " " + unit
		}
	}
	return out
}

func percent(v *float64) string {
	if v == nil {
		return noData
	}
	return number(*v*100) + "%"
}

// number rounds to two decimals, or three significant digits below 1 so
// that a small rate (0.0556 deployments a day) keeps its size, and drops
// trailing zeros.
func number(v float64) string {
	if v != 0 && math.Abs(v) < 1 {
		r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 3, 64), 64)
		return strconv.FormatFloat(r, 'f', -1, 64)
	}
	return strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64)
}

func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

func dash(s string) string {
	if s == "" || s == noData {
		return "—"
	}
	return s
}

func day(t time.Time) string   { return t.UTC().Format("2006-01-02") }
func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04") }
