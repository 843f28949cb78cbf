// Package e2e_test runs the composite actions end to end under act, the way
// a workflow uses them: checkout, `uses: ./sbom`, then a step reading the
// action's outputs. The action builds its binary from this source tree
// (bootstrap.sh's non-release path) and describes a real Nix closure built
// by the test in its own store.
package e2e_test

import (
	"bufio"
	"bytes"
	"context"
	"debug/buildinfo"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/voidnxsec/nixops-actions/internal/testenv"
)

// actArgs is how act runs here. Why each flag:
//   - -P ubuntu-latest=-self-hosted: host mode, no Docker (none on CI). act
//     still warns that it found no Docker socket; that is harmless, and
//     --container-architecture is not needed since no image is pulled.
//   - --action-offline-mode: never fetch an action; with actions/checkout as
//     the first step act copies the working tree instead of cloning, which
//     is the only way `uses: ./sbom` resolves to this checkout.
//   - --no-cache-server: act's artifact cache server would open a port and
//     is not used.
//   - --json: one JSON object per log line, with stepID, stepResult,
//     jobResult and the ::set-output::/::error:: commands act parsed.
//
// Host mode copies the tree into <action-cache-path>/<random>/hostexecutor
// and deletes it after the job, so output-dir must be an absolute path
// outside it. act needs HOME (it reads ~/.actrc and defaults its cache
// there); the test gives it a private one, and pins the Go caches so the
// source build is not redone from an empty cache.
var actArgs = []string{
	"-P", "ubuntu-latest=-self-hosted",
	"--action-offline-mode",
	"--no-cache-server",
	"--json",
}

// logLine is the part of act's --json log the test reads.
type logLine struct {
	Msg        string   `json:"msg"`
	Level      string   `json:"level"`
	StepID     []string `json:"stepID"`
	StepResult string   `json:"stepResult"`
	JobResult  string   `json:"jobResult"`
	Command    string   `json:"command"`
	Name       string   `json:"name"`
	Arg        string   `json:"arg"`
	RawOutput  bool     `json:"raw_output"`
	JobID      string   `json:"jobID"`
}

type actRun struct {
	lines       []logLine
	text        string // every msg, for error reports and substring checks
	stepLogFile string // the step-log input, when given
}

// jobResult is the final result act reported for the job.
func (r actRun) jobResult() string {
	result := ""
	for _, l := range r.lines {
		if l.JobResult != "" {
			result = l.JobResult
		}
	}
	return result
}

// jobResultOf is the result of the job with id job (in a called workflow,
// <caller job>/<job>): failure when any of its matrix runs failed, else
// the last one reported; empty when it never ran.
func (r actRun) jobResultOf(job string) string {
	result := ""
	for _, l := range r.lines {
		if l.JobResult == "" || (l.JobID != job && !strings.HasSuffix(l.JobID, "/"+job)) {
			continue
		}
		if result != "failure" {
			result = l.JobResult
		}
	}
	return result
}

// outputs returns what act set as outputs of the workflow step with id
// step (the composite action's outputs, not its inner steps').
func (r actRun) outputs(step string) map[string]string {
	out := map[string]string{}
	for _, l := range r.lines {
		if l.Command == "set-output" && slices.Equal(l.StepID, []string{step}) {
			out[l.Name] = l.Arg
		}
	}
	return out
}

// stepLogPath is a fresh file for the workflow's step-log input: every
// bash step appends its output there (e2e/testdata/step-log.bash).
func stepLogPath(t *testing.T) string {
	return filepath.Join(t.TempDir(), "steps.log")
}

// stepLog is everything the job's bash steps printed, read from the file
// the workflow's step-log input named. act's own log may lack a failing
// step's last lines (its host mode closes the step's terminal as soon as
// the step fails, before reading all of it); this file cannot, since each
// step ends only once tee has written its output.
func (r actRun) stepLog(t *testing.T) string {
	t.Helper()
	if r.stepLogFile == "" {
		t.Fatal("this run was given no step-log input")
	}
	return read(t, r.stepLogFile)
}

// actErrors returns the ::error:: commands of act's own log, which may
// lack the failing step's (see stepLog): only ever logged, not asserted.
func (r actRun) actErrors() []string {
	var errs []string
	for _, l := range r.lines {
		if l.Command == "error" || strings.Contains(l.Msg, "::error") {
			errs = append(errs, l.Msg+" "+l.Arg)
		}
	}
	return errs
}

// noteLostErrors logs when act's own log lost the failing step's ::error::,
// so a verbose run shows how often the step log was needed.
func (r actRun) noteLostErrors(t *testing.T) {
	t.Helper()
	if len(r.actErrors()) == 0 {
		t.Log("act's own log lacks the failing step's ::error:: line; the step log has it")
	}
}

// stepErrors returns the ::error:: lines of the step log.
func (r actRun) stepErrors(t *testing.T) []string {
	t.Helper()
	var errs []string
	for _, l := range strings.Split(r.stepLog(t), "\n") {
		if strings.Contains(l, "::error") {
			errs = append(errs, l)
		}
	}
	return errs
}

// stepResult returns the result of the workflow step with id step.
func (r actRun) stepResult(step string) string {
	for _, l := range r.lines {
		if l.StepResult != "" && slices.Equal(l.StepID, []string{step}) {
			return l.StepResult
		}
	}
	return ""
}

// fixture is what every case shares: a git repository holding this
// project's source and a Nix store holding the e2e flake's closure.
type fixture struct {
	repo      string // temp git repo act runs in
	store     string // the test's Nix store (--store)
	storePath string // /nix/store/...-e2e-app-2.3 inside it
	closure   []string
	refs      map[string][]string // nix-store -q --references of each closure path
	narBytes  int64
	goVersion string // of the toolchain that built gohello, as its build info says
	actHome   string
	actCache  string
	// githubCache holds the entries of the actions/cache stand-in
	// (default: github-cache beside actCache).
	githubCache string
}

// fixtureClosure names the store paths of the flake's runtime closure.
var fixtureClosure = []string{"e2e-app-2.3", "e2e-lib-1.0", "gohello-0.1.0", "python3.12-requests-2.31.0", "webapp-1.0.0-source"}

func TestActSBOM(t *testing.T) {
	act := tool(t, "act")
	testenv.LookPath(t, "nix")
	testenv.LookPath(t, "git")
	testenv.LookPath(t, "go")
	fx := newFixture(t)

	tests := []struct {
		name    string
		inputs  map[string]string
		wantJob string
		check   func(t *testing.T, fx fixture, r actRun, outDir string)
	}{
		{
			name:    "store-path-all-formats",
			inputs:  map[string]string{"target": "{store-path}", "embedded": "false"},
			wantJob: "success",
			check:   checkAllFormats,
		},
		{
			name:    "store-path-embedded-default",
			inputs:  map[string]string{"target": "{store-path}", "format": "cyclonedx-json,spdx-json"},
			wantJob: "success",
			check:   checkClosureComponents,
		},
		{
			name:    "flake-embedded-all-formats",
			inputs:  map[string]string{"target": "path:{repo}/e2e/testdata/flake#default", "format": "cyclonedx-json,cyclonedx-xml,spdx-json,spdx-tag-value", "embedded": "true"},
			wantJob: "success",
			check:   checkEmbedded,
		},
		{
			name:    "flake-installable-meta-license",
			inputs:  map[string]string{"target": "path:{repo}/e2e/testdata/flake#default", "format": "cyclonedx-json,spdx-json", "embedded": "false"},
			wantJob: "success",
			check:   checkLicense,
		},
		{
			name:    "bad-closure-input",
			inputs:  map[string]string{"target": "{store-path}", "closure": "sideways"},
			wantJob: "failure",
			check:   checkBadClosure,
		},
	}
	builds := 0
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			outDir := filepath.Join(t.TempDir(), "sbom-out")
			inputs := map[string]string{"output-dir": outDir, "nix-store": fx.store, "step-log": stepLogPath(t)}
			for k, v := range tc.inputs {
				v = strings.ReplaceAll(v, "{store-path}", fx.storePath)
				inputs[k] = strings.ReplaceAll(v, "{repo}", fx.repo)
			}
			r := fx.act(t, act, "e2e/testdata/workflows/sbom.yml", inputs)
			if got := r.jobResult(); got != tc.wantJob {
				t.Fatalf("job result %q, want %q; act log:\n%s", got, tc.wantJob, r.text)
			}
			// bootstrap.sh took the source path: this is no release ref.
			switch {
			case strings.Contains(r.text, "bootstrap: built nixops-sbom from source"):
				builds++
			case strings.Contains(r.text, "bootstrap: cache hit: nixops-sbom for source"):
			default:
				t.Errorf("no bootstrap build or cache hit in the log:\n%s", r.text)
			}
			tc.check(t, fx, r, outDir)
		})
	}
	// Every case shares act's tool cache, so only the first one builds.
	if builds != 1 {
		t.Errorf("bootstrap built nixops-sbom %d times across the cases, want 1 (then cache hits)", builds)
	}
}

// checkAllFormats: the four documents exist, the composite exposes exactly
// its declared outputs, and each document is schema-valid and holds the
// closure and graph nix-store reports, and nothing embedded.
func checkAllFormats(t *testing.T, fx fixture, r actRun, outDir string) {
	outs := r.outputs("sbom")
	want := map[string]string{
		"cyclonedx-json": filepath.Join(outDir, "sbom.cdx.json"),
		"cyclonedx-xml":  filepath.Join(outDir, "sbom.cdx.xml"),
		"spdx-json":      filepath.Join(outDir, "sbom.spdx.json"),
		"spdx-tag-value": filepath.Join(outDir, "sbom.spdx"),
		"metrics-file":   filepath.Join(outDir, "sbom.prom"),
		"components":     strconv.Itoa(len(fx.closure)),
		"closure-bytes":  strconv.FormatInt(fx.narBytes, 10),
		// Declared, and empty without compare-to.
		"packages-added": "", "packages-removed": "", "packages-changed": "", "closure-bytes-delta": "",
	}
	for k, v := range want {
		if outs[k] != v {
			t.Errorf("output %s = %q, want %q", k, outs[k], v)
		}
	}
	// act #2553: inner-step outputs (bootstrap's path) must not leak.
	for k := range outs {
		if _, ok := want[k]; !ok {
			t.Errorf("undeclared output %s=%q leaked from an inner step", k, outs[k])
		}
	}
	if got := r.stepResult("2"); got != "success" {
		t.Errorf("the step reading the outputs ended %q, want success", got)
	}
	if !strings.Contains(r.text, "outputs-checked components="+strconv.Itoa(len(fx.closure))) {
		t.Errorf("the step reading the outputs did not see them:\n%s", r.text)
	}

	// A store path target has no flake to take meta.license from.
	checkDocuments(t, r, fx.want(false, false))
	tv := read(t, filepath.Join(outDir, "sbom.spdx"))
	for _, want := range []string{"SPDXVersion: SPDX-2.3", "PackageName: e2e-app", "PackageName: e2e-lib", "PackageName: gohello"} {
		if !strings.Contains(tv, want) {
			t.Errorf("SPDX tag-value lacks %q", want)
		}
	}
	checkMetric(t, filepath.Join(outDir, "sbom.prom"), "nixops_sbom_closure_size_bytes", fx.narBytes)
}

// checkClosureComponents: the embedded scan is on by default, and a store
// path target gets the same embedded packages as a flake one.
func checkClosureComponents(t *testing.T, fx fixture, r actRun, outDir string) {
	outs := r.outputs("sbom")
	// Declared outputs always exist; an unrequested format's is empty.
	if outs["cyclonedx-xml"] != "" || outs["spdx-tag-value"] != "" {
		t.Errorf("outputs of unrequested formats are set: %v", outs)
	}
	checkDocuments(t, r, fx.want(true, false))
}

// checkEmbedded is the "done when": the documents of a flake
// target, in every format, are schema-valid and hold the store path graph
// nix-store reports, the flake's licenses, and exactly the Go, Python and
// npm packages inside the store paths, each under the one holding it.
func checkEmbedded(t *testing.T, fx fixture, r actRun, outDir string) {
	checkDocuments(t, r, fx.want(true, true))
	// Tag-value has no schema; its packages must still carry their purls.
	tv := read(t, filepath.Join(outDir, "sbom.spdx"))
	for _, purls := range fixtureEmbedded(fx.goVersion) {
		for _, purl := range purls {
			if !strings.Contains(tv, "ExternalRef: PACKAGE-MANAGER purl "+purl+"\n") {
				t.Errorf("SPDX tag-value lacks the purl %s", purl)
			}
		}
	}
	if got := r.stepResult("2"); got != "success" {
		t.Errorf("the step reading the outputs ended %q, want success", got)
	}
}

// checkLicense: a flake target's meta.license reaches the SBOM.
func checkLicense(t *testing.T, fx fixture, r actRun, outDir string) {
	var bom struct {
		Metadata struct {
			Component struct {
				Name     string `json:"name"`
				Licenses []struct {
					License struct {
						ID string `json:"id"`
					} `json:"license"`
				} `json:"licenses"`
			} `json:"component"`
		} `json:"metadata"`
	}
	decode(t, filepath.Join(outDir, "sbom.cdx.json"), &bom)
	c := bom.Metadata.Component
	if c.Name != "e2e-app" || len(c.Licenses) != 1 || c.Licenses[0].License.ID != "Apache-2.0" {
		t.Errorf("root component %+v, want e2e-app licensed Apache-2.0", c)
	}
	checkDocuments(t, r, fx.want(false, true))
}

// checkBadClosure: a bad input fails the job with an ::error:: naming the
// input and what it accepts, before anything is written.
func checkBadClosure(t *testing.T, fx fixture, r actRun, outDir string) {
	r.noteLostErrors(t)
	errs := r.stepErrors(t)
	found := false
	for _, e := range errs {
		if strings.Contains(e, "closure") && strings.Contains(e, "sideways") && strings.Contains(e, "runtime") {
			found = true
		}
	}
	if !found {
		t.Errorf("no ::error:: naming the closure input, the bad value and the accepted ones; errors: %q\nstep log:\n%s", errs, r.stepLog(t))
	}
	if got := r.stepResult("sbom"); got != "failure" {
		t.Errorf("sbom step ended %q, want failure", got)
	}
	if _, err := os.Stat(outDir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a rejected input still created %s", outDir)
	}
}

func decode(t *testing.T, file string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(read(t, file)), v); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
}

func read(t *testing.T, file string) string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// act runs one workflow_dispatch of workflow in the fixture repo; extra
// are more act flags (--env, -s).
func (fx fixture) act(t testing.TB, act, workflow string, inputs map[string]string, extra ...string) actRun {
	t.Helper()
	return fx.actOn(t, act, "workflow_dispatch", workflow, inputs, extra...)
}

// actOn runs workflow on event; extra may hold -e with its payload.
func (fx fixture) actOn(t testing.TB, act, event, workflow string, inputs map[string]string, extra ...string) actRun {
	t.Helper()
	args := append([]string{event, "-W", workflow, "--action-cache-path", fx.actCache}, actArgs...)
	// act fetches every action a composite names, even in a step that will
	// be skipped: setup-nix's actions/cache is always the stand-in.
	args = append(args, fx.standins(t)...)
	args = append(args, extra...)
	keys := make([]string, 0, len(inputs))
	for k := range inputs {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		args = append(args, "--input", k+"="+inputs[k])
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, act, args...)
	cmd.Dir = fx.repo
	cmd.Env = fx.env(t)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := parseLog(t, stdout.Bytes(), stderr.Bytes())
	r.stepLogFile = inputs["step-log"]
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("running act: %v\n%s", err, r.text)
	}
	return r
}

// standinSHAs are the pinned actions act cannot run here (they talk to
// GitHub's services or download a toolchain), by the stand-in under
// e2e/testdata that replaces each.
var standinSHAs = map[string]string{
	"actions/cache@" + actionsCacheSHA:                                   "actions-cache",
	"actions/upload-artifact@bbbca2ddaa5d8feaa63e36b76fdaad77386f024f":   "actions-upload-artifact",
	"actions/download-artifact@3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c": "actions-download-artifact",
	"actions/setup-go@b7ad1dad31e06c5925ef5d2fc7ad053ef454303e":          "actions-setup-go",
}

// standins are act's arguments mapping each pinned action to its stand-in
// in this checkout, with the directories the stand-ins keep entries in
// (beside actCache unless githubCache is set).
func (fx fixture) standins(t testing.TB) []string {
	t.Helper()
	entries := fx.githubCache
	if entries == "" {
		entries = filepath.Join(filepath.Dir(fx.actCache), "github-cache")
	}
	args := []string{"--env", "NIXOPS_STANDIN_CACHE=" + entries,
		"--env", "NIXOPS_STANDIN_ARTIFACTS=" + filepath.Join(filepath.Dir(entries), "github-artifacts")}
	for ref, dir := range standinSHAs {
		args = append(args, "--local-repository", ref+"="+filepath.Join(repoRoot(t), "e2e", "testdata", dir))
	}
	return args
}

func parseLog(t testing.TB, streams ...[]byte) actRun {
	t.Helper()
	var r actRun
	var text strings.Builder
	for _, s := range streams {
		sc := bufio.NewScanner(bytes.NewReader(s))
		sc.Buffer(make([]byte, 1<<20), 1<<24)
		for sc.Scan() {
			var l logLine
			if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
				text.WriteString(sc.Text() + "\n") // act's own non-JSON noise
				continue
			}
			r.lines = append(r.lines, l)
			text.WriteString(strings.TrimRight(l.Msg, "\n") + "\n")
		}
	}
	r.text = text.String()
	return r
}

// env is act's environment: the host's tools, a private HOME, and the
// host's Go caches.
func (fx fixture) env(t testing.TB) []string {
	t.Helper()
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + fx.actHome,
		"GOTOOLCHAIN=local",
		"LANG=C.UTF-8",
	}
	for _, k := range []string{"GOCACHE", "GOMODCACHE", "GOPATH", "GOPROXY", "GOFLAGS", "NIX_CONF_DIR"} {
		if v := goEnv(k); v != "" {
			env = append(env, k+"="+v)
		}
	}
	return env
}

func goEnv(k string) string {
	if v := os.Getenv(k); v != "" || !strings.HasPrefix(k, "GO") {
		return v
	}
	out, err := exec.Command("go", "env", k).Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	base := t.TempDir()
	fx := fixture{
		repo:     filepath.Join(base, "repo"),
		store:    filepath.Join(base, "nix-store"),
		actHome:  filepath.Join(base, "home"),
		actCache: filepath.Join(base, "act-cache"),
	}
	for _, d := range []string{fx.repo, fx.actHome} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	copySources(t, repoRoot(t), fx.repo)
	fx.goVersion = buildGoHello(t, fx.repo)
	git(t, fx.repo, "init", "-q", "-b", "main")
	git(t, fx.repo, "add", "-A")
	git(t, fx.repo, "-c", "user.name=e2e", "-c", "user.email=e2e@localhost", "commit", "-q", "-m", "e2e snapshot")

	fx.storePath = nixBuild(t, fx.store, "path:"+filepath.Join(fx.repo, "e2e", "testdata", "flake")+"#default")
	out := run(t, "", "nix-store", "--store", fx.store, "-qR", fx.storePath)
	fx.closure = strings.Fields(out)
	slices.Sort(fx.closure)
	var names []string
	for _, p := range fx.closure {
		names = append(names, storeName(p))
	}
	if !slices.Equal(set(names), fixtureClosure) {
		t.Fatalf("fixture closure %v, want the store paths named %v", fx.closure, fixtureClosure)
	}
	fx.refs = map[string][]string{}
	for _, p := range fx.closure {
		refs := strings.Fields(run(t, "", "nix-store", "--store", fx.store, "-q", "--references", p))
		// A store path referring to itself says nothing about dependencies.
		fx.refs[p] = slices.DeleteFunc(refs, func(r string) bool { return r == p })
	}
	if len(fx.refs[fx.storePath]) != len(fixtureClosure)-1 {
		t.Fatalf("%s refers to %v, want every other store path of the closure", fx.storePath, fx.refs[fx.storePath])
	}
	for _, p := range fx.closure {
		n, err := strconv.ParseInt(strings.TrimSpace(run(t, "", "nix-store", "--store", fx.store, "-q", "--size", p)), 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		fx.narBytes += n
	}
	return fx
}

// buildGoHello builds pkg/embedded/testdata/gohello, a main module linking
// golang.org/x/text, into the flake's payload, where the gohello derivation
// copies it from, and returns the Go version its build info records. The
// module comes from the module cache (GOPROXY=off), as in pkg/embedded's
// tests, and -trimpath keeps host paths out of the store path.
func buildGoHello(t *testing.T, repo string) string {
	t.Helper()
	bin := filepath.Join(repo, "e2e", "testdata", "flake", "payload", "bin", "gohello")
	cmd := exec.Command(testenv.LookPath(t, "go"), "build", "-trimpath", "-buildvcs=false", "-o", bin, ".")
	cmd.Dir = filepath.Join(repo, "pkg", "embedded", "testdata", "gohello")
	cmd.Env = append(os.Environ(), "GOPROXY=off", "GOFLAGS=-mod=readonly", "GOWORK=off", "CGO_ENABLED=0", "GOTOOLCHAIN=local")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building %s (it needs golang.org/x/text v0.43.0 in the module cache: run go mod download in the repository): %v\n%s", cmd.Dir, err, out)
	}
	info, err := buildinfo.ReadFile(bin)
	if err != nil {
		t.Fatalf("%s has no Go build info: %v", bin, err)
	}
	var deps []string
	for _, m := range info.Deps {
		deps = append(deps, m.Path+"@"+m.Version)
	}
	if info.Main.Path != "example.com/hello" || !slices.Equal(deps, []string{"golang.org/x/text@v0.43.0"}) {
		t.Fatalf("gohello's build info has main module %q and dependencies %v, want example.com/hello and golang.org/x/text@v0.43.0", info.Main.Path, deps)
	}
	return info.GoVersion
}

// nixBuild builds installable into the private store, in the sandbox since
// a diverted store cannot build without one, and returns its output path.
func nixBuild(t *testing.T, store, installable string) string {
	t.Helper()
	out := run(t, "", "nix", "build", "--store", store,
		"--option", "sandbox", "true", "--option", "sandbox-paths", "/bin /usr /lib /lib64",
		"--no-link", "--json", installable)
	var res []struct {
		Outputs map[string]string `json:"outputs"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || len(res) != 1 || res[0].Outputs["out"] == "" {
		t.Fatalf("nix build %s printed %q (%v)", installable, out, err)
	}
	return res[0].Outputs["out"]
}

// copySources copies what git sees of the project (tracked and new files,
// not ignored ones) into dst.
func copySources(t testing.TB, root, dst string) {
	t.Helper()
	out := run(t, root, "git", "ls-files", "-z", "--cached", "--others", "--exclude-standard")
	n := 0
	for _, f := range strings.Split(out, "\x00") {
		if f == "" {
			continue
		}
		src := filepath.Join(root, f)
		fi, err := os.Lstat(src)
		if errors.Is(err, fs.ErrNotExist) {
			continue // deleted in the work tree
		}
		if err != nil {
			t.Fatal(err)
		}
		if !fi.Mode().IsRegular() {
			continue
		}
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		target := filepath.Join(dst, f)
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(target, b, fi.Mode().Perm()); err != nil {
			t.Fatal(err)
		}
		n++
	}
	for _, must := range []string{"sbom/action.yml", "actions/bootstrap.sh", "cmd/nixops-sbom", "go.mod"} {
		if _, err := os.Stat(filepath.Join(dst, must)); err != nil {
			t.Fatalf("copied %d files but %s is missing: %v", n, must, err)
		}
	}
}

func git(t testing.TB, dir string, args ...string) {
	t.Helper()
	run(t, dir, "git", args...)
}

func run(t testing.TB, dir, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}

func repoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Dir(dir) // this package lives in <root>/e2e
}

// tool finds a program on PATH or where `go install` puts it (CI installs
// act into ~/go/bin).
func tool(t testing.TB, name string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	if gp := goEnv("GOPATH"); gp != "" {
		for _, d := range filepath.SplitList(gp) {
			p := filepath.Join(d, "bin", name)
			if _, err := os.Stat(p); err == nil {
				return p
			}
		}
	}
	return testenv.LookPath(t, name)
}
