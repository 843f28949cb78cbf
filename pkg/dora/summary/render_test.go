package summary_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/voidnxsec/nixops-actions/internal/mermaidtest"
	"github.com/voidnxsec/nixops-actions/pkg/dora/summary"
)

// TestRender draws every chart of every summary the other tests write
// (short and long windows, no deployments, one, many, twenty years) with
// Mermaid's CLI in Chromium, as GitHub's Mermaid would. A syntax error
// fails it. The drawing must show what the source promises: every
// category label, without overlap, the whole-number ticks, the colours.
// The three-year summary is also drawn as PNG on GitHub's light and dark
// pages, kept in the artifact directory (mermaidtest.ArtifactsVar) for
// people to look at.
func TestRender(t *testing.T) {
	var all strings.Builder
	var three string
	for _, name := range []string{"full", "many", "no-data"} {
		all.WriteString(summary.Markdown(load(t, name)))
	}
	for _, h := range histories() {
		md := summary.Markdown(h.report(t))
		all.WriteString(md)
		if h.name == "three-years" {
			three = md
		}
	}
	charts, threeCharts := checkCharts(t, all.String()), checkCharts(t, three)
	dir := mermaidtest.ArtifactDir(t)
	drawn := mermaidtest.Render(t, dir, "summaries", all.String(), "svg", mermaidtest.Light)
	if len(drawn) != len(charts) || len(charts) < 12 {
		t.Fatalf("%d drawings of %d charts", len(drawn), len(charts))
	}
	for i, d := range drawn {
		checkDrawing(t, d, charts[i])
	}

	for _, page := range []struct {
		name string
		mermaidtest.Page
	}{{"light", mermaidtest.Light}, {"dark", mermaidtest.Dark}} {
		pngs := mermaidtest.Render(t, dir, "three-years-"+page.name, three, "png", page.Page)
		for i, p := range pngs {
			checkPNG(t, p.File, threeCharts[i].Theme())
		}
	}
	t.Logf("drawings in %s", dir)
}

// checkDrawing compares Mermaid's SVG with the chart's source.
func checkDrawing(t *testing.T, d mermaidtest.Drawing, c *mermaidtest.XYChart) {
	t.Helper()
	s := d.SVG
	var labels []string
	for _, l := range s.XLabels {
		labels = append(labels, l.Text)
	}
	if !slices.Equal(labels, c.Categories) {
		t.Errorf("%s (%q): Mermaid drew the x labels %q, want %q", d.File, c.Title, labels, c.Categories)
	}
	if o := s.Overlaps(); len(o) > 0 {
		t.Errorf("%s (%q): x labels overlap: %v", d.File, c.Title, o)
	}
	var ticks []string
	for _, v := range slices.Backward(mermaidtest.Ticks(c.YMin, c.YMax)) {
		ticks = append(ticks, strconv.FormatFloat(v, 'f', -1, 64))
	}
	if !slices.Equal(s.YLabels, ticks) {
		t.Errorf("%s (%q): Mermaid drew the y labels %q, want %q", d.File, c.Title, s.YLabels, ticks)
	}
	theme := c.Theme()
	if s.Background != theme["backgroundColor"] {
		t.Errorf("%s (%q): background %s, want %s", d.File, c.Title, s.Background, theme["backgroundColor"])
	}
	for _, f := range s.BarFills {
		if f != theme["plotColorPalette"] {
			t.Errorf("%s (%q): a bar is %s, want %s", d.File, c.Title, f, theme["plotColorPalette"])
			break
		}
	}
}

// checkPNG wants the chart's own background to fill most of the picture,
// whatever the page around it, and its bars to show.
func checkPNG(t *testing.T, path string, theme map[string]string) {
	t.Helper()
	for name, least := range map[string]float64{"backgroundColor": 0.5, "plotColorPalette": 0.02} {
		c, err := mermaidtest.ParseColour(theme[name])
		if err != nil {
			t.Fatal(err)
		}
		share, err := mermaidtest.Share(path, c)
		if err != nil {
			t.Fatal(err)
		}
		if share < least {
			t.Errorf("%s: %s %s covers %.3f of the picture, want at least %.2f", path, name, theme[name], share, least)
		}
	}
}
