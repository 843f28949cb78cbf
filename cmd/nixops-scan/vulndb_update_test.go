package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/voidnxsec/nixops-actions/internal/gitrepo"
	"github.com/voidnxsec/nixops-actions/internal/testenv"
	"github.com/voidnxsec/nixops-actions/internal/vulndbtest"
)

// servedDB is a local distribution of a database grype's builder made with
// the readline CVE of vulnSBOM.
func servedDB(t *testing.T) *vulndbtest.Server {
	t.Helper()
	db := t.TempDir()
	vulndbtest.Build(t, db, map[string][]vulndbtest.Record{"nvd": {
		vulndbtest.NVDCVE("CVE-2026-10001", "cpe:2.3:a:gnu:readline:*:*:*:*:*:*:*:*", "8.3", vulndbtest.Critical)}})
	return vulndbtest.Serve(t, db)
}

// noFiles fails when the step wrote any result file.
func noFiles(t *testing.T, r *runner) {
	t.Helper()
	if ents, _ := os.ReadDir(r.outDir); len(ents) != 0 {
		t.Errorf("files written: %v", ents)
	}
}

// TestDatabaseUpdate: with an SBOM and no db-path, the database is
// downloaded from db-url into the runner's tool cache and the scan finds
// the fixture's CVE; a second run downloads nothing; db-update false with
// no database, and a distribution offering only a database older than
// db-max-age, are each exit 2 naming the input, with no result file.
func TestDatabaseUpdate(t *testing.T) {
	g := gitrepo.New(t)
	g.Write("flake.nix", "{ outputs = _: { }; }\n")
	g.Commit("flake")
	sbomPath, toolCache := vulnSBOM(t), t.TempDir()
	srv := servedDB(t)
	step := func(env ...string) *runner {
		r := newRunner(t, g.Dir)
		r.env["INPUT_SBOM"], r.env["RUNNER_TOOL_CACHE"], r.env["INPUT_DB-URL"] = sbomPath, toolCache, srv.URL
		for i := 0; i+1 < len(env); i += 2 {
			r.env[env[i]] = env[i+1]
		}
		r.run(t)
		return r
	}
	r := step()
	dbDir := filepath.Join(toolCache, "nixops-scan", "grype-db")
	if r.code != exitGateFailed || srv.Archives.Load() != 1 || !strings.Contains(r.stdout.String(), "downloaded and installed the database built ") ||
		!strings.Contains(r.stdout.String(), "vulnerability database "+dbDir+": schema v6.") {
		t.Fatalf("first run: exit %d, %d downloads\n%s", r.code, srv.Archives.Load(), r.stdout.String())
	}
	if rep := readReport(t, filepath.Join(r.outDir, "scan.json")); len(rep.Findings) != 1 || rep.Findings[0].RuleID != "CVE-2026-10001" {
		t.Errorf("findings %+v", rep.Findings)
	}
	if built, err := time.Parse(time.RFC3339, r.outputs(t)["db-built"]); err != nil || time.Since(built) > time.Minute {
		t.Errorf("db-built %q: %v", r.outputs(t)["db-built"], err)
	}
	if r = step(); r.code != exitGateFailed || srv.Archives.Load() != 1 || srv.Listings.Load() != 1 {
		t.Errorf("second run: exit %d, %d downloads, %d listings\n%s", r.code, srv.Archives.Load(), srv.Listings.Load(), r.stdout.String())
	}

	missing := filepath.Join(t.TempDir(), "none")
	r = step("INPUT_DB-PATH", missing, "INPUT_DB-UPDATE", "false")
	if r.code != exitScanError || !strings.Contains(r.stdout.String(), `input "db-path": vulnerability database `+missing) ||
		srv.Listings.Load() != 1 {
		t.Errorf("db-update false, no database: exit %d\n%s", r.code, r.stdout.String())
	}
	noFiles(t, r)

	srv.Tamper(time.Now().Add(-8*24*time.Hour), false)
	r = step("RUNNER_TOOL_CACHE", t.TempDir())
	if r.code != exitScanError || !strings.Contains(r.stdout.String(), `input "db-max-age": the newest database the listing offers was built 8d ago`) ||
		!strings.Contains(r.stdout.String(), "longer than the maximum age of 5d") || srv.Archives.Load() != 1 {
		t.Errorf("stale listing: exit %d\n%s", r.code, r.stdout.String())
	}
	noFiles(t, r)
}

// TestDatabaseProxy: the download goes through the runner's HTTP_PROXY
// (read through the action's environment, not the library's), to a
// distribution named by a host that does not resolve, so only the proxy
// can reach it. Then, the distribution unreachable and the check due, the
// database on disk still serves, with a warning saying why.
func TestDatabaseProxy(t *testing.T) {
	g := gitrepo.New(t)
	g.Write("flake.nix", "{ outputs = _: { }; }\n")
	g.Commit("flake")
	srv := servedDB(t)
	proxy := testenv.NewForwardProxy(t, "grype-db.invalid", srv.Server.URL)
	sbomPath, toolCache := vulnSBOM(t), t.TempDir()
	r := newRunner(t, g.Dir)
	r.env["INPUT_SBOM"], r.env["RUNNER_TOOL_CACHE"], r.env["INPUT_DB-URL"] = sbomPath, toolCache, "http://grype-db.invalid/databases"
	r.env["HTTP_PROXY"] = proxy.URL
	r.run(t)
	if r.code != exitGateFailed || proxy.Requests.Load() != 2 || srv.Archives.Load() != 1 {
		t.Fatalf("through the proxy: exit %d, %d proxied, %d downloads\n%s", r.code, proxy.Requests.Load(), srv.Archives.Load(), r.stdout.String())
	}

	if err := os.Remove(filepath.Join(toolCache, "nixops-scan", "grype-db", "6", "last_update_check")); err != nil {
		t.Fatal(err)
	}
	delete(r.env, "HTTP_PROXY")
	r.stdout.Reset()
	r.run(t)
	if r.code != exitGateFailed || !strings.Contains(r.stdout.String(), "::warning::the vulnerability database could not be updated, the one on disk was used: fetching http://grype-db.invalid/databases/v6/latest.json: gave up after 4 attempts") {
		t.Errorf("unreachable, a database on disk: exit %d\n%s", r.code, r.stdout.String())
	}
}

// TestDatabaseRetry: a listing answered 503 once is fetched again after
// a logged wait, and the scan runs with the database downloaded.
func TestDatabaseRetry(t *testing.T) {
	g := gitrepo.New(t)
	g.Write("flake.nix", "{ outputs = _: { }; }\n")
	g.Commit("flake")
	srv := servedDB(t)
	srv.Fail(vulndbtest.Listing, vulndbtest.Failure{Code: http.StatusServiceUnavailable})
	r := newRunner(t, g.Dir)
	r.env["INPUT_SBOM"], r.env["INPUT_DB-URL"] = vulnSBOM(t), srv.URL
	r.run(t)
	want := "vulnerability database: attempt 1 failed: GET " + srv.URL + "/v6/latest.json: 503 Service Unavailable: injected failure; retrying in "
	if r.code != exitGateFailed || srv.Listings.Load() != 2 || srv.Archives.Load() != 1 || !strings.Contains(r.stdout.String(), want) {
		t.Errorf("exit %d, %d listings, %d downloads, want the log to say %q\n%s", r.code, srv.Listings.Load(), srv.Archives.Load(), want, r.stdout.String())
	}
}

// TestDatabaseURLPassword: a mirror's password in db-url appears nowhere,
// even in the error of a failed update.
func TestDatabaseURLPassword(t *testing.T) {
	g := gitrepo.New(t)
	g.Commit("empty")
	r := newRunner(t, g.Dir)
	r.env["INPUT_SBOM"], r.env["INPUT_DB-URL"] = vulnSBOM(t), "http://mirror:s3cret-pw@127.0.0.1:9/databases"
	r.run(t)
	if r.code != exitScanError || !strings.Contains(r.stdout.String(), `input "db-url": `) {
		t.Errorf("exit %d\n%s", r.code, r.stdout.String())
	}
	for _, line := range strings.Split(r.everything(t), "\n") {
		if strings.Contains(line, "s3cret-pw") && line != "::add-mask::s3cret-pw" {
			t.Errorf("the password appears outside its add-mask line: %s", line)
		}
	}
}
