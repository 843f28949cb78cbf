// Package citest_test tests the scripts of .ci/ that decide whether CI
// passes, with fake toolchains where the real one cannot be made to fail on
// demand.
package citest_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/voidnxsec/nixops-actions/internal/testenv"
)

func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Dir(filepath.Dir(dir)) // this package is <root>/internal/citest
}

// fakeGo is a `go` that answers `go env GOVERSION` with version and
// `go test ...` with output and exit code, recording its arguments.
const fakeGo = `#!/usr/bin/env bash
if [[ $1 == env ]]; then echo "$FAKE_GOVERSION"; exit 0; fi
printf '%s\n' "$@" >"$FAKE_ARGS"
cat "$FAKE_OUTPUT"
exit "$FAKE_EXIT"
`

// go1.26.8's output when the coordinator reports its own deadline
// (golang/go#75804), as seen in this project's CI.
const deadlineOutput = `fuzz: elapsed: 0s, gathering baseline coverage: 31/31 completed, now fuzzing with 2 workers
fuzz: elapsed: 9s, execs: 405178 (43438/sec), new interesting: 1 (total: 32)
fuzz: elapsed: 10s, execs: 471025 (56622/sec), new interesting: 1 (total: 32)
--- FAIL: FuzzParse (10.25s)
    context deadline exceeded
FAIL
exit status 1
FAIL	example.com/m/drvname	10.254s
`

const crashOutput = `fuzz: elapsed: 1s, execs: 1201 (1201/sec), new interesting: 3 (total: 12)
--- FAIL: FuzzParse (1.02s)
    --- FAIL: FuzzParse (0.00s)
        drvname_test.go:92: Parse("-1") = "", want a name

    Failing input written to testdata/fuzz/FuzzParse/582528ddfad69eb5
    To re-run:
    go test -run=FuzzParse/582528ddfad69eb5
FAIL
exit status 1
FAIL	example.com/m/drvname	1.031s
`

// The target's own error that happens to be a deadline: not the bug.
const targetDeadlineOutput = `--- FAIL: FuzzParse (10.01s)
    --- FAIL: FuzzParse (0.00s)
        drvname_test.go:92: context deadline exceeded

    Failing input written to testdata/fuzz/FuzzParse/0f1e
FAIL
exit status 1
FAIL	example.com/m/drvname	10.011s
`

const twoFailures = `--- FAIL: FuzzParse (10.25s)
    context deadline exceeded
--- FAIL: TestOther (0.00s)
FAIL
exit status 1
FAIL	example.com/m/drvname	10.254s
`

const buildFailure = `# example.com/m/drvname
./drvname.go:3:1: syntax error: non-declaration statement outside function body
FAIL	example.com/m/drvname [build failed]
`

func TestFuzzTarget(t *testing.T) {
	testenv.LookPath(t, "bash")
	bin := t.TempDir()
	if err := os.WriteFile(filepath.Join(bin, "go"), []byte(fakeGo), 0o755); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, version, output string
		exit, want            int
		warns                 bool
	}{
		{"passing run", "go1.26.8", "ok  \texample.com/m/drvname\t10.1s\n", 0, 0, false},
		{"coordinator deadline on go1.26", "go1.26.8", deadlineOutput, 1, 0, true},
		{"coordinator deadline on go1.27 fails", "go1.27.0", deadlineOutput, 1, 1, false},
		{"coordinator deadline on go2 fails", "go2.0", deadlineOutput, 1, 1, false},
		{"a crashing input fails", "go1.26.8", crashOutput, 1, 1, false},
		{"the target's own deadline error fails", "go1.26.8", targetDeadlineOutput, 1, 1, false},
		{"a second failure fails", "go1.26.8", twoFailures, 1, 1, false},
		{"a build failure keeps its code", "go1.26.8", buildFailure, 2, 2, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			outFile, argsFile := filepath.Join(dir, "output"), filepath.Join(dir, "args")
			if err := os.WriteFile(outFile, []byte(tc.output), 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command("bash", filepath.Join(repoRoot(t), ".ci", "fuzz-target"), "example.com/m/drvname", "FuzzParse")
			cmd.Env = append(os.Environ(),
				"PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"),
				"FAKE_GOVERSION="+tc.version, "FAKE_OUTPUT="+outFile, "FAKE_ARGS="+argsFile,
				"FAKE_EXIT="+string(rune('0'+tc.exit)))
			out, err := cmd.CombinedOutput()
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tc.want {
				t.Errorf("exit code %d, want %d\n%s", code, tc.want, out)
			}
			if warned := strings.Contains(string(out), "::warning::FuzzParse") && strings.Contains(string(out), "golang/go#75804"); warned != tc.warns {
				t.Errorf("warning printed: %v, want %v\n%s", warned, tc.warns, out)
			}
			if !strings.Contains(string(out), tc.output) {
				t.Errorf("go test's output was not passed through:\n%s", out)
			}
			args, err := os.ReadFile(argsFile)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := string(args), "test\n-run\n^$\n-fuzz\n^FuzzParse$\n-fuzztime\n10s\nexample.com/m/drvname\n"; got != want {
				t.Errorf("go was run with %q, want %q", got, want)
			}
		})
	}
}
