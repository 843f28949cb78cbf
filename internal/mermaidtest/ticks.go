package mermaidtest

import "math"

// Ticks returns the values Mermaid labels on a linear axis from lo to hi.
// Mermaid asks d3's scale.ticks() for its default of about ten; d3 then
// steps by 1, 2, 5 or 10 times a power of ten, picking the multiplier by
// how lo..hi/10 compares with the thresholds √2, √10 and √50, and keeps
// the multiples of the step inside lo..hi. Below a step of 1 the values
// are computed as n / (1/step), as d3 does, so 0.3 prints as 0.3.
func Ticks(lo, hi float64) []float64 {
	if hi < lo {
		lo, hi = hi, lo
	}
	if lo == hi {
		return []float64{lo}
	}
	raw := (hi - lo) / 10
	power := math.Floor(math.Log10(raw))
	mantissa := raw / math.Pow(10, power)
	mult := 1.0
	switch {
	case mantissa >= math.Sqrt(50):
		mult = 10
	case mantissa >= math.Sqrt(10):
		mult = 5
	case mantissa >= math.Sqrt(2):
		mult = 2
	}
	var ticks []float64
	if power < 0 {
		per := math.Pow(10, -power) / mult // ticks per unit
		first, last := math.Round(lo*per), math.Round(hi*per)
		if first/per < lo {
			first++
		}
		if last/per > hi {
			last--
		}
		for n := first; n <= last; n++ {
			ticks = append(ticks, n/per)
		}
		return ticks
	}
	step := math.Pow(10, power) * mult
	first, last := math.Round(lo/step), math.Round(hi/step)
	if first*step < lo {
		first++
	}
	if last*step > hi {
		last--
	}
	for n := first; n <= last; n++ {
		ticks = append(ticks, n*step)
	}
	return ticks
}
