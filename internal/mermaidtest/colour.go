package mermaidtest

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
)

// The xyChart theme variables a chart must set, and the contrast each
// needs against the chart's background: WCAG 2.1 asks 4.5:1 of text and
// 3:1 of graphics (SC 1.4.3, 1.4.11). Left to Mermaid, they follow the
// viewer's theme, and the default bar colour is a pale lavender that
// barely shows on white.
var themeContrast = map[string]float64{
	"titleColor":       4.5,
	"xAxisLabelColor":  4.5,
	"xAxisTitleColor":  4.5,
	"yAxisLabelColor":  4.5,
	"yAxisTitleColor":  4.5,
	"xAxisLineColor":   3,
	"xAxisTickColor":   3,
	"yAxisLineColor":   3,
	"yAxisTickColor":   3,
	"plotColorPalette": 3,
}

// Theme returns the xyChart theme variables of the init directive.
func (c *XYChart) Theme() map[string]string {
	vars, _ := c.Init["themeVariables"].(map[string]any)
	xy, _ := vars["xyChart"].(map[string]any)
	out := map[string]string{}
	for k, v := range xy {
		if s, ok := v.(string); ok {
			out[k] = s
		}
	}
	return out
}

// checkColours requires a theme, a background, and every colour the chart
// draws with set and readable against that background.
func (c *XYChart) checkColours() []error {
	if c.Init["theme"] == nil {
		return []error{fmt.Errorf("no theme in the init directive: the viewer's theme would pick the colours")}
	}
	theme := c.Theme()
	bg, err := ParseColour(theme["backgroundColor"])
	if err != nil {
		return []error{fmt.Errorf("backgroundColor: %v", err)}
	}
	var errs []error
	for _, name := range slices.Sorted(maps.Keys(themeContrast)) {
		for _, v := range strings.Split(theme[name], ",") {
			col, err := ParseColour(strings.TrimSpace(v))
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %v", name, err))
				continue
			}
			if r := Contrast(col, bg); r < themeContrast[name] {
				errs = append(errs, fmt.Errorf("%s %s has a contrast of %.2f:1 on %s, want %.1f:1", name, v, r, theme["backgroundColor"], themeContrast[name]))
			}
		}
	}
	return errs
}

// Colour is an sRGB colour, 8 bits a channel.
type Colour struct{ R, G, B uint8 }

// ParseColour reads a #rrggbb colour, the one form the summaries write.
func ParseColour(s string) (Colour, error) {
	if len(s) != 7 || s[0] != '#' {
		return Colour{}, fmt.Errorf("%q is not a #rrggbb colour", s)
	}
	v, err := strconv.ParseUint(s[1:], 16, 32)
	if err != nil {
		return Colour{}, fmt.Errorf("%q is not a #rrggbb colour", s)
	}
	return Colour{uint8(v >> 16), uint8(v >> 8), uint8(v)}, nil
}

// Contrast is the WCAG 2.1 contrast ratio of two colours, 1 to 21.
func Contrast(a, b Colour) float64 {
	la, lb := luminance(a), luminance(b)
	return (math.Max(la, lb) + 0.05) / (math.Min(la, lb) + 0.05)
}

// luminance is WCAG's relative luminance of an sRGB colour.
func luminance(c Colour) float64 {
	lin := func(v uint8) float64 {
		s := float64(v) / 255
		if s <= 0.03928 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(c.R) + 0.7152*lin(c.G) + 0.0722*lin(c.B)
}
