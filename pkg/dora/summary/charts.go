package summary

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/voidnxsec/nixops-actions/pkg/dora"
)

// MaxCategories is the most bars a chart has: sixteen labels of up to
// seven characters ("Q3 2025") fit side by side at the chart's width and
// label size, more print on top of each other.
const MaxCategories = 16

// Mermaid draws an xychart 700 pixels wide with 14-pixel labels; a
// seven-character label then needs 61 pixels and only ten fit. At 960
// pixels (about the width of the summary column, which scales the chart
// down to fit a narrower one, text and gaps alike) and 12-pixel labels,
// sixteen have 56 pixels each for the 52 they need.
const (
	chartWidth     = 960
	chartLabelSize = 12
)

// Colours of the charts, from GitHub's Primer light palette. A chart draws
// its own white background, so it reads the same on GitHub's light and
// dark themes; against that white the text has a contrast of 15.8:1, the
// axes 6.1:1 and the bars 5.2:1 and 5:1 (WCAG asks 4.5:1 of text, 3:1 of
// graphics).
const (
	chartBackground = "#ffffff"
	chartText       = "#1f2328"
	chartAxis       = "#59636e"
	deploymentsBar  = "#0969da"
	leadTimeBar     = "#8250df"
)

// period is the span of one bar.
type period struct {
	noun   string // "week", "month", "quarter", "year", "2 years"
	months int    // 0 for a week
}

// bucket is one bar of the deployments chart.
type bucket struct {
	start       time.Time
	label       string
	deployments int
	lead        *float64 // median lead time in seconds; nil without one
}

// buckets splits the window into at most MaxCategories bars: weeks while
// they are few enough, then months, quarters, years. Weeks come from the
// report's weekly series, whose lead time is the median over the week's
// commits. The report has no per-commit times for longer periods, so there
// a bar's lead time is the median of its deployments' medians.
func buckets(r *dora.Report) (period, []bucket) {
	if len(r.Weekly) <= MaxCategories {
		b := make([]bucket, len(r.Weekly))
		for i, w := range r.Weekly {
			b[i] = bucket{start: w.Start, label: w.Start.UTC().Format("Jan 2"), deployments: w.Deployments, lead: w.MedianLeadSeconds}
		}
		return period{noun: "week"}, b
	}
	first, last := r.Window.Start.UTC(), r.Window.End.UTC()
	p := longPeriod(first, last)
	b := p.calendar(first, last)
	leads := make([][]float64, len(b))
	for _, d := range r.Deployments {
		i := sort.Search(len(b), func(i int) bool { return b[i].start.After(d.Time) }) - 1
		if i < 0 {
			continue // before the window: not in a report Compute wrote
		}
		b[i].deployments++
		if m := d.LeadTime.Median; m != nil {
			leads[i] = append(leads[i], *m)
		}
	}
	for i := range b {
		b[i].lead = median(leads[i])
	}
	return p, b
}

// longPeriod is the shortest calendar period that splits first..last into
// at most MaxCategories bars; past sixteen years, several years a bar.
func longPeriod(first, last time.Time) period {
	months := monthIndex(last) - monthIndex(first) + 1
	switch {
	case months <= MaxCategories:
		return period{"month", 1}
	case (months+2)/3 <= MaxCategories:
		return period{"quarter", 3}
	}
	years := last.Year() - first.Year() + 1
	n := (years + MaxCategories - 1) / MaxCategories
	if n == 1 {
		return period{"year", 12}
	}
	return period{strconv.Itoa(n) + " years", 12 * n}
}

// calendar returns the empty bars from the period holding first to the
// one holding last; quarters and years start in January.
func (p period) calendar(first, last time.Time) []bucket {
	start := time.Date(first.Year(), first.Month(), 1, 0, 0, 0, 0, time.UTC)
	if p.months == 3 || p.months >= 12 {
		start = start.AddDate(0, -(int(start.Month())-1)%p.months, 0)
	}
	var b []bucket
	for s := start; !s.After(last); s = s.AddDate(0, p.months, 0) {
		b = append(b, bucket{start: s, label: p.label(s)})
	}
	return b
}

func monthIndex(t time.Time) int { return t.Year()*12 + int(t.Month()) - 1 }

// label names a bar by its start in at most seven characters.
func (p period) label(t time.Time) string {
	switch p.months {
	case 1:
		return t.Format("2006-01")
	case 3:
		return fmt.Sprintf("Q%d %d", (int(t.Month())+2)/3, t.Year())
	}
	return t.Format("2006")
}

func median(xs []float64) *float64 {
	if len(xs) == 0 {
		return nil
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	m := s[len(s)/2]
	if len(s)%2 == 0 {
		m = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return &m
}

// charts draws deployments and median lead time per period. Mermaid's
// xychart-beta has no gaps, so the lead time chart lists only the periods
// that have a lead time, as bars, not a line that would join its neighbours
// across the periods left out: a period without deployments has no lead
// time, not a lead time of 0.
func charts(w *strings.Builder, r *dora.Report) {
	if len(r.Weekly) == 0 {
		return
	}
	p, b := buckets(r)
	labels := make([]string, len(b))
	counts := make([]float64, len(b))
	top := 0
	for i, k := range b {
		labels[i] = k.label
		counts[i] = float64(k.deployments)
		top = max(top, k.deployments)
	}
	fmt.Fprintf(w, "### Deployments per %s\n\n", p.noun)
	xychart(w, chart{
		title: "Deployments per " + p.noun, xTitle: p.axisTitle(), labels: labels,
		yTitle: "deployments", yMax: countAxisMax(top), values: counts, colour: deploymentsBar,
	})

	fmt.Fprintf(w, "### Median change lead time per %s\n\n", p.noun)
	var leadLabels []string
	var leads []float64
	for _, k := range b {
		if k.lead != nil {
			leadLabels = append(leadLabels, k.label)
			leads = append(leads, *k.lead)
		}
	}
	if len(leads) == 0 {
		w.WriteString("No deployments in the window: no lead time to chart.\n\n")
		return
	}
	var notes []string
	if p.months > 0 {
		notes = append(notes, "A bar is the median of the median lead times of the deployments in it.")
	}
	if skipped := len(b) - len(leads); skipped > 0 {
		notes = append(notes, fmt.Sprintf("%s without a lead time (no deployments, or only skewed commits) are left out: %d of %d.", capital(p.plural()), skipped, len(b)))
	}
	if len(notes) > 0 {
		w.WriteString(strings.Join(notes, " ") + "\n\n")
	}
	unit, div := chartUnit(leads)
	values := make([]float64, len(leads))
	longest := 0.0
	for i, v := range leads {
		// The value as the chart prints it, so that a 60.004 shown as 60
		// does not lift the axis to the next tick.
		values[i], _ = strconv.ParseFloat(number(v/div), 64)
		longest = math.Max(longest, values[i])
	}
	xychart(w, chart{
		title: fmt.Sprintf("Median change lead time per %s (%s)", p.noun, unit), xTitle: p.axisTitle(), labels: leadLabels,
		yTitle: unit, yMax: axisMax(longest, 0), values: values, colour: leadTimeBar,
	})
}

func (p period) axisTitle() string {
	if p.months == 0 || p.months > 12 {
		return p.noun + " starting (UTC)"
	}
	return p.noun + " (UTC)"
}

func (p period) plural() string {
	if strings.HasSuffix(p.noun, "years") {
		return "periods of " + p.noun
	}
	return p.noun + "s"
}

func capital(s string) string { return strings.ToUpper(s[:1]) + s[1:] }

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

// chart is one single-series bar chart.
type chart struct {
	title, xTitle, yTitle string
	labels                []string
	yMax                  float64
	values                []float64
	colour                string
}

// xychart writes c as a Mermaid block. The init directive sets every
// colour the chart uses, so neither Mermaid's pale default nor the
// viewer's theme decides them.
func xychart(w *strings.Builder, c chart) {
	quoted := make([]string, len(c.labels))
	for i, l := range c.labels {
		quoted[i] = quote(l)
	}
	values := make([]string, len(c.values))
	for i, v := range c.values {
		values[i] = number(v)
	}
	w.WriteString("```mermaid\n")
	fmt.Fprintf(w, `%%%%{init: {"xyChart": {"width": %d, "xAxis": {"labelFontSize": %d}}, `, chartWidth, chartLabelSize)
	fmt.Fprintf(w, `"theme": "base", "themeVariables": {"xyChart": {`+
		`"backgroundColor": "%s", "titleColor": "%[2]s", `+
		`"xAxisLabelColor": "%[2]s", "xAxisTitleColor": "%[2]s", "xAxisTickColor": "%[3]s", "xAxisLineColor": "%[3]s", `+
		`"yAxisLabelColor": "%[2]s", "yAxisTitleColor": "%[2]s", "yAxisTickColor": "%[3]s", "yAxisLineColor": "%[3]s", `+
		`"plotColorPalette": "%[4]s"}}}}%%%%`+"\n", chartBackground, chartText, chartAxis, c.colour)
	w.WriteString("xychart-beta\n")
	fmt.Fprintf(w, "    title %s\n", quote(c.title))
	fmt.Fprintf(w, "    x-axis %s [%s]\n", quote(c.xTitle), strings.Join(quoted, ", "))
	fmt.Fprintf(w, "    y-axis %s 0 --> %s\n", quote(c.yTitle), number(c.yMax))
	fmt.Fprintf(w, "    bar [%s]\n```\n\n", strings.Join(values, ", "))
}

// Mermaid ticks the y axis the way d3's scale.ticks() does: about ten
// ticks, a step of 1, 2 or 5 times a power of ten, whichever brings the
// count nearest ten (on a log scale). A top below 7.07 gets a step below 1,
// so a count axis starts at 8, where the step is 1.
const leastCountTop = 8

// countAxisMax is the top of a count axis: whole-number ticks, the top
// itself among them.
func countAxisMax(top int) float64 { return axisMax(float64(top), leastCountTop) }

// axisMax rounds v (at least least) up to a multiple of the tick step, so
// the top of the axis carries a label.
func axisMax(v, least float64) float64 {
	top := math.Max(v, least)
	if top <= 0 {
		return 1
	}
	// A larger top can have a larger step; the loop ends when the top is a
	// multiple of its own step.
	for {
		step := tickStep(top)
		next := roundTick(math.Ceil(top/step-1e-9)*step, step)
		if next == top {
			return top
		}
		top = next
	}
}

// tickStep is d3's tick increment for the domain [0, top] with 10 ticks.
func tickStep(top float64) float64 {
	step := top / 10
	power := math.Floor(math.Log10(step))
	e := step / math.Pow(10, power)
	factor := 1.0
	switch {
	case e >= math.Sqrt(50):
		factor = 10
	case e >= math.Sqrt(10):
		factor = 5
	case e >= math.Sqrt(2):
		factor = 2
	}
	return factor * math.Pow(10, power)
}

// roundTick removes the binary noise of a multiple of a decimal step.
func roundTick(v, step float64) float64 {
	decimals := max(0, -int(math.Floor(math.Log10(step))))
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'f', decimals, 64), 64)
	return r
}

// quote makes a Mermaid string. Mermaid has no escapes inside one; every
// text a chart shows is written here and holds no quote.
func quote(s string) string { return `"` + s + `"` }
