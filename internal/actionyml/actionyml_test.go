package actionyml_test

import (
	"strings"
	"testing"

	"github.com/voidnxsec/nixops-actions/internal/actionyml"
	"github.com/voidnxsec/nixops-actions/pkg/action"
)

// spec is what a binary declaring these would hand to Check.
func spec() action.Spec {
	in := action.NewInputs(nil, func(string) string { return "" })
	in.String("target", "", "what to read", action.Required())
	in.Int("workers", 0, "parallel workers")
	in.Output("count", "how many")
	return in.Spec()
}

func TestAgree(t *testing.T) {
	problems, err := actionyml.Check("testdata/agree.yml", spec())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Error(p)
	}
}

func TestDisagree(t *testing.T) {
	problems, err := actionyml.Check("testdata/disagree.yml", spec())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`testdata/disagree.yml:5:5: input "target": required is false here and true in Go`,
		`testdata/disagree.yml:8:14: input "workers": default "4" here and "0" in Go`,
		`testdata/disagree.yml:9:3: input "stale" is not declared in Go`,
		`testdata/disagree.yml:24:9: input "target" is not passed to the binary: add INPUT_TARGET: ${{ inputs.target }}`,
		`testdata/disagree.yml:24:24: INPUT_WORKERS is "${{ inputs.target }}": map it to ${{ inputs.workers }}`,
		`testdata/disagree.yml:25:9: INPUT_STALE names no declared input (stale)`,
		`testdata/disagree.yml:13:5: output "count" must read ${{ steps.run.outputs.count }}`,
		`testdata/disagree.yml:15:3: output "ghost" is not declared in Go`,
	}
	var got []string
	for _, p := range problems {
		got = append(got, p.Error())
	}
	if len(got) != len(want) {
		t.Errorf("%d problems, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
	for i := range min(len(got), len(want)) {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("problem %d\n got %s\nwant %s…", i, got[i], want[i])
		}
	}
}
