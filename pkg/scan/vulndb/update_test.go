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
	"github.com/voidnxsec/nixops-actions/pkg/httpclient/httpclienttest"
	"github.com/voidnxsec/nixops-actions/pkg/scan/vulndb"
)

const maxAge = 5 * 24 * time.Hour

// update retries as the action does, on a clock of its own.
func update(t *testing.T, dir, url string, every time.Duration) (*vulndb.UpdateResult, error) {
	t.Helper()
	return updateOn(httpclienttest.NewClock(time.Now()), dir, url, every)
}

// updateOn retries three times (four attempts) on clock, which records
// the waits instead of sleeping them.
func updateOn(clock *httpclienttest.Clock, dir, url string, every time.Duration) (*vulndb.UpdateResult, error) {
	return vulndb.Update(context.Background(), vulndb.UpdateOptions{Dir: dir, URL: url, Client: http.DefaultClient,
		Retry: httpclient.Retry{Retries: 3, Clock: clock}, MaxAge: maxAge, CheckInterval: every})
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
	clock := httpclienttest.NewClock(time.Now())
	_, err = updateOn(clock, dir, srv.URL, 0)
	var ce *vulndb.ChecksumError
	if !errors.As(err, &ce) || !strings.HasPrefix(ce.Want, "sha256:") || ce.Got == ce.Want || srv.Archives.Load() != 2 {
		t.Fatalf("%v, want a ChecksumError after a second download", err)
	}
	if w := clock.Waits(); len(w) != 0 {
		t.Errorf("a digest mismatch was retried, after waits %v", w)
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
	var gave *httpclient.GaveUpError
	if _, err := update(t, t.TempDir(), gone, 0); !errors.As(err, &fe) || fe.URL != gone+"/v6/latest.json" ||
		!errors.As(err, &gave) || gave.Attempts != 4 {
		t.Errorf("unreachable: %v, want a FetchError naming the listing after 4 attempts", err)
	}
}

// TestUpdateRetries: a listing or an archive answered with a 503 twice,
// a cut connection, or a 429 asking to wait, is fetched again, and the
// update installs the database; the other resource is fetched once. The
// waits are the backoff's (jittered between half and all of 500ms, then
// of 1s) or the one the server asked for.
func TestUpdateRetries(t *testing.T) {
	unavailable := vulndbtest.Failure{Code: http.StatusServiceUnavailable}
	tests := []struct {
		name     string
		resource vulndbtest.Resource
		fail     []vulndbtest.Failure
		waits    func(w []time.Duration) bool
	}{
		{"listing 503 twice", vulndbtest.Listing, []vulndbtest.Failure{unavailable, unavailable}, backoff},
		{"archive 503 twice", vulndbtest.Archive, []vulndbtest.Failure{unavailable, unavailable}, backoff},
		{"archive cut halfway", vulndbtest.Archive, []vulndbtest.Failure{{}}, func(w []time.Duration) bool {
			return len(w) == 1 && w[0] >= 250*time.Millisecond && w[0] <= 500*time.Millisecond
		}},
		{"listing 429 Retry-After", vulndbtest.Listing, []vulndbtest.Failure{{Code: http.StatusTooManyRequests, RetryAfter: "7"}},
			func(w []time.Duration) bool { return len(w) == 1 && w[0] == 7*time.Second }},
	}
	db := fixtureDB(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := vulndbtest.Serve(t, db)
			srv.Fail(tt.resource, tt.fail...)
			clock := httpclienttest.NewClock(time.Now())
			res, err := updateOn(clock, t.TempDir(), srv.URL, 0)
			if err != nil || !res.Downloaded {
				t.Fatalf("update: %+v, %v", res, err)
			}
			counts := map[vulndbtest.Resource]int32{vulndbtest.Listing: srv.Listings.Load(), vulndbtest.Archive: srv.Archives.Load()}
			for r, n := range counts {
				if want := int32(1) + int32(len(tt.fail))*boolInt(r == tt.resource); n != want {
					t.Errorf("resource %d requested %d times, want %d", r, n, want)
				}
			}
			if w := clock.Waits(); !tt.waits(w) {
				t.Errorf("waits %v", w)
			}
		})
	}
}

// backoff: two waits, the first of 250-500ms, the second of 500ms-1s.
func backoff(w []time.Duration) bool {
	return len(w) == 2 && w[0] >= 250*time.Millisecond && w[0] <= 500*time.Millisecond &&
		w[1] >= 500*time.Millisecond && w[1] <= time.Second
}

func boolInt(b bool) int32 {
	if b {
		return 1
	}
	return 0
}

// TestUpdateNotRetried: a 404 for the listing or the archive is asked
// once, without a wait, and is a FetchError carrying the answer; four
// 503s exhaust the retries, and the database installed before stays.
func TestUpdateNotRetried(t *testing.T) {
	db := fixtureDB(t)
	for _, r := range []vulndbtest.Resource{vulndbtest.Listing, vulndbtest.Archive} {
		srv := vulndbtest.Serve(t, db)
		srv.Fail(r, vulndbtest.Failure{Code: http.StatusNotFound})
		clock := httpclienttest.NewClock(time.Now())
		_, err := updateOn(clock, t.TempDir(), srv.URL, 0)
		var fe *vulndb.FetchError
		var se *httpclient.StatusError
		n := map[vulndbtest.Resource]int32{vulndbtest.Listing: srv.Listings.Load(), vulndbtest.Archive: srv.Archives.Load()}[r]
		if !errors.As(err, &fe) || !errors.As(err, &se) || se.Code != http.StatusNotFound || n != 1 || len(clock.Waits()) != 0 {
			t.Errorf("resource %d answering 404: %v, %d requests, waits %v", r, err, n, clock.Waits())
		}
	}

	srv := vulndbtest.Serve(t, db)
	dir := t.TempDir()
	first, err := update(t, dir, srv.URL, 0)
	if err != nil {
		t.Fatal(err)
	}
	unavailable := vulndbtest.Failure{Code: http.StatusServiceUnavailable}
	srv.Fail(vulndbtest.Listing, unavailable, unavailable, unavailable, unavailable)
	_, err = update(t, dir, srv.URL, 0)
	var gave *httpclient.GaveUpError
	if !errors.As(err, &gave) || gave.Attempts != 4 || srv.Listings.Load() != 5 {
		t.Fatalf("503 every time: %v, %d listings, want 4 attempts", err, srv.Listings.Load())
	}
	_, _, st, err := vulndb.Match(context.Background(), fixtureSBOM(t), "flake.nix", vulndb.Options{Dir: dir, MaxAge: maxAge})
	if err != nil || !st.Built.Equal(first.Built) {
		t.Errorf("the installed database after the retries ran out: %+v, %v", st, err)
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
