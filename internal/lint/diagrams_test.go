package lint_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/voidnxsec/nixops-actions/internal/mermaidtest"
	"github.com/voidnxsec/nixops-actions/internal/testenv"
)

// TestReadmeDiagrams draws the README's Mermaid diagrams as GitHub would:
// one Mermaid cannot parse fails with its line.
func TestReadmeDiagrams(t *testing.T) {
	md, err := os.ReadFile(filepath.Join(testenv.RepoRoot(t), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	// PNG: mermaidtest reads only xychart SVGs; a drawing is what counts.
	drawn := mermaidtest.Render(t, t.TempDir(), "readme", string(md), "png", mermaidtest.Light)
	if want := strings.Count(string(md), "```mermaid\n"); len(drawn) != want || want == 0 {
		t.Fatalf("drew %d diagrams of the README's %d Mermaid blocks", len(drawn), want)
	}
	for _, d := range drawn {
		if fi, err := os.Stat(d.File); err != nil || fi.Size() < 1000 {
			t.Errorf("%s: %v, want a drawing", d.File, err)
		}
	}
}
