package dora

import (
	"time"

	"github.com/voidnxsec/nixops-actions/pkg/history"
)

// leadTimes returns the lead times (seconds) of a deployment's commits and
// the number of commits dated after it (clock skew), which are left out:
// a lead time is never negative.
// A commit a pull request was squashed into starts at the time of the pull
// request's first commit (squash).
func leadTimes(g *history.Graph, d *deploy, s settings, squash map[int32]int64) ([]float64, int) {
	out := make([]float64, 0, len(d.commits))
	skewed := 0
	for _, i := range d.commits {
		c := &g.Commits[i]
		if c.Undated || s.excludeMerges && len(c.Parents) > 1 {
			continue
		}
		t := c.AuthorTime
		if s.committerTime {
			t = c.CommitterTime
		}
		if first, ok := squash[i]; ok {
			t = first
		}
		if t > d.time {
			skewed++
			continue
		}
		out = append(out, float64(d.time-t))
	}
	return out, skewed
}

// windowed is the per-deployment data of the deployments in the window.
type windowed struct {
	deps   []*deploy
	leads  [][]float64
	skewed int
}

func collect(g *history.Graph, ds []*deploy, w Window, s settings, squash map[int32]int64) windowed {
	var out windowed
	for _, d := range ds {
		if d.time <= w.Start.Unix() || d.time > w.End.Unix() {
			continue
		}
		l, sk := leadTimes(g, d, s, squash)
		out.deps = append(out.deps, d)
		out.leads = append(out.leads, l)
		out.skewed += sk
	}
	return out
}

func metrics(in windowed, w Window) Metrics {
	n := len(in.deps)
	m := Metrics{Deployments: n}
	var all, gaps, recov []float64
	for k, d := range in.deps {
		all = append(all, in.leads[k]...)
		if k > 0 {
			gaps = append(gaps, float64(d.time-in.deps[k-1].time))
		}
		if d.failed {
			m.FailedDeployments++
			if d.recovered && d.recovery >= 0 {
				recov = append(recov, float64(d.recovery))
			}
		}
		if d.rework {
			m.ReworkDeployments++
		}
	}
	m.DeploymentFrequency = Metric{Stat: stat(gaps), Unit: "deployments/day"}
	m.ChangeLeadTime = medianMetric(stat(all), leadBand)
	m.RecoveryTime = medianMetric(stat(recov), recoveryBand)
	if n > 0 {
		perDay := float64(n) / w.Days
		m.DeploymentFrequency.Value = &perDay
		m.DeploymentsPerWeek = ptr(perDay * 7)
		m.ChangeFailRate = ratio(m.FailedDeployments, n)
		m.ReworkRate = ratio(m.ReworkDeployments, n)
	} else {
		m.ChangeFailRate = Metric{Unit: "ratio"}
		m.ReworkRate = Metric{Unit: "ratio"}
	}
	m.DeploymentFrequency.Band = frequencyBand(m.DeploymentFrequency.Value)
	m.ChangeFailRate.Band = failBand(m.ChangeFailRate.Value)
	return m
}

func medianMetric(s Stat, band func(*float64) *string) Metric {
	return Metric{Stat: s, Value: s.Median, Unit: "seconds", Band: band(s.Median)}
}

// ratio is a rate over the deployments of the window; its statistics are
// those of the 0/1 sample: the mean is the rate, the median and p90 are
// not meaningful and stay null.
func ratio(k, n int) Metric {
	r := float64(k) / float64(n)
	return Metric{Stat: Stat{Mean: ptr(r), N: n}, Value: ptr(r), Unit: "ratio"}
}

// weekly splits the window into ISO weeks starting Monday 00:00 UTC, from
// the week holding the window's start to the one holding its end.
func weekly(in windowed, w Window) []Week {
	var weeks []Week
	for ws := mondayOf(w.Start); !ws.After(w.End); ws = ws.AddDate(0, 0, 7) {
		we := ws.AddDate(0, 0, 7)
		wk := Week{Start: ws}
		var leads []float64
		for k, d := range in.deps {
			if t := time.Unix(d.time, 0); !t.Before(ws) && t.Before(we) {
				wk.Deployments++
				leads = append(leads, in.leads[k]...)
			}
		}
		wk.MedianLeadSeconds = stat(leads).Median
		weeks = append(weeks, wk)
	}
	return weeks
}

func mondayOf(t time.Time) time.Time {
	t = t.UTC()
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	back := (int(d.Weekday()) + 6) % 7 // Monday = 0
	return d.AddDate(0, 0, -back)
}
