package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/voidnxsec/nixops-actions/internal/githubtest"
	"github.com/voidnxsec/nixops-actions/pkg/action"
	"github.com/voidnxsec/nixops-actions/pkg/githubapi"
)

const snapshotOp = "dependency-graph/create-repository-snapshot"

// builtWebapp builds the example flake's webapp, whose sources hold an npm
// lock file and a Python package, and returns the store URI and the
// installable.
func builtWebapp(t *testing.T) (string, string) {
	t.Helper()
	uri, installable, _ := builtFlake(t)
	webapp := strings.TrimSuffix(installable, "#default") + "#webapp"
	cmd := exec.Command("nix", "--extra-experimental-features", "nix-command flakes", "build", "--store", uri, "--no-link", webapp)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("nix build: %v\n%s", err, out)
	}
	return uri, webapp
}

// snapshotRunner is the step in a job of workflow CI, job sbom, on a push
// to main, with GITHUB_API_URL pointing at the fake API.
func snapshotRunner(t *testing.T, srv *githubtest.Server, inputs map[string]string) *runner {
	in := map[string]string{"output-dir": t.TempDir(), "format": "cyclonedx-json", "dependency-snapshot": "true", "github-token": srv.Token}
	for k, v := range inputs {
		in[k] = v
	}
	r := newRunner(t, in)
	for k, v := range map[string]string{
		"GITHUB_API_URL": srv.URL, "GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": srv.Owner + "/" + srv.Name,
		"GITHUB_SHA": "0123456789abcdef0123456789abcdef01234567", "GITHUB_REF": "refs/heads/main", "GITHUB_EVENT_NAME": "push",
		"GITHUB_RUN_ID": "7001", "GITHUB_WORKFLOW": "CI", "GITHUB_JOB": "sbom",
	} {
		r.Env[k] = v
	}
	return r
}

type submitted struct {
	Job     struct{ Correlator, ID string }
	SHA     string
	Ref     string
	Scanned time.Time
	// Manifests by name.
	Manifests map[string]struct {
		Name     string
		Resolved map[string]githubapi.Dependency
	}
}

// TestDependencySnapshot runs the step on the example flake's webapp in
// two jobs of a matrix: both snapshots pass GitHub's description (the fake
// API checks every body), hold the store paths and the npm and Python
// packages found inside them, with distinct correlators; the token is in
// no output.
func TestDependencySnapshot(t *testing.T) {
	uri, webapp := builtWebapp(t)
	srv := githubtest.New(t)
	var bodies []submitted
	var logs []string
	for _, matrix := range []string{`{"nix": "2.26", "os": "ubuntu-latest"}`, `{"os":"ubuntu-latest","nix":"2.34"}`} {
		r := snapshotRunner(t, srv, map[string]string{"target": webapp, "nix-store": uri, "matrix": matrix})
		if code := r.run(); code != 0 {
			t.Fatalf("exit %d\n%s", code, r.Log())
		}
		summary := r.File(t, "GITHUB_STEP_SUMMARY")
		if !strings.Contains(summary, "### Dependency snapshot") || !strings.Contains(summary, "`pkg:npm`") {
			t.Errorf("the summary does not report the snapshot:\n%s", summary)
		}
		logs = append(logs, r.Log(), summary, readAll(t, r.Env["INPUT_OUTPUT-DIR"]), r.File(t, "GITHUB_OUTPUT"))
	}
	calls := srv.Calls(snapshotOp)
	if len(calls) != 2 {
		t.Fatalf("%d snapshot requests, want 2", len(calls))
	}
	for _, c := range calls {
		if c.Status != 201 {
			t.Errorf("the fake API answered %d", c.Status)
		}
		var s submitted
		if err := json.Unmarshal(c.Body, &s); err != nil {
			t.Fatal(err)
		}
		bodies = append(bodies, s)
	}
	if a, b := bodies[0].Job.Correlator, bodies[1].Job.Correlator; a == b || a != "CI sbom nix=2.26 os=ubuntu-latest" {
		t.Errorf("correlators %q and %q: want distinct, the first CI sbom nix=2.26 os=ubuntu-latest", a, b)
	}
	s := bodies[0]
	if s.SHA != "0123456789abcdef0123456789abcdef01234567" || s.Ref != "refs/heads/main" || s.Job.ID != "7001" || !s.Scanned.Equal(time.Unix(1700000000, 0)) {
		t.Errorf("run fields %+v", s)
	}
	checkResolved(t, s.Manifests[webapp].Resolved)
	checkMasked(t, srv.Token, logs)
}

// checkMasked: the token is masked before anything else prints, and no
// other line of the log, summary, outputs or documents holds it.
func checkMasked(t *testing.T, token string, texts []string) {
	t.Helper()
	for i, text := range texts {
		for j, l := range strings.Split(text, "\n") {
			if l == "::add-mask::"+token && i%4 == 0 && j == 0 {
				continue
			}
			if strings.Contains(l, token) {
				t.Errorf("the token appears in the step's output: %q", l)
			}
		}
		if i%4 == 0 && !strings.HasPrefix(text, "::add-mask::"+token+"\n") {
			t.Errorf("the log does not start by masking the token:\n%s", text)
		}
	}
}

// checkResolved: the embedded packages, keyed by their purls, sit below
// the webapp's sources (a direct dependency of the app), so they are
// indirect; greeting, referenced by the app, is direct; libgreet's lib
// output, referenced by greeting, indirect.
func checkResolved(t *testing.T, resolved map[string]githubapi.Dependency) {
	t.Helper()
	want := map[string]string{"pkg:npm/ms@2.1.3": "indirect", "pkg:npm/once@1.4.0": "indirect", "pkg:pypi/requests@2.31.0": "indirect"}
	byName := map[string]githubapi.Dependency{}
	for purl, d := range resolved {
		if purl != d.PackageURL {
			t.Errorf("key %q holds %q", purl, d.PackageURL)
		}
		if d.Scope != "runtime" {
			t.Errorf("%s has scope %q in a runtime closure", purl, d.Scope)
		}
		name, _, _ := strings.Cut(strings.TrimPrefix(purl, "pkg:nix/"), "@")
		byName[name] = d
	}
	for purl, rel := range want {
		if d, ok := resolved[purl]; !ok || d.Relationship != rel {
			t.Errorf("%s: %+v (present: %v), want %s", purl, d, ok, rel)
		}
	}
	for name, rel := range map[string]string{"webapp": "direct", "greeting": "direct", "libgreet": "indirect"} {
		if d, ok := byName[name]; !ok || d.Relationship != rel {
			t.Errorf("store path %s: %+v (present: %v), want %s; resolved: %v", name, d, ok, rel, keys(resolved))
		}
	}
}

func keys(m map[string]githubapi.Dependency) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// readAll concatenates the files of dir.
func readAll(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		b.Write(data)
	}
	return b.String()
}

// TestDependencySnapshotRefused: on a pull request from a fork the
// read-only token is a warning naming contents: write, the step succeeds
// and the summary says why nothing was submitted; the same refusal outside
// a fork fails the step, naming the permission.
func TestDependencySnapshotRefused(t *testing.T) {
	uri, installable, _ := builtFlake(t)
	event, err := filepath.Abs("../../pkg/action/testdata/events/pull_request-fork.json")
	if err != nil {
		t.Fatal(err)
	}
	t.Run("fork", func(t *testing.T) {
		srv := githubtest.New(t)
		srv.ReadOnly = true
		r := snapshotRunner(t, srv, map[string]string{"target": installable, "nix-store": uri, "embedded": "false"})
		r.Env["GITHUB_EVENT_NAME"], r.Env["GITHUB_EVENT_PATH"], r.Env["GITHUB_REF"] = "pull_request", event, "refs/pull/2/merge"
		if code := r.run(); code != 0 {
			t.Fatalf("exit %d, want 0\n%s", code, r.Log())
		}
		if !strings.Contains(r.Stdout.String(), "::warning::") || !strings.Contains(r.Stdout.String(), "contents: write") {
			t.Errorf("no warning naming contents: write:\n%s", r.Log())
		}
		if s := r.File(t, "GITHUB_STEP_SUMMARY"); !strings.Contains(s, "Not submitted") || !strings.Contains(s, "fork") {
			t.Errorf("summary:\n%s", s)
		}
		if n := len(srv.Calls(snapshotOp)); n != 1 {
			t.Errorf("%d requests, want the one refused", n)
		}
	})
	// GitHub's own words of a 422 reach the log; the documents are
	// written all the same.
	t.Run("invalid", func(t *testing.T) {
		srv := githubtest.New(t)
		srv.Fail(snapshotOp, githubtest.Response{Status: 422, Body: githubtest.ValidationBody("Invalid request.",
			map[string]any{"resource": "Snapshot", "code": "custom", "message": "manifests exceed the size limit"})})
		r := snapshotRunner(t, srv, map[string]string{"target": installable, "nix-store": uri, "embedded": "false"})
		if code := r.run(); code != 1 {
			t.Fatalf("exit %d, want 1\n%s", code, r.Log())
		}
		if out := r.Stdout.String(); !strings.Contains(out, "manifests exceed the size limit") {
			t.Errorf("GitHub's message is not shown:\n%s", out)
		}
		if _, err := os.Stat(filepath.Join(r.Env["INPUT_OUTPUT-DIR"], "sbom.cdx.json")); err != nil {
			t.Errorf("the SBOM was not kept: %v", err)
		}
	})
	t.Run("not a fork", func(t *testing.T) {
		srv := githubtest.New(t)
		srv.ReadOnly = true
		r := snapshotRunner(t, srv, map[string]string{"target": installable, "nix-store": uri, "embedded": "false"})
		if code := r.run(); code != 1 {
			t.Fatalf("exit %d, want 1\n%s", code, r.Log())
		}
		if out := r.Stdout.String(); !strings.Contains(out, "::error::") || !strings.Contains(out, "contents: write") {
			t.Errorf("no error naming contents: write:\n%s", out)
		}
	})
}

// TestDependencySnapshotBadInput: each problem is found before any Nix
// work (the target does not exist) and named.
func TestDependencySnapshotBadInput(t *testing.T) {
	srv := githubtest.New(t)
	tests := []struct {
		name   string
		inputs map[string]string
		env    map[string]string
		want   string
	}{
		{"no token", map[string]string{"github-token": action.GitHubTokenDefault}, nil, `input "github-token": is empty`},
		{"matrix", map[string]string{"matrix": "[1]"}, nil, `input "matrix": matrix "[1]" is not the JSON object`},
		{"flag", map[string]string{"dependency-snapshot": "yes"}, nil, `input "dependency-snapshot": "yes"`},
		{"outside a runner", nil, map[string]string{"GITHUB_SHA": ""}, "GITHUB_SHA"},
		{"short sha", nil, map[string]string{"GITHUB_SHA": "abc123"}, `SHA "abc123" is not a commit id`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := map[string]string{"target": "./no-such#x"}
			for k, v := range tt.inputs {
				in[k] = v
			}
			r := snapshotRunner(t, srv, in)
			for k, v := range tt.env {
				r.Env[k] = v
			}
			if code := r.run(); code != 1 || !strings.Contains(r.Stdout.String(), tt.want) {
				t.Errorf("exit %d, want 1 and %q:\n%s", code, tt.want, r.Log())
			}
		})
	}
	if n := len(srv.Calls("")); n != 0 {
		t.Errorf("%d requests", n)
	}
}

// TestGitHubTimeout: GitHub answering 502 again and again, the retries
// stop at github-timeout, one deadline for the run, and the error names
// the input; the SBOM files are written all the same.
func TestGitHubTimeout(t *testing.T) {
	uri, webapp := builtWebapp(t)
	srv := githubtest.New(t)
	down := make([]githubtest.Response, 50)
	for i := range down {
		down[i] = githubtest.Response{Status: 502, Body: githubtest.ErrorBody(502, "Server Error")}
	}
	srv.Fail(snapshotOp, down...)
	r := snapshotRunner(t, srv, map[string]string{"target": webapp, "nix-store": uri, "github-timeout": "2s"})
	if code := r.run(); code == 0 || !strings.Contains(r.Log(), "did not answer within github-timeout (2s)") {
		t.Fatalf("exit %d, want the deadline named:\n%s", code, r.Log())
	}
	// Backoff doubles from one second: within 2 s, at most three tries.
	if n := len(srv.Calls(snapshotOp)); n == 0 || n > 3 {
		t.Errorf("%d snapshot requests within the deadline, want 1 to 3", n)
	}
	if r.Outputs(t)["cyclonedx-json"] == "" {
		t.Errorf("the SBOM outputs are missing:\n%s", r.Log())
	}
}
