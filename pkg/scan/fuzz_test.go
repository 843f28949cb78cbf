package scan

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParseLicense: any text either parses or is an ExpressionError, and
// what parses can be evaluated without panicking.
func FuzzParseLicense(f *testing.F) {
	for _, s := range []string{"MIT", "MIT OR GPL-3.0-only", "(MIT AND Apache-2.0) OR BSD-3-Clause",
		"GPL-2.0-only WITH Classpath-exception-2.0", "((MIT)", "AND", "MIT WITH", "a OR (b AND c WITH d)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := parseLicense(s)
		if err != nil {
			if _, ok := err.(*ExpressionError); !ok {
				t.Fatalf("%q: %T %v, want an ExpressionError", s, err, err)
			}
			return
		}
		ok, blockers := e.satisfied(func(string) bool { return false })
		if ok || len(blockers) == 0 {
			t.Fatalf("%q: nothing permitted, yet satisfied (%v, %v)", s, ok, blockers)
		}
	})
}

// FuzzReadPolicy: any file is a policy or a PolicyError, never a panic.
func FuzzReadPolicy(f *testing.F) {
	for _, s := range []string{"fail-on: high\n", "licenses:\n  deny: [MIT]\n  unknown: warn\n",
		"exceptions:\n  - id: x\n    reason: r\n    expires: 2026-01-01\n", "- a\n", ": :\n", "licenses: 3\n"} {
		f.Add(s)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, s string) {
		p := filepath.Join(dir, "policy.yaml")
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadPolicy(p); err != nil {
			if _, ok := err.(*PolicyError); !ok {
				t.Fatalf("%q: %T %v, want a PolicyError", s, err, err)
			}
		}
	})
}
