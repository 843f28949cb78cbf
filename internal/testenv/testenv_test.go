package testenv

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// recorder is a testing.TB that records the first Skip or Fatal and stops
// the function under test there, as the real ones do.
type recorder struct {
	testing.TB
	skipped, failed string
}

type stopped struct{}

func (r *recorder) Helper() {}

func (r *recorder) Skip(args ...any) {
	r.skipped = fmt.Sprint(args...)
	panic(stopped{})
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = fmt.Sprintf(format, args...)
	panic(stopped{})
}

func shared(rel string) (r *recorder, path string) {
	r = &recorder{}
	defer func() {
		if v := recover(); v != nil && v != (stopped{}) {
			panic(v)
		}
	}()
	return r, Shared(r, rel)
}

func TestSharedFixtures(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"fixtures/nix/export.zst", "schemas/a.json"} {
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(f)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		name               string
		noSkip, noFixtures bool
		rel                string
		want               string // "path", "skip" or "fail"
	}{
		{"present", true, false, "schemas/a.json", "path"},
		{"fixture present", true, false, "fixtures/nix/export.zst", "path"},
		{"missing fails in CI", true, false, "schemas/b.json", "fail"},
		{"missing skips on a laptop", false, false, "schemas/b.json", "skip"},
		{"fixture excused by the flag", true, true, "fixtures/nix/export.zst", "skip"},
		{"missing fixture excused by the flag", true, true, "fixtures/nix/other.zst", "skip"},
		{"the flag excuses no schema", true, true, "schemas/b.json", "fail"},
		{"the flag keeps present schemas", true, true, "schemas/a.json", "path"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(SharedVar, dir)
			t.Setenv(NoSkipVar, map[bool]string{true: "1"}[tc.noSkip])
			t.Setenv(NoFixturesVar, map[bool]string{true: "1"}[tc.noFixtures])
			r, path := shared(tc.rel)
			got := "path"
			switch {
			case r.failed != "":
				got = "fail"
			case r.skipped != "":
				got = "skip"
			}
			if got != tc.want {
				t.Fatalf("Shared(%q) ended with %s (skip %q, fail %q), want %s", tc.rel, got, r.skipped, r.failed, tc.want)
			}
			if got == "path" && path != filepath.Join(dir, tc.rel) {
				t.Errorf("Shared(%q) = %q", tc.rel, path)
			}
			if tc.noFixtures && got == "skip" && !strings.Contains(r.skipped, NoFixturesVar) {
				t.Errorf("the skip does not name %s: %q", NoFixturesVar, r.skipped)
			}
		})
	}
}
