package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/voidnxsec/nixops-actions/pkg/markdown"
	"github.com/voidnxsec/nixops-actions/pkg/scan"
)

// summaryTop: the summary lists this many findings; the SARIF and the
// report hold them all.
const summaryTop = 20

func summary(rep *scan.Report) string {
	var b strings.Builder
	verdict := map[scan.Result]string{scan.ResultPass: "passed", scan.ResultFail: "failed"}[rep.Result]
	fmt.Fprintf(&b, "## nixops-scan: gate %s\n\n", verdict)
	fmt.Fprintf(&b, "%d findings, %d at or above %s (`fail-on`).\n\n", rep.Counts.Total, rep.Counts.Gating, rep.FailOn)
	t := markdown.NewTable(markdown.Column{Name: "Severity"}, markdown.Column{Name: "Findings", Align: markdown.Right})
	c := rep.Counts
	for _, r := range []struct {
		name string
		n    int
	}{{"critical", c.Critical}, {"high", c.High}, {"medium", c.Medium}, {"low", c.Low}, {"unknown", c.Unknown}} {
		t.Row(r.name, strconv.Itoa(r.n))
	}
	b.WriteString(t.String())
	if len(rep.Findings) > 0 {
		b.WriteString("\n### Top findings\n\n")
		top := markdown.NewTable(markdown.Column{Name: "Severity"}, markdown.Column{Name: "Kind"},
			markdown.Column{Name: "Rule"}, markdown.Column{Name: "Where"}, markdown.Column{Name: "Commit"})
		for i, f := range rep.Findings {
			if i == summaryTop {
				break
			}
			top.Row(f.Severity.String(), string(f.Kind), markdown.Code(f.RuleID),
				markdown.Code(f.File+":"+strconv.Itoa(f.Line)), commitCell(f.Commit))
		}
		b.WriteString(top.String())
	}
	for _, w := range rep.Warnings {
		fmt.Fprintf(&b, "\n> [!WARNING]\n> %s\n", markdown.Text(w))
	}
	return b.String()
}

func commitCell(sha string) string {
	if sha == "" {
		return "tree"
	}
	return markdown.Code(sha)
}
