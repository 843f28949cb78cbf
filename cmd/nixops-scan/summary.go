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
	fmt.Fprintf(&b, "%d findings, %d failing the gate (`fail-on: %s`, policy applied)", rep.Counts.Total, rep.Counts.Gating, rep.FailOn)
	if n := rep.Counts.InBaseline; n > 0 {
		fmt.Fprintf(&b, "; %d new, %d already in the baseline", rep.Counts.Total-n, n)
	}
	b.WriteString(".\n\n")
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
			markdown.Column{Name: "Rule"}, markdown.Column{Name: "Where"}, markdown.Column{Name: "Commit or package"},
			markdown.Column{Name: "Fixed in"}, markdown.Column{Name: "Gate"})
		for i, f := range rep.Findings {
			if i == summaryTop {
				break
			}
			top.Row(f.Severity.String(), string(f.Kind), markdown.Code(f.RuleID),
				markdown.Code(f.File+":"+strconv.Itoa(f.Line)), subjectCell(f), markdown.Text(f.FixedIn), gateCell(f))
		}
		b.WriteString(top.String())
	}
	exceptionsTable(&b, rep)
	for _, w := range rep.Warnings {
		fmt.Fprintf(&b, "\n> [!WARNING]\n> %s\n", markdown.Text(w))
	}
	return b.String()
}

// subjectCell is what a finding is in: a package, a commit, the tree.
func subjectCell(f scan.Finding) string {
	switch {
	case f.Package != "":
		return markdown.Text(f.Package + " " + f.Version)
	case f.Commit != "":
		return markdown.Code(f.Commit)
	}
	return "tree"
}

// gateCell says why a finding does or does not fail the gate.
func gateCell(f scan.Finding) string {
	switch {
	case f.Gating:
		return "fails"
	case f.Exception != "":
		return "exception " + markdown.Code(f.Exception)
	case f.ResolvedByPatch:
		return "resolved by a patch"
	case f.InBaseline:
		return "in baseline"
	}
	return "below cutoff"
}

// exceptionsTable lists the policy exceptions that need a person: expired,
// stale, or ending within 14 days.
func exceptionsTable(b *strings.Builder, rep *scan.Report) {
	t := markdown.NewTable(markdown.Column{Name: "Exception"}, markdown.Column{Name: "Package"},
		markdown.Column{Name: "Expires"}, markdown.Column{Name: "State"}, markdown.Column{Name: "Owner"})
	n := 0
	for _, e := range rep.Exceptions {
		state := e.State
		if e.ExpiresSoon {
			state = "expires soon"
		} else if state == "active" {
			continue
		}
		n++
		t.Row(markdown.Code(e.ID), markdown.Text(e.Package), e.Expires, state, markdown.Text(e.Owner))
	}
	if n > 0 {
		b.WriteString("\n### Policy exceptions to look at\n\n")
		b.WriteString(t.String())
	}
}
