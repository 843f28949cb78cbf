package dora

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/voidnxsec/nixops-actions/pkg/history"
)

// A shallow clone of 5 of 10 commits fails with the fix, unless
// allow-shallow, where the report says so and counts the 5 commits seen.
func TestShallow(t *testing.T) {
	src := newGitRepo(t)
	for k := 0; k < 10; k++ {
		src.commit("change", float64(k))
	}
	src.annotated("v1", "HEAD", 10)
	clone := &gitRepo{t: t, git: src.git, dir: t.TempDir()}
	clone.run(nil, "clone", "-q", "--depth", "5", "file://"+src.dir, clone.dir)

	_, err := Compute(context.Background(), clone.dir, DefaultConfig())
	want := "the repository is a shallow clone (5 commits)"
	if !errors.Is(err, ErrShallow) || err.Error() != want {
		t.Fatalf("error %v, want ErrShallow: %q", err, want)
	}

	cfg := DefaultConfig()
	cfg.AllowShallow = true
	rep, err := Compute(context.Background(), clone.dir, cfg)
	if err != nil {
		t.Fatal(err)
	}
	// v1 @10h holds the 5 commits seen (5h..9h): leads 5h,4h,3h,2h,1h.
	if !rep.Shallow || rep.CommitsSeen != 5 || len(rep.Deployments) != 1 || rep.Deployments[0].Commits != 5 {
		t.Fatalf("shallow=%v commits_seen=%d deployments=%+v, want true, 5, one with 5 commits",
			rep.Shallow, rep.CommitsSeen, rep.Deployments)
	}
	eqStat(t, "lead", rep.Metrics.ChangeLeadTime.Stat, []float64{3 * h, 5 * h, 3 * h, 5})
}

func TestBadInputs(t *testing.T) {
	r := newGitRepo(t)
	r.commit("one", 0)
	r.lightweight("release-1", "HEAD")
	r.lightweight("release-2", "HEAD")
	for _, tc := range []struct {
		name  string
		dir   string
		cfg   func(c *Config)
		field string   // the ConfigError's
		want  []string // substrings of the error
	}{
		{"window", r.dir, func(c *Config) { c.Window = "ninety days" }, "Window", []string{`"ninety days"`, "90d"}},
		{"negative window", r.dir, func(c *Config) { c.Window = "-3d" }, "Window", []string{"positive"}},
		{"zero window", r.dir, func(c *Config) { c.Window = "0d" }, "Window", []string{`"0d"`, "positive"}},
		{"deployments", r.dir, func(c *Config) { c.Deployments = "releases" }, "Deployments", []string{`"releases"`, "accepted: tags, branch"}},
		{"commit-time", r.dir, func(c *Config) { c.CommitTime = "push" }, "CommitTime", []string{"accepted: author, committer"}},
		{"until", r.dir, func(c *Config) { c.Until = "yesterday" }, "Until", []string{"RFC 3339"}},
		{"bad glob", r.dir, func(c *Config) { c.TagPattern = "v[" }, "TagPattern", []string{"path.Match"}},
		{"pattern matching nothing", r.dir, nil, "TagPattern", []string{`"v*" matches none of the 2 tags`, "release-1, release-2", "accepted:"}},
		{"not a repository", t.TempDir(), nil, "Repo", []string{"is not a git repository", "accepted:"}},
		{"unknown branch", r.dir, func(c *Config) { c.Branch = "prod" }, "Branch", []string{`"prod"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig()
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			_, err := Compute(context.Background(), tc.dir, cfg)
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.Field != tc.field {
				t.Fatalf("error %v, want a ConfigError of field %s", err, tc.field)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

// Validate fails on input errors without any repository, all at once.
func TestValidate(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	cfg := DefaultConfig()
	cfg.Window, cfg.Deployments = "x", "y"
	err := cfg.Validate()
	var fields []string
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			var ce *ConfigError
			if errors.As(e, &ce) {
				fields = append(fields, ce.Field)
			}
		}
	}
	if fmt.Sprint(fields) != "[Deployments Window]" {
		t.Fatalf("error %v: fields %v, want Deployments and Window named", err, fields)
	}
	cfg = DefaultConfig()
	cfg.Repo = "/nonexistent"
	if err := cfg.Validate(); err != nil {
		t.Fatalf("Validate must not read the repository: %v", err)
	}
	if _, err := history.Open(t.TempDir()); !errors.Is(err, history.ErrNotRepository) {
		t.Fatalf("history.Open of an empty directory: %v, want ErrNotRepository", err)
	}
}

// The weekly series covers the window in ISO weeks. The window of the
// first case, (2023-10-03T05:00Z, 2024-01-01T05:00Z], starts in the week
// of Monday 2023-10-02 and ends in the week of Monday 2024-01-01: 14 weeks,
// the last one holding both deployments with the median lead of all four
// commits, 1h; the others are empty with a null median.
func TestWeekly(t *testing.T) {
	r := newGitRepo(t)
	computeCases[0].build(r)
	rep, err := Compute(context.Background(), r.dir, DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Weekly) != 14 {
		t.Fatalf("%d weeks, want 14", len(rep.Weekly))
	}
	first, last := rep.Weekly[0], rep.Weekly[13]
	if !first.Start.Equal(time.Date(2023, 10, 2, 0, 0, 0, 0, time.UTC)) || first.Deployments != 0 || first.MedianLeadSeconds != nil {
		t.Errorf("first week %+v", first)
	}
	if !last.Start.Equal(t0) || last.Deployments != 2 || last.MedianLeadSeconds == nil || *last.MedianLeadSeconds != h {
		t.Errorf("last week %+v, want 2024-01-01, 2 deployments, median 3600", last)
	}
	for _, w := range rep.Weekly[1:13] {
		if w.Deployments != 0 || w.MedianLeadSeconds != nil || w.Start.Weekday() != time.Monday {
			t.Errorf("week %+v, want an empty Monday week", w)
		}
	}
	if rep.Window.Days != 90 || rep.BandsSource != "DORA State of DevOps 2024" || rep.SchemaVersion != 1 {
		t.Errorf("window days %v, bands %q, schema %d", rep.Window.Days, rep.BandsSource, rep.SchemaVersion)
	}
}
