// Package summary renders a publish run as the Markdown of a GitHub step
// summary: what was pushed where, and a table of the first series.
package summary

import (
	"fmt"
	"strings"

	"github.com/voidnxsec/nixops-actions/pkg/publish"
)

// HeadlineRows bounds the table: the whole body is in the log of a dry
// run and in the gateway otherwise.
const HeadlineRows = 30

// Markdown returns the step summary of r, a run that did not fail.
func Markdown(r *publish.Result) string {
	var b strings.Builder
	b.WriteString("### Pushgateway\n\n")
	if r.Set == nil && r.DryRun {
		fmt.Fprintf(&b, "Dry run: would delete the group `%s`.\n", r.GroupURL)
		return b.String()
	}
	if r.Set == nil {
		fmt.Fprintf(&b, "Deleted the group `%s`.\n", r.GroupURL)
		return b.String()
	}
	what := "Pushed"
	if r.DryRun {
		what = "Dry run: would push"
	}
	fmt.Fprintf(&b, "%s **%d series** (%s) to `%s`.\n\n", what, r.Series(), r.Method, r.GroupURL)
	rows, more := r.Set.Headlines(HeadlineRows)
	b.WriteString("| Metric | Labels | Value |\n|---|---|---|\n")
	for _, row := range rows {
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", row.Metric, cell(row.Labels), row.Value)
	}
	if more > 0 {
		fmt.Fprintf(&b, "\n…and %d more series.\n", more)
	}
	return b.String()
}

// cell keeps label values from breaking the markdown table.
func cell(s string) string {
	if s == "" {
		return ""
	}
	return "`" + strings.NewReplacer("|", `\|`, "`", "'", "\n", " ").Replace(s) + "`"
}
