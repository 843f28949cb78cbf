package dora

import (
	"math"
	"sort"
)

// stat summarises a sample: the median (mean of the two middle values for
// an even size), the 90th percentile by the nearest-rank method (the value
// at rank ceil(0.9*n) of the sorted sample, so always an observed value:
// for n=10 the 9th, for n=3 the 3rd) and the mean. An empty sample gives
// nulls, never zeros. The sample is sorted in place.
func stat(xs []float64) Stat {
	n := len(xs)
	if n == 0 {
		return Stat{}
	}
	sort.Float64s(xs)
	med := xs[n/2]
	if n%2 == 0 {
		med = (xs[n/2-1] + xs[n/2]) / 2
	}
	p90 := xs[int(math.Ceil(0.9*float64(n)))-1]
	sum := 0.0
	for _, x := range xs {
		sum += x
	}
	mean := sum / float64(n)
	return Stat{Median: &med, P90: &p90, Mean: &mean, N: n}
}

func ptr[T any](v T) *T { return &v }
