package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/voidnxsec/nixops-actions/internal/githubtest"
	"github.com/voidnxsec/nixops-actions/pkg/githubapi"
	"github.com/voidnxsec/nixops-actions/pkg/sbom"
	"github.com/voidnxsec/nixops-actions/pkg/sbom/summary"
)

// flakeEdits turn the example flake into the next version of itself, as a
// pull request would: libgreet 2.0.1 becomes 2.1.0, greeting drops
// keeps a reference to greet-tool at run time, the webapp gains a license,
// and its npm lock file moves ms to 2.1.2 and drops once.
var flakeEdits = []struct{ file, old, new string }{
	{"flake.nix", `version = "2.0.1";`, `version = "2.1.0";`},
	{"flake.nix", `name = "libgreet-2.0.1";`, `name = "libgreet-2.1.0";`},
	{"flake.nix", `from $site\" > $out" ];
          };`, `from $site\" > $out" ];
          } // { meta.license = licenses.mit; };`},
	{"flake.nix", `linked to ${libgreet.lib}\"`, `linked to ${libgreet.lib} with ${greet-tool}\"`},
	{"webapp/package-lock.json", `"ms": "^2.1.3",
        "once": "^1.4.0"`, `"ms": "^2.1.2"`},
	{"webapp/package-lock.json", `"version": "2.1.3",`, `"version": "2.1.2",`},
	{"webapp/package-lock.json", `,
    "node_modules/once": {
      "version": "1.4.0",
      "resolved": "https://registry.npmjs.org/once/-/once-1.4.0.tgz",
      "integrity": "sha512-lNaJgI+2Q5URQBkccEKHTQOPaXdUxnZZElQTZY0MFUAuaEqe1E+Nyvgdz/aIyNi6Z9MzO5dv1H8n58/GELp3+w==",
      "license": "ISC"
    }`, ""},
}

// changedWebapp builds the edited flake's webapp into store uri and
// returns its installable.
func changedWebapp(t *testing.T, uri string) string {
	t.Helper()
	src, err := filepath.Abs("../../pkg/closure/testdata/flake")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "flake")
	if err := os.CopyFS(dir, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	for _, e := range flakeEdits {
		file := filepath.Join(dir, e.file)
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(data, []byte(e.old)) {
			t.Fatalf("%s no longer holds %q: update flakeEdits", e.file, e.old)
		}
		if err := os.WriteFile(file, bytes.Replace(data, []byte(e.old), []byte(e.new), 1), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	installable := "path:" + dir + "#webapp"
	cmd := exec.Command("nix", "--extra-experimental-features", "nix-command flakes", "build", "--store", uri, "--no-link", installable)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("nix build: %v\n%s", err, out)
	}
	return installable
}

// twoWebapps are the two versions of the webapp, built in one store, with
// the SBOM of the first written by the step.
type twoWebapps struct {
	uri, newInstallable string
	oldSBOM             string // the first version's sbom.cdx.json
	oldBytes            int64  // its closure-bytes output
}

func buildTwoWebapps(t *testing.T) twoWebapps {
	t.Helper()
	uri, webapp := builtWebapp(t)
	r := newRunner(t, map[string]string{"target": webapp, "nix-store": uri, "output-dir": t.TempDir(), "format": "cyclonedx-json"})
	if code := r.run(); code != 0 {
		t.Fatalf("exit %d\n%s", code, r.Log())
	}
	outs := r.Outputs(t)
	n, err := strconv.ParseInt(outs["closure-bytes"], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return twoWebapps{uri: uri, newInstallable: changedWebapp(t, uri), oldSBOM: outs["cyclonedx-json"], oldBytes: n}
}

// narSize is what Nix says the store path of name in the closure of
// installable takes. Nix 2.8 prints a list of path infos.
func narSize(t *testing.T, uri, installable, name string) int64 {
	t.Helper()
	out, err := exec.Command("nix", "--extra-experimental-features", "nix-command flakes", "path-info", "--store", uri, "-r", "--json", installable).Output()
	if err != nil {
		t.Fatal(err)
	}
	var infos []struct {
		Path    string `json:"path"`
		NarSize int64  `json:"narSize"`
	}
	if err := json.Unmarshal(out, &infos); err != nil {
		t.Fatalf("nix path-info: %v\n%s", err, out)
	}
	for _, i := range infos {
		if strings.HasSuffix(i.Path, "-"+name) {
			return i.NarSize
		}
	}
	t.Fatalf("no %s in %s", name, out)
	return 0
}

// TestCompareTo diffs the edited webapp against the first one's SBOM on a
// push: the outputs count exactly what the edits did, the summary lists
// each change, and no request reaches GitHub.
func TestCompareTo(t *testing.T) {
	w := buildTwoWebapps(t)
	srv := githubtest.New(t)
	r := snapshotRunner(t, srv, map[string]string{"target": w.newInstallable, "nix-store": w.uri, "compare-to": w.oldSBOM, "dependency-snapshot": "false"})
	if code := r.run(); code != 0 {
		t.Fatalf("exit %d\n%s", code, r.Log())
	}
	outs := r.Outputs(t)
	newBytes, _ := strconv.ParseInt(outs["closure-bytes"], 10, 64)
	want := map[string]string{"packages-added": "1", "packages-removed": "1", "packages-changed": "2",
		"closure-bytes-delta": strconv.FormatInt(newBytes-w.oldBytes, 10)}
	for k, v := range want {
		if outs[k] != v {
			t.Errorf("output %s = %q, want %q", k, outs[k], v)
		}
	}
	tool := narSize(t, w.uri, w.newInstallable, "greet-tool-0.5")
	sum := r.File(t, "GITHUB_STEP_SUMMARY")
	for _, want := range []string{
		"### Closure diff of `" + w.newInstallable + "` (runtime closure)\n\nAgainst the SBOM `" + w.oldSBOM + "`.\n",
		"#### Added (1)\n",
		fmt.Sprintf("| `greet-tool` | nix  | `0.5`   | unknown | %s |\n", summary.Bytes(tool)),
		"#### Removed (1)\n",
		"| `once`  | npm  | `1.4.0` | ISC     |      |\n",
		"#### Version changes (2)\n",
		"| `libgreet` | nix (lib) | `2.0.1` | `2.1.0` |",
		"| `ms`       | npm       | `2.1.3` | `2.1.2` |             |\n",
		"#### License changes (1)\n",
		"| `webapp` | nix  | unknown | MIT   |\n",
		"\n2 packages at the same version with other store paths (rebuilt from changed inputs).\n",
	} {
		if !strings.Contains(sum, want) {
			t.Errorf("the summary lacks %q:\n%s", want, sum)
		}
	}
	if n := len(srv.Calls("")); n != 0 {
		t.Errorf("%d requests to GitHub on a push", n)
	}
}

// prRunner is snapshotRunner on pull request 42 (synchronize), diffing
// against compare.
func prRunner(t *testing.T, srv *githubtest.Server, w twoWebapps, event string, inputs map[string]string) *runner {
	t.Helper()
	path, err := filepath.Abs("../../pkg/action/testdata/events/" + event)
	if err != nil {
		t.Fatal(err)
	}
	in := map[string]string{"target": w.newInstallable, "nix-store": w.uri, "compare-to": w.oldSBOM, "dependency-snapshot": "false", "embedded": "true"}
	for k, v := range inputs {
		in[k] = v
	}
	r := snapshotRunner(t, srv, in)
	r.Env["GITHUB_EVENT_NAME"], r.Env["GITHUB_EVENT_PATH"], r.Env["GITHUB_REF"] = "pull_request", path, "refs/pull/42/merge"
	return r
}

// ourComments are the comments on pull request pr by the token's login.
func ourComments(srv *githubtest.Server, pr int) []githubtest.Comment {
	srv.Lock()
	defer srv.Unlock()
	var out []githubtest.Comment
	for _, c := range srv.Comments {
		if c.Issue == pr && c.Login == srv.Login {
			out = append(out, *c)
		}
	}
	return out
}

// TestCompareToComment runs the step on pull request 42 as a series of
// pushes would: the first creates the comment, the second (same closure)
// leaves it as it is, one without compare-to does not touch it, one whose
// closure differs (no embedded scan) edits it in place, and a matrix entry
// gets a comment of its own. Another bot's comment beginning with a
// similar marker is never touched, and the token appears nowhere.
func TestCompareToComment(t *testing.T) {
	w := buildTwoWebapps(t)
	srv := githubtest.New(t)
	const otherBody = "<!-- nixops-actions: sbom closure diff -->\nsomething else"
	other := srv.AddComment(42, "renovate[bot]", otherBody)
	var logs []string
	run := func(inputs map[string]string) {
		t.Helper()
		r := prRunner(t, srv, w, "pull_request-synchronize.json", inputs)
		if code := r.run(); code != 0 {
			t.Fatalf("exit %d\n%s", code, r.Log())
		}
		logs = append(logs, r.Log(), r.File(t, "GITHUB_STEP_SUMMARY"), readAll(t, r.Env["INPUT_OUTPUT-DIR"]), r.File(t, "GITHUB_OUTPUT"))
	}
	run(nil)
	cs := ourComments(srv, 42)
	if len(cs) != 1 {
		t.Fatalf("%d comments, want 1", len(cs))
	}
	first := cs[0]
	wantHead := "<!-- nixops-actions: sbom closure diff CI sbom -->\n## Closure diff of `" + w.newInstallable + "` (runtime closure)\n"
	if !strings.HasPrefix(first.Body, wantHead) {
		t.Errorf("comment starts\n%.300s\nwant\n%s", first.Body, wantHead)
	}
	for _, want := range []string{"### Added (1)", "### Removed (1)", "### Version changes (2)", "### License changes (1)",
		"Closure of commit `b21d7d664dc7`, run https://github.com/octo-org/hello-world/actions/runs/7001."} {
		if !strings.Contains(first.Body, want) {
			t.Errorf("the comment lacks %q:\n%s", want, first.Body)
		}
	}

	run(nil)
	run(map[string]string{"compare-to": ""})
	if n := len(srv.Calls("issues/update-comment")) + len(srv.Calls("issues/create-comment")); n != 1 {
		t.Errorf("%d writes, want only the first run's: the closure stayed the same", n)
	}
	run(map[string]string{"embedded": "false"})
	run(map[string]string{"matrix": `{"nix":"2.34"}`})
	cs = ourComments(srv, 42)
	if len(cs) != 2 || cs[0].ID != first.ID {
		t.Fatalf("comments %+v, want comment %d and one for the matrix entry", cs, first.ID)
	}
	if cs[0].Edited != 1 || !strings.Contains(cs[0].Body, "### Version changes (1)") || !strings.Contains(cs[0].Body, "### Removed (4)") {
		t.Errorf("the job's comment, edited %d times, does not hold the diff without embedded packages:\n%s", cs[0].Edited, cs[0].Body)
	}
	if !strings.HasPrefix(cs[1].Body, "<!-- nixops-actions: sbom closure diff CI sbom nix=2.34 -->\n") {
		t.Errorf("the matrix entry's comment starts %.80q", cs[1].Body)
	}
	srv.Lock()
	for _, c := range srv.Comments {
		if c.ID == other && (c.Edited != 0 || c.Body != otherBody) {
			t.Errorf("another bot's comment was changed: %+v", c)
		}
	}
	srv.Unlock()
	checkMasked(t, srv.Token, logs)
}

// TestCompareToFork: a fork's read-only token is a warning naming
// pull-requests: write; the step succeeds and its summary has the diff.
func TestCompareToFork(t *testing.T) {
	w := buildTwoWebapps(t)
	srv := githubtest.New(t)
	srv.ReadOnly = true
	r := prRunner(t, srv, w, "pull_request-fork.json", nil)
	if code := r.run(); code != 0 {
		t.Fatalf("exit %d, want 0\n%s", code, r.Log())
	}
	if out := r.Stdout.String(); !strings.Contains(out, "::warning::") || !strings.Contains(out, "pull-requests: write") || strings.Contains(out, "::error") {
		t.Errorf("want a warning naming pull-requests: write and no error:\n%s", out)
	}
	s := r.File(t, "GITHUB_STEP_SUMMARY")
	if !strings.Contains(s, "#### Version changes (2)") || !strings.Contains(s, "Not commented on the pull request: it comes from a fork") {
		t.Errorf("summary:\n%s", s)
	}
	if n := len(srv.Calls("issues/create-comment")); n != 1 {
		t.Errorf("%d create requests, want the one refused", n)
	}
	// The same refusal outside a fork is the workflow's to fix: it fails.
	r = prRunner(t, srv, w, "pull_request-synchronize.json", nil)
	if code := r.run(); code != 1 || !strings.Contains(r.Stdout.String(), "`pull-requests: write` in its `permissions:`") {
		t.Errorf("exit %d, want 1 and an error naming pull-requests: write\n%s", code, r.Log())
	}
}

// TestCompareToTruncated: a diff longer than GitHub takes in a comment is
// cut with a line saying what was left out, and the summary keeps all of
// it. The earlier SBOM is a closure of 3,000 store paths, all removed.
func TestCompareToTruncated(t *testing.T) {
	w := buildTwoWebapps(t)
	big := &sbom.BOM{Target: "big", Dependencies: map[string][]string{}, Timestamp: time.Unix(1700000000, 0)}
	for i := range 3000 {
		ref := fmt.Sprintf("%032d-package-number-%d-1.0", i, i)
		big.Components = append(big.Components, sbom.Component{Ref: ref, Type: "library", Name: fmt.Sprintf("package-number-%d", i), Version: "1.0",
			PURL: fmt.Sprintf("pkg:nix/package-number-%d@1.0", i), StorePath: "/nix/store/" + ref, NarSize: 1000, Scope: sbom.Runtime})
		big.Roots = append(big.Roots, ref)
		big.Dependencies[ref] = nil
	}
	var buf bytes.Buffer
	if err := sbom.Encode(&buf, big, sbom.CycloneDXJSON); err != nil {
		t.Fatal(err)
	}
	old := filepath.Join(t.TempDir(), "big.cdx.json")
	if err := os.WriteFile(old, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	srv := githubtest.New(t)
	r := prRunner(t, srv, w, "pull_request-synchronize.json", map[string]string{"compare-to": old})
	if code := r.run(); code != 0 {
		t.Fatalf("exit %d\n%s", code, r.Log())
	}
	cs := ourComments(srv, 42)
	if len(cs) != 1 {
		t.Fatalf("%d comments", len(cs))
	}
	body := cs[0].Body
	if n := utf8.RuneCountInString(body); n > githubapi.MaxCommentLength || n < githubapi.MaxCommentLength-1000 {
		t.Errorf("the comment has %d characters, want just under %d", n, githubapi.MaxCommentLength)
	}
	if !strings.Contains(body, "lines (") || !strings.HasSuffix(body, "left out**: GitHub takes at most 65536 characters in a comment.") {
		t.Errorf("the comment ends %q", body[len(body)-200:])
	}
	if !strings.Contains(r.Stdout.String(), "::warning::the closure diff was cut") {
		t.Errorf("no warning about the cut:\n%s", r.Stdout.String())
	}
	if s := r.File(t, "GITHUB_STEP_SUMMARY"); !strings.Contains(s, "#### Removed (3000)") || !strings.Contains(s, "`package-number-2999`") {
		t.Errorf("the summary does not list all 3000 removed packages")
	}
}

// TestCompareToBadFile: a compare-to that is missing, not JSON, or not
// CycloneDX stops the step before any Nix work or request, naming the
// input, with nothing written, not even output-dir.
func TestCompareToBadFile(t *testing.T) {
	srv := githubtest.New(t)
	dir := t.TempDir()
	files := map[string]string{"spdx.json": `{"spdxVersion": "SPDX-2.3", "SPDXID": "SPDXRef-DOCUMENT"}`, "cut.json": `{"bomFormat": "CycloneDX", "components": [`}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for name, want := range map[string]string{
		"missing.json": "cannot read",
		"spdx.json":    "not a CycloneDX JSON document",
		"cut.json":     "not a CycloneDX JSON document",
	} {
		t.Run(name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			r := snapshotRunner(t, srv, map[string]string{"target": "./no-such#x", "compare-to": filepath.Join(dir, name), "output-dir": out, "dependency-snapshot": "false"})
			if code := r.run(); code != 1 {
				t.Fatalf("exit %d, want 1\n%s", code, r.Log())
			}
			msg := r.Stdout.String()
			if !strings.Contains(msg, `input "compare-to": `) || !strings.Contains(msg, want) || !strings.Contains(msg, "accepted: the path of a CycloneDX JSON SBOM") {
				t.Errorf("want the input named with %q:\n%s", want, msg)
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Errorf("output-dir exists: %v", err)
			}
			if o := r.File(t, "GITHUB_OUTPUT"); o != "" {
				t.Errorf("outputs written: %q", o)
			}
		})
	}
	if n := len(srv.Calls("")); n != 0 {
		t.Errorf("%d requests", n)
	}
}

// TestCommentMarker: a correlator that could end the hidden HTML comment
// early is replaced by a stable hash, different for each; others are kept
// as they read.
func TestCommentMarker(t *testing.T) {
	for _, corr := range []string{"CI sbom", "CI sbom nix=2.34 os=ubuntu-latest"} {
		if got := commentMarker(corr); got != "sbom closure diff "+corr {
			t.Errorf("commentMarker(%q) = %q", corr, got)
		}
	}
	hashed := regexp.MustCompile(`^sbom closure diff [0-9a-f]{16}$`)
	seen := map[string]bool{}
	for _, corr := range []string{"CI sbom flags=--fast", "CI sbom flags=--slow", "CI sbom cmp=a>b", "CI sbom line=a\nb"} {
		got := commentMarker(corr)
		if !hashed.MatchString(got) || commentMarker(corr) != got || seen[got] {
			t.Errorf("commentMarker(%q) = %q, want a stable hash of its own", corr, got)
		}
		seen[got] = true
	}
}
