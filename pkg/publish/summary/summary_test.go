package summary_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/voidnxsec/nixops-actions/pkg/metricfile"
	"github.com/voidnxsec/nixops-actions/pkg/publish"
	"github.com/voidnxsec/nixops-actions/pkg/publish/summary"
)

func TestMarkdown(t *testing.T) {
	set := metricfile.New(nil)
	var b strings.Builder
	b.WriteString("# TYPE v gauge\n")
	for i := range summary.HeadlineRows + 5 {
		fmt.Fprintf(&b, "v{k=\"%02d\"} %d\n", i, i)
	}
	b.WriteString("# TYPE w gauge\nw{k=\"a|b`c\\nd\"} 1\n")
	if err := set.Add("a.prom", []byte(b.String())); err != nil {
		t.Fatal(err)
	}
	r := &publish.Result{GroupURL: "https://gw.example/metrics/job/j", Method: "PUT", Done: true, Set: set}
	md := summary.Markdown(r)
	for _, want := range []string{
		"### Pushgateway\n\nPushed **36 series** (PUT) to `https://gw.example/metrics/job/j`.\n\n",
		"| Metric | Labels | Value |\n|---|---|---|\n| `v` | `{k=\"00\"}` | 0 |\n",
		fmt.Sprintf("| `v` | `{k=\"%02d\"}` | %d |\n\n…and 6 more series.\n", summary.HeadlineRows-1, summary.HeadlineRows-1),
	} {
		if !strings.Contains(md, want) {
			t.Errorf("summary lacks %q:\n%s", want, md)
		}
	}
	r.DryRun, r.Done = true, false
	if md := summary.Markdown(r); !strings.Contains(md, "Dry run: would push **36 series** (PUT)") {
		t.Errorf("dry run:\n%s", md)
	}

	// A label value cannot break the table.
	small := metricfile.New(nil)
	if err := small.Add("w.prom", []byte("# TYPE w gauge\nw{k=\"a|b`c\\nd\"} 1\n")); err != nil {
		t.Fatal(err)
	}
	md = summary.Markdown(&publish.Result{GroupURL: "u", Method: "POST", Done: true, Set: small})
	if !strings.Contains(md, "| `w` | `{k=\"a\\|b'c\\nd\"}` | 1 |\n") {
		t.Errorf("label cell:\n%s", md)
	}

	for _, c := range []struct {
		dry  bool
		want string
	}{{false, "Deleted the group `u`.\n"}, {true, "Dry run: would delete the group `u`.\n"}} {
		if md := summary.Markdown(&publish.Result{GroupURL: "u", Method: "DELETE", DryRun: c.dry, Done: !c.dry}); md != "### Pushgateway\n\n"+c.want {
			t.Errorf("delete (dry run %v): %q", c.dry, md)
		}
	}
}
