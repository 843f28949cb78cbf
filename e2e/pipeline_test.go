package e2e_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/voidnxsec/nixops-actions/internal/githubtest"
	"github.com/voidnxsec/nixops-actions/internal/gitrepo"
	"github.com/voidnxsec/nixops-actions/internal/promtest"
	"github.com/voidnxsec/nixops-actions/internal/testenv"
	"github.com/voidnxsec/nixops-actions/internal/vulndbtest"
	"github.com/voidnxsec/nixops-actions/pkg/dora"
)

// pipelineProject is the project of e2e/testdata/pipeline as its own git
// repository, calling this checkout's nix-pipeline.yml. The suite's
// actions (voidnxsec/nixops-actions/...@v1) are a release v1.9.9 cut from
// this checkout, its binaries served by a local release host, as a user's
// @v1 gets them.
type pipelineProject struct {
	fixture
	suite, releaseHost, flags, event, origin string
	// db is a local distribution of a database with no CVE of the
	// project's packages: no test downloads grype's.
	db *vulndbtest.Server
}

func newPipelineProject(t testing.TB) *pipelineProject {
	t.Helper()
	base := t.TempDir()
	suite := checkoutFixture(t, filepath.Join(base, "suite"), true)
	rel := cutRelease(t, suite.repo, "v1.9.9")
	p := &pipelineProject{suite: filepath.Join(base, "suite-v1"), releaseHost: releaseHost(t, rel, "").URL,
		flags: filepath.Join(base, "flags"), event: filepath.Join(base, "event.json")}
	git(t, suite.repo, "worktree", "add", "-q", "--detach", p.suite, rel.Commit)
	p.repo, p.actHome, p.actCache = filepath.Join(base, "project"), filepath.Join(base, "home"), filepath.Join(base, "act-cache")
	db := filepath.Join(base, "grype-db")
	vulndbtest.Build(t, db, map[string][]vulndbtest.Record{"nvd": {
		vulndbtest.NVDCVE("CVE-2026-29999", "cpe:2.3:a:nothing-here:nothing-here:*:*:*:*:*:*:*:*", "1.0", vulndbtest.High)}})
	p.db = vulndbtest.Serve(t, db)
	testenv.CopyDir(t, filepath.Join(repoRoot(t), "e2e", "testdata", "pipeline"), p.repo)
	scripts, _ := filepath.Glob(filepath.Join(p.repo, "scripts", "*.sh"))
	for _, f := range scripts {
		if err := os.Chmod(f, 0o755); err != nil { // CopyDir keeps no mode
			t.Fatal(err)
		}
	}
	pipeline, err := os.ReadFile(filepath.Join(repoRoot(t), ".github", "workflows", "nix-pipeline.yml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []struct {
		path string
		data []byte
	}{
		{filepath.Join(p.repo, ".github", "workflows", "nix-pipeline.yml"), pipeline},
		// On the default branch, so the deploy job runs.
		{p.event, []byte(`{"ref": "refs/heads/main", "repository": {"default_branch": "main", "full_name": "voidnxsec/pipeline-e2e"}}`)},
	} {
		if err := os.WriteFile(f.path, f.data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []string{p.actHome, p.flags} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	git(t, p.repo, "init", "-q", "-b", "main")
	p.commit(t, "the project")
	// The deploy job pushes its tags to origin, as to GitHub.
	p.origin = filepath.Join(base, "origin.git")
	git(t, base, "init", "-q", "--bare", p.origin)
	git(t, p.repo, "remote", "add", "origin", p.origin)
	git(t, p.repo, "push", "-q", "origin", "main")
	return p
}

// fetchTags brings the tags the deploy job pushed into the project.
func (p *pipelineProject) fetchTags(t testing.TB) {
	git(t, p.repo, "fetch", "-q", "origin", "refs/tags/*:refs/tags/*")
}

func (p *pipelineProject) commit(t testing.TB, msg string) {
	git(t, p.repo, "add", "-A")
	git(t, p.repo, "-c", "user.name=e2e", "-c", "user.email=e2e@localhost", "commit", "-q", "--allow-empty", "-m", msg)
}

// run runs the project's ci.yml under act.
func (p *pipelineProject) run(t testing.TB, act, gateway string) actRun {
	t.Helper()
	return p.runWorkflow(t, act, gateway, ".github/workflows/ci.yml")
}

func (p *pipelineProject) runWorkflow(t testing.TB, act, gateway, workflow string) actRun {
	t.Helper()
	return p.runOn(t, act, gateway, "workflow_dispatch", p.event, workflow)
}

// runOn runs workflow on event, whose payload is in the file eventFile,
// with the suite's release, the gateway and the test's distribution.
func (p *pipelineProject) runOn(t testing.TB, act, gateway, event, eventFile, workflow string, extra ...string) actRun {
	t.Helper()
	return p.actOn(t, act, event, workflow, nil, append([]string{"-e", eventFile,
		"--local-repository", "voidnxsec/nixops-actions@v1=" + p.suite,
		"--env", "NIXOPS_RELEASE_HOST=" + p.releaseHost, "--env", "E2E_FLAGS=" + p.flags, "-s", "PUSHGATEWAY_URL=" + gateway,
		"--var", "GRYPE_DB_URL=" + p.db.URL}, extra...)...)
}

// TestActPipeline runs the reusable workflow end to end under act on a
// two-package flake: lint, secrets, both matrix builds with their SBOMs
// and scans, the flake checks (the VM test skipped, not passed: no KVM
// here), the deploy, and the metrics pushed to a real Pushgateway that
// Prometheus scrapes. A second run whose verification fails rolls back,
// and dora reads one failed deployment in two. A planted credential fails
// the secrets gate and nothing is built.
func TestActPipeline(t *testing.T) {
	act := tool(t, "act")
	for _, c := range []string{"nix", "git", "go", "shellcheck", "jq"} {
		testenv.LookPath(t, c)
	}
	gw := promtest.StartPushgateway(t)
	prom := promtest.StartPrometheus(t, gw.Addr)
	p := newPipelineProject(t)

	r := p.run(t, act, gw.URL)
	for _, job := range []string{"lint", "secrets", "build", "test", "deploy", "metrics"} {
		if got := r.jobResultOf(job); got != "success" {
			t.Fatalf("first run: job %s %q; act log:\n%s", job, got, r.text)
		}
	}
	// The KVM check builds where /dev/kvm is, and is skipped, said so, where
	// it is not: never passed without running.
	skipped := strings.Contains(r.text, "NixOS VM tests skipped, not passed")
	if _, err := os.Stat("/dev/kvm"); skipped != (err != nil) {
		t.Errorf("VM check reported skipped: %v, with /dev/kvm: %v", skipped, err == nil)
	}
	for _, target := range []string{"greeting", "app"} {
		if _, err := os.Stat(filepath.Join(p.githubArtifacts(), "sbom-"+target, "sbom.cdx.json")); err != nil {
			t.Errorf("matrix build %s left no SBOM artifact: %v", target, err)
		}
		prom.WaitFor(t, `nixops_sbom_components{kind="store_path",target="`+target+`"}`)
	}
	// The SBOM is of the flake target, whose meta holds the license.
	if bom := read(t, filepath.Join(p.githubArtifacts(), "sbom-greeting", "sbom.cdx.json")); !regexp.MustCompile(`"id":\s*"MIT"`).MatchString(bom) {
		t.Errorf("greeting's SBOM lacks its license MIT:\n%s", bom)
	}
	prom.WaitFor(t, `nixops_pipeline_status{status="success"} == 1`)
	// The metrics job's overview of the stages, also in its log.
	for _, row := range []string{"## Pipeline: success", "| lint | success |", "| build | success |", "| deploy | success |"} {
		if !strings.Contains(r.text, row) {
			t.Errorf("the pipeline overview lacks %q", row)
		}
	}
	if p.db.Archives.Load() == 0 {
		t.Errorf("no scan downloaded the database from the test's distribution")
	}
	// Pushed, but 0: act's checkout copies the work tree, which lacks the tag
	// the deploy job pushed to origin (actions/checkout, fetch-depth 0,
	// fetches it on GitHub). dora is checked on the fetched tags below.
	prom.WaitFor(t, `nixops_dora_deployments`)

	// Second run: the deployment fails its health check and rolls back.
	if err := os.WriteFile(filepath.Join(p.flags, "unhealthy"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	p.commit(t, "a change that breaks the health check")
	git(t, p.repo, "push", "-q", "origin", "main")
	r = p.run(t, act, gw.URL)
	if got := r.jobResultOf("deploy"); got != "failure" || !fileExists(filepath.Join(p.flags, "rolled-back")) {
		t.Fatalf("second run: deploy %q, want a failure after the rollback; act log:\n%s", got, r.text)
	}
	p.fetchTags(t)
	cfg := dora.DefaultConfig()
	cfg.TagPattern = "deploy/e2e/*"
	rep, err := dora.Compute(t.Context(), p.repo, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Deployments) != 3 || rep.Deployments[1].Cause != "fixes-deployment" ||
		rep.Metrics.ChangeFailRate.Value == nil || *rep.Metrics.ChangeFailRate.Value != 1.0/3 {
		t.Errorf("dora reads %+v, want two deployments and a rollback fixing the second", rep.Deployments)
	}

	p.pullRequest(t, act, gw.URL)

	// Fourth run: a credential in the tree fails the secrets gate, and
	// nothing is built or deployed.
	token := gitrepo.FakeGitHubToken(t)
	if err := os.WriteFile(filepath.Join(p.repo, "deploy.env"), []byte("GITHUB_TOKEN="+token+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p.commit(t, "a credential, by mistake")
	r = p.run(t, act, gw.URL)
	if got, build := r.jobResultOf("secrets"), r.jobResultOf("build"); got != "failure" || build == "success" {
		t.Fatalf("third run: secrets %q, build %q: want the gate to fail and nothing built; act log:\n%s", got, build, r.text)
	}
	if strings.Contains(r.text, token) {
		t.Errorf("the credential appears in the log")
	}
}

// pullRequest runs the pipeline on a pull request that moves greeting to
// 1.1: each matrix build also builds the base commit, and its SBOM
// comments the closure diff on the pull request, through the fake GitHub
// API. Nothing is deployed.
func (p *pipelineProject) pullRequest(t *testing.T, act, gateway string) {
	srv := githubtest.New(t)
	base := strings.TrimSpace(run(t, p.repo, "git", "rev-parse", "HEAD"))
	git(t, p.repo, "checkout", "-q", "-b", "greeting-1.1")
	defer git(t, p.repo, "checkout", "-q", "main")
	flake := filepath.Join(p.repo, "flake.nix")
	text := read(t, flake)
	if !strings.Contains(text, `"greeting-1.0"`) {
		t.Fatal("the pipeline project no longer names greeting-1.0")
	}
	if err := os.WriteFile(flake, []byte(strings.Replace(text, `"greeting-1.0"`, `"greeting-1.1"`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	p.commit(t, "greeting 1.1")
	head := strings.TrimSpace(run(t, p.repo, "git", "rev-parse", "HEAD"))
	event := p.pullRequestEvent(t, srv.Owner+"/"+srv.Name, base, head)
	r := p.runOn(t, act, gateway, "pull_request", event, ".github/workflows/ci.yml",
		"-s", "GITHUB_TOKEN="+srv.Token, "--env", "GITHUB_API_URL="+srv.URL, "--env", "GITHUB_REPOSITORY="+srv.Owner+"/"+srv.Name)
	if got := r.jobResultOf("build"); got != "success" || !strings.Contains(r.text, "| deploy | skipped |") {
		t.Fatalf("pull request: build %q, want success and no deploy; act log:\n%s", got, r.text)
	}
	srv.Lock()
	var bodies []string
	for _, c := range srv.Comments {
		if c.Issue == 42 && c.Login == srv.Login {
			bodies = append(bodies, c.Body)
		}
	}
	srv.Unlock()
	change := regexp.MustCompile("\\| `greeting` +\\| nix +\\| `1\\.0` +\\| `1\\.1` +\\|")
	if len(bodies) != 2 {
		t.Fatalf("pull request: %d comments, want one per matrix build; act log:\n%s", len(bodies), r.text)
	}
	for _, b := range bodies {
		if !change.MatchString(b) || !strings.Contains(b, "(commit `"+base[:12]+"`)") {
			t.Errorf("a comment lacks greeting's move from 1.0 to 1.1 against %s:\n%s", base[:12], b)
		}
	}
}

// pullRequestEvent is pkg/action's pull_request payload fixture (valid
// against GitHub's webhook schema) moved to this project's commits.
func (p *pipelineProject) pullRequestEvent(t *testing.T, repo, base, head string) string {
	var ev map[string]any
	decode(t, filepath.Join(repoRoot(t), "pkg", "action", "testdata", "events", "pull_request-synchronize.json"), &ev)
	pr := ev["pull_request"].(map[string]any)
	for side, sha := range map[string]string{"base": base, "head": head} {
		ref := pr[side].(map[string]any)
		ref["sha"] = sha
		ref["repo"].(map[string]any)["full_name"] = repo
	}
	pr["base"].(map[string]any)["ref"] = "main"
	ev["after"] = head
	ev["repository"].(map[string]any)["full_name"] = repo
	ev["repository"].(map[string]any)["default_branch"] = "main"
	data, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "pull_request.json")
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

func fileExists(name string) bool {
	_, err := os.Stat(name)
	return err == nil
}

// githubArtifacts is where the upload-artifact stand-in keeps artifacts.
func (p *pipelineProject) githubArtifacts() string {
	return filepath.Join(filepath.Dir(p.actCache), "github-artifacts")
}

// TestActRootAction runs the suite's root action, one job, on the same
// project: Nix adopted, the package built, its SBOM, the gate, and the
// metrics in the real Pushgateway.
func TestActRootAction(t *testing.T) {
	act := tool(t, "act")
	for _, c := range []string{"nix", "git", "go"} {
		testenv.LookPath(t, c)
	}
	gw := promtest.StartPushgateway(t)
	prom := promtest.StartPrometheus(t, gw.Addr)
	p := newPipelineProject(t)
	r := p.runWorkflow(t, act, gw.URL, ".github/workflows/one-job.yml")
	report := regexp.MustCompile(`root-action result=pass sbom=(\S+/sbom\.cdx\.json) sarif=(\S+/scan\.sarif)`)
	if got := r.jobResult(); got != "success" || !report.MatchString(r.text) {
		t.Fatalf("job %q, want success and the outputs reported; act log:\n%s", got, r.text)
	}
	if strings.Contains(r.text, "from source") {
		t.Errorf("a binary was compiled: the release's should be downloaded:\n%s", r.text)
	}
	if n := p.db.Archives.Load(); n != 1 {
		t.Errorf("the database was downloaded %d times from the test's distribution, want once", n)
	}
	prom.WaitFor(t, `nixops_sbom_components{kind="store_path"} == 2`)
	prom.WaitFor(t, `nixops_pipeline_status{status="success"} == 1`)
}
