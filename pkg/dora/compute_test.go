package dora

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
)

// wantDep is the expected row of one deployment.
type wantDep struct {
	name     string
	commits  int
	time     string    // RFC 3339 UTC deploy time; "" = not checked
	lead     []float64 // median, p90, mean, n (seconds); nil = no sample
	hotfix   bool
	failed   string // cause; "" = not failed
	fixedBy  string
	recovery float64 // seconds, when fixedBy is set
	rework   bool
}

// want is everything a case asserts.
type want struct {
	deps        []wantDep
	perDay      float64 // deployments per day; NaN = null
	gaps        []float64
	lead        []float64 // median, p90, mean, n
	failRate    float64   // NaN = null
	reworkRate  float64
	recovery    []float64 // median, p90, mean, n
	skewed      int
	ignored     []string
	commitsSeen int
	bands       [4]string // frequency, lead, fail, recovery; "" = null
}

const h = 3600.0

var nan = math.NaN()

type computeCase struct {
	name  string
	build func(r *gitRepo) // the repository
	cfg   func(c *Config)
	want  want
}

func TestCompute(t *testing.T) {
	for _, tc := range computeCases {
		t.Run(tc.name, func(t *testing.T) {
			r := newGitRepo(t)
			tc.build(r)
			cfg := DefaultConfig()
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			rep, err := Compute(context.Background(), r.dir, cfg)
			if err != nil {
				t.Fatal(err)
			}
			check(t, rep, tc.want, r.names)
		})
	}
}

func check(t *testing.T, rep *Report, w want, names map[string]string) {
	t.Helper()
	b, _ := json.MarshalIndent(rep.Deployments, "", " ")
	defer func() {
		if t.Failed() {
			t.Logf("deployments: %s", b)
		}
	}()
	if len(rep.Deployments) != len(w.deps) {
		t.Fatalf("%d deployments, want %d", len(rep.Deployments), len(w.deps))
	}
	for k, wd := range w.deps {
		if name, ok := names[strings.TrimPrefix(wd.name, "@")]; ok {
			wd.name = name
		}
		checkDep(t, rep.Deployments[k], wd)
	}
	m := rep.Metrics
	eqPtr(t, "deployment frequency", m.DeploymentFrequency.Value, w.perDay)
	eqStat(t, "time between deployments", m.DeploymentFrequency.Stat, w.gaps)
	eqStat(t, "lead time", m.ChangeLeadTime.Stat, w.lead)
	eqPtr(t, "lead time value", m.ChangeLeadTime.Value, statMedian(w.lead))
	eqPtr(t, "change fail rate", m.ChangeFailRate.Value, w.failRate)
	eqPtr(t, "rework rate", m.ReworkRate.Value, w.reworkRate)
	eqStat(t, "recovery", m.RecoveryTime.Stat, w.recovery)
	if rep.SkewedCommits != w.skewed {
		t.Errorf("skewed commits %d, want %d", rep.SkewedCommits, w.skewed)
	}
	if got := ignoredNames(rep); fmt.Sprint(got) != fmt.Sprint(nonNil(w.ignored)) {
		t.Errorf("ignored tags %v, want %v", got, w.ignored)
	}
	if rep.CommitsSeen != w.commitsSeen {
		t.Errorf("commits seen %d, want %d", rep.CommitsSeen, w.commitsSeen)
	}
	bands := []*string{m.DeploymentFrequency.Band, m.ChangeLeadTime.Band, m.ChangeFailRate.Band, m.RecoveryTime.Band}
	for k, b := range bands {
		if got := deref(b); got != w.bands[k] {
			t.Errorf("band %d = %q, want %q", k, got, w.bands[k])
		}
	}
	if m.ReworkRate.Band != nil {
		t.Errorf("rework rate has band %q; DORA 2024 gives none", *m.ReworkRate.Band)
	}
}

func checkDep(t *testing.T, got Deployment, w wantDep) {
	t.Helper()
	if got.Name != w.name || got.Commits != w.commits || got.Hotfix != w.hotfix || got.Cause != w.failed ||
		got.Failed != (w.failed != "") || got.FixedBy != w.fixedBy || got.Rework != w.rework {
		t.Errorf("deployment %s: got name=%s commits=%d hotfix=%v failed=%v cause=%q fixed_by=%q rework=%v, want %+v",
			w.name, got.Name, got.Commits, got.Hotfix, got.Failed, got.Cause, got.FixedBy, got.Rework, w)
	}
	want := nan
	if w.fixedBy != "" {
		want = w.recovery
	}
	eqPtr(t, w.name+" recovery", got.RecoverySeconds, want)
	eqStat(t, w.name+" lead", got.LeadTime, w.lead)
	if w.time != "" && got.Time.Format("2006-01-02T15:04:05Z07:00") != w.time {
		t.Errorf("deployment %s time %s, want %s", w.name, got.Time, w.time)
	}
}

// eqStat compares median, p90, mean, n; a nil want means an empty sample.
func eqStat(t *testing.T, what string, s Stat, w []float64) {
	t.Helper()
	if w == nil {
		w = []float64{nan, nan, nan, 0}
	}
	eqPtr(t, what+" median", s.Median, w[0])
	eqPtr(t, what+" p90", s.P90, w[1])
	eqPtr(t, what+" mean", s.Mean, w[2])
	if s.N != int(w[3]) {
		t.Errorf("%s n = %d, want %v", what, s.N, w[3])
	}
}

func statMedian(w []float64) float64 {
	if w == nil {
		return nan
	}
	return w[0]
}

// eqPtr compares a nullable number; NaN wants null.
func eqPtr(t *testing.T, what string, got *float64, want float64) {
	t.Helper()
	switch {
	case math.IsNaN(want) && got != nil:
		t.Errorf("%s = %v, want null", what, *got)
	case !math.IsNaN(want) && got == nil:
		t.Errorf("%s = null, want %v", what, want)
	case got != nil && math.Abs(*got-want) > 1e-9*math.Max(1, math.Abs(want)):
		t.Errorf("%s = %v, want %v", what, *got, want)
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func ignoredNames(rep *Report) []string {
	out := []string{}
	for _, i := range rep.IgnoredTags {
		out = append(out, i.Name+": "+i.Reason)
	}
	return out
}
