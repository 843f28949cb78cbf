// Package mermaidtest checks the Mermaid charts of step summaries twice:
// from their source, for what makes a chart readable on the page (few
// categories, short labels, whole-number ticks on a count axis, colours set
// explicitly and with enough contrast), and rendered by Mermaid's own CLI in
// a real Chromium, which fails where GitHub would show a syntax error.
package mermaidtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Blocks returns the bodies of the ```mermaid blocks of a Markdown
// document, in order, or an error for a block that is never closed.
func Blocks(md string) ([]string, error) {
	var out []string
	parts := strings.Split(md, "```mermaid\n")
	for _, p := range parts[1:] {
		body, _, ok := strings.Cut(p, "\n```")
		if !ok {
			return nil, fmt.Errorf("unterminated mermaid block:\n%s", p)
		}
		out = append(out, body+"\n")
	}
	return out, nil
}

// XYChart is an xychart-beta block: one categorical x axis, one y axis
// with a fixed range, and its series.
type XYChart struct {
	// Init is the %%{init: ...}%% directive decoded as JSON; nil without one.
	Init       map[string]any
	Title      string
	XTitle     string
	Categories []string
	YTitle     string
	YMin, YMax float64
	Series     []Series
}

// Series is one bar or line of a chart.
type Series struct {
	Kind   string // "bar" or "line"
	Values []float64
}

var (
	initRe   = regexp.MustCompile(`^%%\{init: (.*)\}%%$`)
	titleRe  = regexp.MustCompile(`^title "([^"]*)"$`)
	xAxisRe  = regexp.MustCompile(`^x-axis (?:"([^"]*)" )?\[(.*)\]$`)
	yAxisRe  = regexp.MustCompile(`^y-axis (?:"([^"]*)" )?(-?[0-9.]+) --> (-?[0-9.]+)$`)
	seriesRe = regexp.MustCompile(`^(bar|line) \[(.*)\]$`)
	labelRe  = regexp.MustCompile(`^"([^"]*)"$`)
)

// ParseXYChart reads the subset of xychart-beta the summaries write: an
// optional init directive, then the chart, one statement a line.
func ParseXYChart(block string) (*XYChart, error) {
	lines := strings.Split(strings.TrimSuffix(block, "\n"), "\n")
	c := &XYChart{}
	if m := initRe.FindStringSubmatch(lines[0]); m != nil {
		if err := json.Unmarshal([]byte(m[1]), &c.Init); err != nil {
			return nil, fmt.Errorf("init directive is not JSON: %v", err)
		}
		lines = lines[1:]
	}
	if len(lines) == 0 || lines[0] != "xychart-beta" {
		return nil, errors.New("not an xychart-beta block")
	}
	for _, l := range lines[1:] {
		if err := c.statement(strings.TrimSpace(l)); err != nil {
			return nil, err
		}
	}
	if c.Categories == nil {
		return nil, errors.New("chart has no categorical x-axis")
	}
	return c, nil
}

func (c *XYChart) statement(l string) error {
	var err error
	if m := titleRe.FindStringSubmatch(l); m != nil {
		c.Title = m[1]
	} else if m := xAxisRe.FindStringSubmatch(l); m != nil {
		c.XTitle = m[1]
		for _, s := range strings.Split(m[2], ", ") {
			lm := labelRe.FindStringSubmatch(s)
			if lm == nil {
				return fmt.Errorf("x-axis category %s is not a quoted label", s)
			}
			c.Categories = append(c.Categories, lm[1])
		}
	} else if m := yAxisRe.FindStringSubmatch(l); m != nil {
		c.YTitle = m[1]
		c.YMin, _ = strconv.ParseFloat(m[2], 64)
		c.YMax, _ = strconv.ParseFloat(m[3], 64)
	} else if m := seriesRe.FindStringSubmatch(l); m != nil {
		s := Series{Kind: m[1]}
		for _, f := range strings.Split(m[2], ", ") {
			v, perr := strconv.ParseFloat(f, 64)
			if perr != nil {
				return fmt.Errorf("%s value %q is not a number", m[1], f)
			}
			s.Values = append(s.Values, v)
		}
		c.Series = append(c.Series, s)
	} else {
		err = fmt.Errorf("statement %q is not one the summaries write", l)
	}
	return err
}

// Limits are what a chart must keep to stay readable.
type Limits struct {
	// MaxCategories is the most x-axis categories; more labels than this
	// print on top of each other at GitHub's width.
	MaxCategories int
	// MaxLabel is the longest category label, in characters.
	MaxLabel int
	// Count says the y axis counts things: its values and ticks must be
	// whole numbers.
	Count bool
}

// Check returns every way c breaks l or reads badly, nil for none.
func (c *XYChart) Check(l Limits) []error {
	var errs []error
	if n := len(c.Categories); n > l.MaxCategories {
		errs = append(errs, fmt.Errorf("%d categories, at most %d fit side by side", n, l.MaxCategories))
	}
	for _, s := range c.Categories {
		if n := utf8.RuneCountInString(s); n > l.MaxLabel || n == 0 {
			errs = append(errs, fmt.Errorf("category label %q has %d characters, want 1 to %d", s, n, l.MaxLabel))
		}
	}
	if len(c.Series) == 0 {
		errs = append(errs, errors.New("chart has no series"))
	}
	for _, s := range c.Series {
		errs = append(errs, c.checkSeries(s, l)...)
	}
	errs = append(errs, c.checkAxis(l)...)
	return append(errs, c.checkColours()...)
}

func (c *XYChart) checkSeries(s Series, l Limits) []error {
	var errs []error
	if len(s.Values) != len(c.Categories) {
		errs = append(errs, fmt.Errorf("%s has %d values for %d categories", s.Kind, len(s.Values), len(c.Categories)))
	}
	for _, v := range s.Values {
		if v < c.YMin || v > c.YMax {
			errs = append(errs, fmt.Errorf("%s value %v is outside the y axis %v..%v", s.Kind, v, c.YMin, c.YMax))
		}
		if l.Count && v != math.Trunc(v) {
			errs = append(errs, fmt.Errorf("%s value %v of a count is not a whole number", s.Kind, v))
		}
	}
	return errs
}

// checkAxis checks the y ticks Mermaid will draw: whole numbers on a
// count axis, and a tick at the top so the highest value can be read off.
func (c *XYChart) checkAxis(l Limits) []error {
	if c.YMax <= c.YMin {
		return []error{fmt.Errorf("y axis %v..%v is empty", c.YMin, c.YMax)}
	}
	ticks := Ticks(c.YMin, c.YMax)
	var errs []error
	if l.Count {
		for _, t := range ticks {
			if t != math.Trunc(t) {
				errs = append(errs, fmt.Errorf("y axis 0..%v of a count is ticked %v", c.YMax, ticks))
				break
			}
		}
	}
	if top := ticks[len(ticks)-1]; math.Abs(top-c.YMax) > 1e-9*c.YMax {
		errs = append(errs, fmt.Errorf("y axis ends at %v but its last tick is %v (ticks %v)", c.YMax, top, ticks))
	}
	return errs
}
