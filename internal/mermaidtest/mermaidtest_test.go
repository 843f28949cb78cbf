package mermaidtest_test

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/voidnxsec/nixops-actions/internal/mermaidtest"
	"github.com/voidnxsec/nixops-actions/internal/testenv"
)

const theme = `%%{init: {"theme": "base", "themeVariables": {"xyChart": {"backgroundColor": "#ffffff", ` +
	`"titleColor": "#1f2328", "xAxisLabelColor": "#1f2328", "xAxisTitleColor": "#1f2328", "xAxisTickColor": "#59636e", ` +
	`"xAxisLineColor": "#59636e", "yAxisLabelColor": "#1f2328", "yAxisTitleColor": "#1f2328", "yAxisTickColor": "#59636e", ` +
	`"yAxisLineColor": "#59636e", "plotColorPalette": "#0969da"}}}}%%`

// chart writes an xychart-beta block with n categories labelled label(i)
// and one bar of value(i).
func chart(init string, n int, label func(int) string, yMax float64, value func(int) float64) string {
	var l, v []string
	for i := range n {
		l = append(l, strconv.Quote(label(i)))
		v = append(v, strconv.FormatFloat(value(i), 'f', -1, 64))
	}
	var b strings.Builder
	b.WriteString("```mermaid\n")
	if init != "" {
		b.WriteString(init + "\n")
	}
	fmt.Fprintf(&b, "xychart-beta\n    title \"t\"\n    x-axis \"x\" [%s]\n    y-axis \"y\" 0 --> %s\n    bar [%s]\n```\n\n",
		strings.Join(l, ", "), strconv.FormatFloat(yMax, 'f', -1, 64), strings.Join(v, ", "))
	return b.String()
}

func month(i int) string    { return fmt.Sprintf("2025-%02d", i%12+1) }
func one(int) float64       { return 1 }
func fullDate(i int) string { return fmt.Sprintf("2025-01-%02d", i+1) }

var count = mermaidtest.Limits{MaxCategories: 16, MaxLabel: 7, Count: true}

// TestCheck gives Check one readable chart and one chart for each way of
// being unreadable, and wants exactly the matching complaint.
func TestCheck(t *testing.T) {
	tests := []struct {
		name, md string
		want     []string // substrings, one per expected error
	}{
		{"readable", chart(theme, 12, month, 8, one), nil},
		{"too many categories", chart(theme, 17, month, 8, one), []string{"17 categories, at most 16"}},
		{"long labels", chart(theme, 2, fullDate, 8, one), []string{`"2025-01-01" has 10 characters`, `"2025-01-02" has 10`}},
		{"fractional ticks", chart(theme, 2, month, 1, one), []string{"ticked [0 0.1 0.2"}},
		{"top without a tick", chart(theme, 2, month, 15, one), []string{"ends at 15 but its last tick is 14"}},
		{"fractional count", chart(theme, 2, month, 8, func(int) float64 { return 0.5 }), []string{"0.5 of a count", "0.5 of a count"}},
		{"value above the axis", chart(theme, 1, month, 8, func(int) float64 { return 9 }), []string{"9 is outside the y axis 0..8"}},
		{"default colours", chart("", 2, month, 8, one), []string{"no theme"}},
		{"pale bars", chart(strings.Replace(theme, `"#0969da"`, `"#ececff"`, 1), 2, month, 8, one), []string{"plotColorPalette #ececff has a contrast of 1.1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			blocks, err := mermaidtest.Blocks(tt.md)
			if err != nil || len(blocks) != 1 {
				t.Fatalf("Blocks: %d blocks, %v", len(blocks), err)
			}
			c, err := mermaidtest.ParseXYChart(blocks[0])
			if err != nil {
				t.Fatal(err)
			}
			errs := c.Check(count)
			if len(errs) != len(tt.want) {
				t.Fatalf("Check returned %d errors, want %d: %v", len(errs), len(tt.want), errs)
			}
			for i, w := range tt.want {
				if !strings.Contains(errs[i].Error(), w) {
					t.Errorf("error %d = %q, want it to contain %q", i, errs[i], w)
				}
			}
		})
	}
}

func TestParseXYChartRejects(t *testing.T) {
	for _, block := range []string{
		"flowchart LR\n    a --> b\n",
		"xychart-beta\n    bar [1, 2]\n",
		"xychart-beta\n    x-axis [a, b]\n    bar [1, 2]\n",
		"xychart-beta\n    x-axis [\"a\"]\n    bar [one]\n",
		"%%{init: {theme: base}}%%\nxychart-beta\n    x-axis [\"a\"]\n    bar [1]\n",
	} {
		if c, err := mermaidtest.ParseXYChart(block); err == nil {
			t.Errorf("ParseXYChart accepted\n%s as %+v", block, c)
		}
	}
}

// TestTicks pins the tick rule to what d3 gives for these domains (and
// TestRender checks it against Mermaid's own drawing).
func TestTicks(t *testing.T) {
	for _, tt := range []struct {
		lo, hi float64
		want   []float64
	}{
		{0, 1, []float64{0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1}},
		{0, 5, []float64{0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5}},
		{0, 7, []float64{0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5, 5.5, 6, 6.5, 7}},
		{0, 8, []float64{0, 1, 2, 3, 4, 5, 6, 7, 8}},
		{0, 15, []float64{0, 2, 4, 6, 8, 10, 12, 14}},
		{0, 35, []float64{0, 5, 10, 15, 20, 25, 30, 35}},
		{0, 250, []float64{0, 20, 40, 60, 80, 100, 120, 140, 160, 180, 200, 220, 240}},
		{8, 0, []float64{0, 1, 2, 3, 4, 5, 6, 7, 8}},
	} {
		if got := mermaidtest.Ticks(tt.lo, tt.hi); !slices.Equal(got, tt.want) {
			t.Errorf("Ticks(%v, %v) = %v, want %v", tt.lo, tt.hi, got, tt.want)
		}
	}
}

func TestContrast(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want float64
	}{
		{"#000000", "#ffffff", 21},
		{"#ffffff", "#ffffff", 1},
		{"#767676", "#ffffff", 4.54}, // the lightest grey that passes 4.5:1
		{"#0969da", "#ffffff", 5.19},
	} {
		a, _ := mermaidtest.ParseColour(tt.a)
		b, _ := mermaidtest.ParseColour(tt.b)
		if got := mermaidtest.Contrast(a, b); math.Abs(got-tt.want) > 0.01 {
			t.Errorf("Contrast(%s, %s) = %.3f, want %.2f", tt.a, tt.b, got, tt.want)
		}
	}
	for _, bad := range []string{"", "white", "#fff", "#gggggg"} {
		if _, err := mermaidtest.ParseColour(bad); err == nil {
			t.Errorf("ParseColour(%q) accepted", bad)
		}
	}
}

// TestRender draws charts in Chromium and reads the drawing back: the
// y ticks Mermaid drew are the ones Ticks predicts, the bars have the
// colour the theme set, crowded labels are found, and a syntax error
// fails the rendering.
func TestRender(t *testing.T) {
	tops := []float64{1, 5, 8, 15, 3.5, 250}
	var md strings.Builder
	for _, top := range tops {
		md.WriteString(chart(theme, 3, month, top, one))
	}
	md.WriteString(chart(theme, 31, fullDate, 8, one)) // the unreadable chart of the issue
	dir := t.TempDir()
	drawn := mermaidtest.Render(t, dir, "charts", md.String(), "svg", mermaidtest.Light)
	if len(drawn) != len(tops)+1 {
		t.Fatalf("%d drawings, want %d", len(drawn), len(tops)+1)
	}
	for i, top := range tops {
		s := drawn[i].SVG
		var want []string
		for _, v := range slices.Backward(mermaidtest.Ticks(0, top)) {
			want = append(want, strconv.FormatFloat(v, 'f', -1, 64))
		}
		if !slices.Equal(s.YLabels, want) {
			t.Errorf("y axis 0..%v: Mermaid drew the ticks %v, Ticks predicts %v", top, s.YLabels, want)
		}
		if len(s.BarFills) != 3 || s.BarFills[0] != "#0969da" || s.Background != "#ffffff" {
			t.Errorf("y axis 0..%v: bars %v on %s, want 3 bars #0969da on #ffffff", top, s.BarFills, s.Background)
		}
		if o := s.Overlaps(); len(o) > 0 {
			t.Errorf("three month labels overlap: %v", o)
		}
	}
	if o := drawn[len(tops)].SVG.Overlaps(); len(o) < 20 {
		t.Errorf("31 full dates side by side: %d overlapping pairs found, want most of 30", len(o))
	}

	png := mermaidtest.Render(t, dir, "dark", chart(theme, 3, month, 8, one), "png", mermaidtest.Dark)
	blue, _ := mermaidtest.ParseColour("#0969da")
	white, _ := mermaidtest.ParseColour("#ffffff")
	if share, err := mermaidtest.Share(png[0].File, blue); err != nil || share < 0.05 {
		t.Errorf("bars cover %.3f of the PNG (%v), want at least 0.05", share, err)
	}
	if share, err := mermaidtest.Share(png[0].File, white); err != nil || share < 0.5 {
		t.Errorf("on the dark page, the chart's white covers %.3f of the PNG (%v), want most of it", share, err)
	}

	r := mermaidtest.Renderer{MMDC: testenv.LookPath(t, "mmdc"), Chromium: testenv.LookPath(t, "chromium")}
	bad := "```mermaid\nxychart-beta\n    x-axis [\"a\", \"b\"\n    bar [1, 2]\n```\n"
	if _, err := r.Draw(dir, "bad", bad, "svg", mermaidtest.Light); err == nil || !strings.Contains(err.Error(), "Parse error") {
		t.Errorf("an unclosed x-axis rendered: err = %v, want Mermaid's parse error", err)
	}
}
