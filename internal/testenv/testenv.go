// Package testenv tells tests where the real components they need are, and
// turns a skip into a failure when CI promised to provide every component.
package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// NoSkipVar is set by .ci/run: there, every component is installed, so a
// test that would skip has found a broken CI set-up and must fail instead.
const NoSkipVar = "NIXOPS_NO_SKIP"

// SharedVar names the directory holding the read-only shared material
// (schemas, fixtures). .ci/run sets it; a plain clone has none.
const SharedVar = "NIXOPS_SHARED"

// NoFixturesVar is set by .ci/run where the shared directory is rebuilt
// from the schemas' official sources (GitHub's runners): the benchmark
// fixtures under fixtures/ are published nowhere else, so the tests and
// benchmarks that need them skip there, saying why, even under
// NIXOPS_NO_SKIP. Nothing else is excused by it.
const NoFixturesVar = "NIXOPS_NO_FIXTURES"

// fixturesDir is the part of the shared directory NoFixturesVar excuses.
const fixturesDir = "fixtures/"

// Skip skips t, or fails it when NIXOPS_NO_SKIP is set.
func Skip(t testing.TB, why string) {
	t.Helper()
	if os.Getenv(NoSkipVar) != "" {
		t.Fatalf("%s is set, so this component must be present: %s", NoSkipVar, why)
	}
	t.Skip(why)
}

// Shared returns the absolute path of a file or directory under the shared
// directory, skipping the test when it is absent. A fixture (fixtures/...)
// is skipped outright when NIXOPS_NO_FIXTURES is set.
func Shared(t testing.TB, rel string) string {
	t.Helper()
	if os.Getenv(NoFixturesVar) != "" && strings.HasPrefix(filepath.ToSlash(rel), fixturesDir) {
		t.Skip(NoFixturesVar + " is set: the shared benchmark fixtures do not exist on this machine, so " + rel + " cannot be used")
	}
	dir := os.Getenv(SharedVar)
	if dir == "" {
		Skip(t, SharedVar+" is not set (it points at ../shared in CI)")
	}
	p := filepath.Join(dir, rel)
	if _, err := os.Stat(p); err != nil {
		Skip(t, "shared material missing: "+err.Error())
	}
	return p
}

// LookPath returns the path of a program, skipping the test when absent.
func LookPath(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		Skip(t, name+" is not installed: "+err.Error())
	}
	return p
}

// Run runs a real component and returns what it printed on standard
// output. When it fails, t fails with the command line and the component's
// standard error, which is where Nix explains what went wrong.
func Run(t testing.TB, prog string, args ...string) string {
	t.Helper()
	out, err := exec.Command(prog, args...).Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("%s %s: %v\n%s", prog, strings.Join(args, " "), err, stderr)
	}
	return string(out)
}

// RepoRoot is the directory holding go.mod above the test's working
// directory: the root of this repository.
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test directory")
		}
		dir = parent
	}
}
