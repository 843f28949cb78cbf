package vulndb_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/voidnxsec/nixops-actions/internal/vulndbtest"
	"github.com/voidnxsec/nixops-actions/pkg/httpclient"
	"github.com/voidnxsec/nixops-actions/pkg/scan/vulndb"
)

const maxAge = 5 * 24 * time.Hour

func update(t *testing.T, dir, url string, every time.Duration) (*vulndb.UpdateResult, error) {
	t.Helper()
	return vulndb.Update(context.Background(), vulndb.UpdateOptions{Dir: dir, URL: url, Client: http.DefaultClient,
		MaxAge: maxAge, CheckInterval: every})
}

// leftovers are the entries of dir besides the installed database and
// its lock.
func leftovers(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		if e.Name() != "6" && e.Name() != ".nixops-scan.lock" {
			out = append(out, e.Name())
		}
	}
	return out
}

// TestUpdate: the first update downloads the listed archive, checks it and
// installs it, and the scan finds the fixture's vulnerability in it; a
// second one reads the listing and downloads nothing; within the check
// interval not even the listing is read.
func TestUpdate(t *testing.T) {
	srv := vulndbtest.Serve(t, fixtureDB(t))
	dir := filepath.Join(t.TempDir(), "grype-db")
	res, err := update(t, dir, srv.URL, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Downloaded || res.SchemaVersion[:2] != "v6" || time.Since(res.Built) > time.Minute ||
		srv.Listings.Load() != 1 || srv.Archives.Load() != 1 {
		t.Fatalf("first update %+v, %d listings, %d archives", res, srv.Listings.Load(), srv.Archives.Load())
	}
	fs, _, _, err := vulndb.Match(context.Background(), fixtureSBOM(t), "flake.nix", vulndb.Options{Dir: dir, MaxAge: maxAge})
	if err != nil || len(fs) == 0 || fs[0].RuleID != "CVE-2026-10001" {
		t.Fatalf("scan with the installed database: %v %+v", err, fs)
	}
	if l := leftovers(t, dir); len(l) != 0 {
		t.Errorf("left in the directory: %v", l)
	}
	again, err := update(t, dir, srv.URL, 0)
	if err != nil || again.Downloaded || !again.Built.Equal(res.Built) || srv.Listings.Load() != 2 || srv.Archives.Load() != 1 {
		t.Fatalf("second update %+v %v, %d listings, %d archives", again, err, srv.Listings.Load(), srv.Archives.Load())
	}
	if _, err := update(t, dir, srv.URL, time.Hour); err != nil || srv.Listings.Load() != 2 {
		t.Fatalf("within the check interval: %v, %d listings", err, srv.Listings.Load())
	}
}

// TestUpdateChecksumMismatch: a newer archive whose bytes are not the
// listing's digest is a ChecksumError, and the database installed before
// is intact and still scans.
func TestUpdateChecksumMismatch(t *testing.T) {
	srv := vulndbtest.Serve(t, fixtureDB(t))
	dir := t.TempDir()
	first, err := update(t, dir, srv.URL, 0)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond) // grype stamps the build to the second
	srv.Publish(t, fixtureDB(t))
	srv.Tamper(time.Time{}, true)
	_, err = update(t, dir, srv.URL, 0)
	var ce *vulndb.ChecksumError
	if !errors.As(err, &ce) || !strings.HasPrefix(ce.Want, "sha256:") || ce.Got == ce.Want || srv.Archives.Load() != 2 {
		t.Fatalf("%v, want a ChecksumError after a second download", err)
	}
	_, _, st, err := vulndb.Match(context.Background(), fixtureSBOM(t), "flake.nix", vulndb.Options{Dir: dir, MaxAge: maxAge})
	if err != nil || !st.Built.Equal(first.Built) {
		t.Errorf("the previous database (built %v) after the failure: %+v, %v", first.Built, st, err)
	}
	if l := leftovers(t, dir); len(l) != 0 {
		t.Errorf("left in the directory: %v", l)
	}
}

// TestUpdateStale: a listing whose newest database is older than the
// maximum age is a StaleError naming the age, and nothing is downloaded.
func TestUpdateStale(t *testing.T) {
	srv := vulndbtest.Serve(t, fixtureDB(t))
	srv.Tamper(time.Now().Add(-10*24*time.Hour-time.Hour), false)
	dir := t.TempDir()
	_, err := update(t, dir, srv.URL, 0)
	var se *vulndb.StaleError
	if !errors.As(err, &se) || !se.Listed || se.MaxAge != maxAge || !strings.Contains(err.Error(), "built 10d1h") ||
		!strings.Contains(err.Error(), "maximum age of 5d") || srv.Archives.Load() != 0 {
		t.Fatalf("%v, want a StaleError naming the age, no download (%d)", err, srv.Archives.Load())
	}
	if _, err := os.Stat(filepath.Join(dir, "6")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("something was installed: %v", err)
	}
}

// TestUpdateFetchErrors: an unreachable distribution, a listing that is
// not one and a URL that is not http(s) are typed errors.
func TestUpdateFetchErrors(t *testing.T) {
	srv := vulndbtest.Serve(t, fixtureDB(t))
	gone := srv.URL
	for name, url := range map[string]string{
		"not found":   srv.Server.URL + "/elsewhere",
		"not listing": srv.Server.URL + "/databases/v6/none.json",
	} {
		var fe *vulndb.FetchError
		if _, err := update(t, t.TempDir(), url, 0); !errors.As(err, &fe) {
			t.Errorf("%s: %v, want a FetchError", name, err)
		}
	}
	var ue *httpclient.URLError
	if _, err := update(t, t.TempDir(), "file:///tmp/db", 0); !errors.As(err, &ue) {
		t.Errorf("file URL: %v, want a URLError", err)
	}
	srv.Close()
	var fe *vulndb.FetchError
	if _, err := update(t, t.TempDir(), gone, 0); !errors.As(err, &fe) || fe.URL != gone+"/v6/latest.json" {
		t.Errorf("unreachable: %v, want a FetchError naming the listing", err)
	}
}

// TestLock: while another process holds the directory's lock (here the
// test, with flock), an update waits and gives up when its context ends,
// and so does a scan while the lock is held to update.
func TestLock(t *testing.T) {
	dir := fixtureDB(t)
	f, err := os.OpenFile(filepath.Join(dir, ".nixops-scan.lock"), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err = vulndb.Update(ctx, vulndb.UpdateOptions{Dir: dir, URL: "http://127.0.0.1:9/databases", Client: http.DefaultClient, MaxAge: maxAge})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("update under another's lock: %v, want the deadline", err)
	}
	if _, _, _, err := vulndb.Match(ctx, fixtureSBOM(t), "flake.nix", vulndb.Options{Dir: dir, MaxAge: maxAge}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("scan under an update's lock: %v, want the deadline", err)
	}
	_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	if _, _, _, err := vulndb.Match(context.Background(), fixtureSBOM(t), "flake.nix", vulndb.Options{Dir: dir, MaxAge: maxAge}); err != nil {
		t.Errorf("scan once the lock is released: %v", err)
	}
}
