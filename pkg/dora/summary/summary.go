// Package summary renders a DORA report as the Markdown of a GitHub step
// summary: the five metrics with their bands, the rules that produced them,
// Mermaid charts of the weekly series and the latest deployments.
package summary

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/voidnxsec/nixops-actions/pkg/dora"
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
	fmt.Fprintf(w, "## DORA metrics of %s", code(r.Repository))
	if r.Branch != "" {
		fmt.Fprintf(w, " (%s)", code(r.Branch))
	}
	fmt.Fprintf(w, "\n\n%d deployments from %s to %s (%s days).\n\n",
		r.Metrics.Deployments, day(r.Window.Start), day(r.Window.End), number(r.Window.Days))
}

func metrics(w *strings.Builder, r *dora.Report) {
	m := r.Metrics
	w.WriteString("| metric | value | p90 | mean | n | band |\n|---|---:|---:|---:|---:|---|\n")
	freq := noData
	if v := m.DeploymentFrequency.Value; v != nil {
		freq = number(*v) + " per day"
		if m.DeploymentsPerWeek != nil {
			freq += " (" + number(*m.DeploymentsPerWeek) + " per week)"
		}
	}
	deps := count(m.Deployments, "deployment", "deployments")
	row(w, "Deployment frequency", freq, "", "", deps, m.DeploymentFrequency.Band)
	durationRow(w, "Change lead time (median)", m.ChangeLeadTime, "commit", "commits")
	row(w, "Change fail rate", percent(m.ChangeFailRate.Value), "", "", fmt.Sprintf("%d of %s", m.FailedDeployments, deps), m.ChangeFailRate.Band)
	durationRow(w, "Failed deployment recovery time (median)", m.RecoveryTime, "recovery", "recoveries")
	row(w, "Deployment rework rate", percent(m.ReworkRate.Value), "", "", fmt.Sprintf("%d of %s", m.ReworkDeployments, deps), m.ReworkRate.Band)
	if i := m.DeploymentFrequency.Stat; i.N > 0 {
		durationRow(w, "Time between deployments (median)", dora.Metric{Stat: i, Value: i.Median}, "interval", "intervals")
	}
	fmt.Fprintf(w, "\nBands: %s. A metric without data reads \"%s\", never 0.\n\n", text(r.BandsSource), noData)
}

const noData = "no data"

func durationRow(w *strings.Builder, name string, m dora.Metric, one, many string) {
	row(w, name, duration(m.Value), duration(m.P90), duration(m.Mean), count(m.N, one, many), m.Band)
}

func row(w *strings.Builder, name, value, p90, mean, n string, band *string) {
	b := "—"
	if band != nil {
		b = text(*band)
	}
	fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s |\n", name, value, dash(p90), dash(mean), n, b)
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
		n = append(n, fmt.Sprintf("Tag %s ignored: %s.", code(t.Name), text(strings.TrimSuffix(t.Reason, "."))))
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
		fmt.Fprintf(w, "- %s\n", text(s))
	}
	w.WriteString("\n")
}

// charts draws the weekly series. Mermaid's xychart-beta has no gaps in a
// line, so the lead time chart lists only the weeks that have a median, and
// says so: a week without deployments has no lead time, not a lead time of 0.
func charts(w *strings.Builder, r *dora.Report) {
	if len(r.Weekly) == 0 {
		return
	}
	var labels, counts []string
	maxCount := 0
	layout := weekLayout(r.Weekly)
	for _, wk := range r.Weekly {
		labels = append(labels, week(wk.Start, layout))
		counts = append(counts, strconv.Itoa(wk.Deployments))
		maxCount = max(maxCount, wk.Deployments)
	}
	w.WriteString("### Deployments per week\n\n```mermaid\nxychart-beta\n")
	w.WriteString("    title \"Deployments per week (week starting, UTC)\"\n")
	fmt.Fprintf(w, "    x-axis [%s]\n", strings.Join(labels, ", "))
	fmt.Fprintf(w, "    y-axis \"deployments\" 0 --> %d\n", max(maxCount, 1))
	fmt.Fprintf(w, "    bar [%s]\n```\n\n", strings.Join(counts, ", "))

	var leadLabels []string
	var leads []float64
	for _, wk := range r.Weekly {
		if wk.MedianLeadSeconds != nil {
			leadLabels = append(leadLabels, week(wk.Start, layout))
			leads = append(leads, *wk.MedianLeadSeconds)
		}
	}
	w.WriteString("### Median change lead time per week\n\n")
	if len(leads) == 0 {
		w.WriteString("No deployments in the window: no lead time to chart.\n\n")
		return
	}
	unit, div := chartUnit(leads)
	values := make([]string, len(leads))
	top := 0.0
	for i, v := range leads {
		values[i] = number(v / div)
		top = math.Max(top, v/div)
	}
	if skipped := len(r.Weekly) - len(leads); skipped > 0 {
		fmt.Fprintf(w, "Weeks without a lead time (no deployments, or only skewed commits) are left out: %d of %d.\n\n", skipped, len(r.Weekly))
	}
	w.WriteString("```mermaid\nxychart-beta\n")
	fmt.Fprintf(w, "    title \"Median change lead time (%s)\"\n", unit)
	fmt.Fprintf(w, "    x-axis [%s]\n", strings.Join(leadLabels, ", "))
	fmt.Fprintf(w, "    y-axis \"%s\" 0 --> %s\n", unit, number(math.Max(math.Ceil(top), 1)))
	fmt.Fprintf(w, "    line [%s]\n```\n\n", strings.Join(values, ", "))
}

// chartUnit picks hours or days so the largest value reads well.
func chartUnit(v []float64) (string, float64) {
	top := 0.0
	for _, x := range v {
		top = math.Max(top, x)
	}
	if top >= 2*86400 {
		return "days", 86400
	}
	return "hours", 3600
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
	w.WriteString("| deployment | deployed (UTC) | commits | median lead time | outcome |\n|---|---|---:|---:|---|\n")
	for _, dep := range d {
		fmt.Fprintf(w, "| %s | %s | %d | %s | %s |\n", code(dep.Name), stamp(dep.Time), dep.Commits, dash(duration(dep.LeadTime.Median)), outcome(dep))
	}
	w.WriteString("\n")
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
			names[i] = code(f)
		}
		parts = append(parts, "fixes "+strings.Join(names, ", "))
	}
	if d.Failed {
		s := "failed"
		if d.Cause != "" {
			s += " (" + text(d.Cause) + ")"
		}
		if d.FixedBy != "" {
			s += ", fixed by " + code(d.FixedBy)
			if d.RecoverySeconds != nil {
				s += " after " + duration(d.RecoverySeconds)
			}
		} else {
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
func duration(s *float64) string {
	if s == nil {
		return noData
	}
	v := *s
	switch {
	case v < 60:
		return number(v) + " s"
	case v < 3600:
		return number(v/60) + " min"
	case v < 2*86400:
		return number(v/3600) + " h"
	}
	return number(v/86400) + " days"
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

// weekLayout labels weeks by month and day, short enough for a dozen bars,
// unless the window spans years, where those would repeat.
func weekLayout(weeks []dora.Week) string {
	if weeks[0].Start.UTC().Year() != weeks[len(weeks)-1].Start.UTC().Year() {
		return "2006-01-02"
	}
	return "01-02"
}

// week labels a week by its Monday, quoted for Mermaid.
func week(t time.Time, layout string) string { return `"` + t.UTC().Format(layout) + `"` }

// code shows a name (tag, branch, repository) verbatim in a code span. Git
// allows backticks in tag names, so the fence is one longer than the
// longest run of backticks inside; a | would still end a table cell, so it
// is escaped (GitHub honours \| inside code spans in tables).
func code(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	fence := "`"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		return fence + " " + s + " " + fence
	}
	return fence + s + fence
}

// text escapes what Markdown would otherwise read as markup, so a rule or
// reason quoting a glob (v*) is shown as written.
func text(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune("\\`*_[]<>|#~", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
