package vulndb

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	v6 "github.com/anchore/grype/grype/db/v6"
	v6dist "github.com/anchore/grype/grype/db/v6/distribution"
	v6inst "github.com/anchore/grype/grype/db/v6/installation"
	"github.com/mholt/archives"
	"github.com/wagoodman/go-progress"

	"github.com/voidnxsec/nixops-actions/pkg/httpclient"
)

// DefaultURL is where grype itself looks for databases (its
// distribution.DefaultConfig): the listing is <url>/v6/latest.json.
var DefaultURL = v6dist.DefaultConfig().LatestURL

// UpdateOptions say which directory to bring up to date, from where.
type UpdateOptions struct {
	// Dir is grype's database root, as in Options.
	Dir string
	// URL is the distribution: a base such as DefaultURL, or the listing
	// itself (a URL ending in .json), as grype accepts either.
	URL string
	// Client makes the requests; the caller gives it the runner's proxy.
	Client *http.Client
	// Retry retries the listing's fetch and the archive's download, each
	// on its own, after a connection error or cut, a 5xx or a 429; never
	// after another answer or a digest that is not the listing's. The
	// zero value tries once.
	Retry httpclient.Retry
	// MaxAge: a listed database built longer ago is not downloaded, and
	// the update fails with a *StaleError.
	MaxAge time.Duration
	// CheckInterval: within this time of the last successful check, a
	// valid installed database is used without reading the listing (0:
	// read it every time).
	CheckInterval time.Duration
}

// FetchError is a listing or an archive that could not be fetched or
// read. URL is redacted (a mirror's password never in a message).
type FetchError struct {
	URL string
	Err error
}

func (e *FetchError) Error() string { return fmt.Sprintf("fetching %s: %v", e.URL, e.Err) }
func (e *FetchError) Unwrap() error { return e.Err }

func fetchError(u string, err error) *FetchError { return &FetchError{httpclient.RedactURL(u), err} }

// ChecksumError is an archive whose digest is not the listing's: it is
// discarded, and the database installed before stays.
type ChecksumError struct {
	URL       string
	Want, Got string
}

func (e *ChecksumError) Error() string {
	return fmt.Sprintf("%s has digest %s, the listing says %s: discarded, the installed database is unchanged", e.URL, e.Got, e.Want)
}

// StaleError is a database built longer ago than allowed: the installed
// one, or the newest the listing offers (Listed).
type StaleError struct {
	Built       time.Time
	Age, MaxAge time.Duration
	Listed      bool
}

func (e *StaleError) Error() string {
	what := "the vulnerability database"
	if e.Listed {
		what = "the newest database the listing offers"
	}
	return fmt.Sprintf("%s was built %s ago (%s), longer than the maximum age of %s",
		what, roundAge(e.Age), e.Built.UTC().Format(time.RFC3339), roundAge(e.MaxAge))
}

// roundAge says an age as db-max-age is written: days and hours from two
// days on, else Go's duration to the second.
func roundAge(d time.Duration) string {
	if d < 48*time.Hour {
		return d.Round(time.Second).String()
	}
	d = d.Round(time.Hour)
	days, hours := d/(24*time.Hour), d%(24*time.Hour)/time.Hour
	if hours == 0 {
		return fmt.Sprintf("%dd", days)
	}
	return fmt.Sprintf("%dd%dh", days, hours)
}

// UpdateResult is the database installed after an update.
type UpdateResult struct {
	Status
	// Downloaded: a new archive was downloaded and installed.
	Downloaded bool
}

// Update brings the database in o.Dir up to date with grype's own
// installation code (its curator: hydration, import.json with the
// database's digest, the last-check file) and a distribution client of
// our own: grype's builds its http.Client itself (cleanhttp, reading the
// proxy from the process environment) and cannot be given one, so this
// one fetches the listing, downloads the archive and checks the listing's
// digest with o.Client. The archive is unpacked in a temporary directory
// beside the database and only a whole, verified, hydrated database
// replaces the installed one, under the directory's lock.
func Update(ctx context.Context, o UpdateOptions) (*UpdateResult, error) {
	listing, err := listingURL(o.URL)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return nil, &DBError{o.Dir, err}
	}
	unlock, err := lockDir(ctx, o.Dir, true)
	if err != nil {
		return nil, &DBError{o.Dir, err}
	}
	defer unlock()
	removeLeftovers(o.Dir)
	c := &distClient{ctx: ctx, http: o.Client, retry: o.Retry, listing: listing, maxAge: o.MaxAge}
	cur, err := v6inst.NewCurator(v6inst.Config{DBRootDir: o.Dir, ValidateAge: true, MaxAllowedBuiltAge: o.MaxAge,
		ValidateChecksum: true, UpdateCheckMaxFrequency: o.CheckInterval}, c)
	if err != nil {
		return nil, &DBError{o.Dir, err}
	}
	downloaded, err := cur.Update()
	// The curator wraps the client's errors with %w: ours come through
	// whole, the curator's own are the directory's.
	var stale *StaleError
	var sum *ChecksumError
	var fetch *FetchError
	switch {
	case errors.As(err, &stale):
		return nil, stale
	case errors.As(err, &sum):
		return nil, sum
	case errors.As(err, &fetch):
		return nil, fetch
	case err != nil:
		return nil, &DBError{o.Dir, err}
	}
	st, err := installed(o.Dir, o.MaxAge)
	if err != nil {
		return nil, err
	}
	return &UpdateResult{Status: *st, Downloaded: downloaded}, nil
}

// listingURL is the listing's URL, as grype's client makes it: a URL
// ending in .json is the listing, any other is the base of
// <base>/v6/latest.json.
func listingURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, &httpclient.URLError{URL: httpclient.RedactURL(raw), Reason: "want http(s)://host/path, the distribution's base or its latest.json"}
	}
	if !strings.HasSuffix(u.Path, ".json") {
		u = u.JoinPath(fmt.Sprintf("v%d", v6.ModelVersion), v6dist.LatestFileName)
	}
	return u, nil
}

// installed is the database in dir, checked for presence and age.
func installed(dir string, maxAge time.Duration) (*Status, error) {
	d, err := v6.ReadDescription(filepath.Join(dir, fmt.Sprint(v6.ModelVersion), v6.VulnerabilityDBFileName))
	if err == nil && d == nil {
		err = errors.New("no database")
	}
	if err != nil {
		return nil, &DBError{dir, err}
	}
	if age := time.Since(d.Built.Time); maxAge > 0 && age > maxAge {
		return nil, &StaleError{Built: d.Built.Time, Age: age, MaxAge: maxAge}
	}
	return &Status{Built: d.Built.Time, SchemaVersion: d.SchemaVersion.String()}, nil
}

// distClient is grype's distribution.Client over a given http.Client.
// The interface has no context: each client serves one Update.
type distClient struct {
	ctx      context.Context
	http     *http.Client
	retry    httpclient.Retry
	listing  *url.URL
	maxAge   time.Duration
	checksum string // the archive's, from the listing
}

var _ v6dist.Client = (*distClient)(nil)

// fetch GETs u and hands the body of a 2xx answer to read, retrying
// both under c.retry, so that a connection cut in the middle of a body is
// retried like a refused one: read starts over at each call. The error
// is a *FetchError, or the error of a write to disk that read wrapped in
// a *diskError.
func (c *distClient) fetch(u string, read func(body io.Reader) error) error {
	err := c.retry.Do(c.ctx, func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return err
		}
		resp, err := c.http.Do(req)
		if err != nil {
			return err
		}
		if err := httpclient.CheckResponse(resp); err != nil {
			return err
		}
		defer resp.Body.Close()
		return read(resp.Body)
	})
	var disk *diskError
	switch {
	case errors.As(err, &disk):
		return disk.err
	case err != nil:
		return fetchError(u, err)
	}
	return nil
}

// diskError is a failure to write a download, which no retry fixes: it
// is never retried, and is returned as itself, not as the URL's fetch
// error.
type diskError struct{ err error }

func (e *diskError) Error() string { return e.err.Error() }

// diskWriter tells its write errors from the body's read errors.
type diskWriter struct{ w io.Writer }

func (d diskWriter) Write(p []byte) (int, error) {
	n, err := d.w.Write(p)
	if err != nil {
		err = &diskError{err}
	}
	return n, err
}

// Latest reads the listing with grype's decoder.
func (c *distClient) Latest() (*v6dist.LatestDocument, error) {
	var doc *v6dist.LatestDocument
	err := c.fetch(c.listing.String(), func(body io.Reader) error {
		var err error
		doc, err = v6dist.NewLatestFromReader(httpclient.LimitBody(body, 1<<20))
		if err == nil && doc == nil {
			err = errors.New("an empty listing")
		}
		return err
	})
	return doc, err
}

// IsUpdateAvailable is the listed archive when it is newer than the
// installed database (none counts as oldest), and not too old itself.
func (c *distClient) IsUpdateAvailable(current *v6.Description) (*v6dist.Archive, error) {
	doc, err := c.Latest()
	if err != nil {
		return nil, err
	}
	if doc.SchemaVersion.Model != v6.ModelVersion {
		return nil, fetchError(c.listing.String(), fmt.Errorf("the listing offers schema %s, this scan reads v%d", doc.SchemaVersion, v6.ModelVersion))
	}
	if current != nil && !doc.Built.After(current.Built.Time) {
		return nil, nil
	}
	if age := time.Since(doc.Built.Time); c.maxAge > 0 && age > c.maxAge {
		return nil, &StaleError{Built: doc.Built.Time, Age: age, MaxAge: c.maxAge, Listed: true}
	}
	return &doc.Archive, nil
}

// ResolveArchiveURL is the archive's path beside the listing, as grype
// resolves it: never on another host.
func (c *distClient) ResolveArchiveURL(a v6dist.Archive) (string, error) {
	u := *c.listing
	u.Path = path.Join(path.Dir(u.Path), path.Clean("/"+a.Path))
	u.RawPath = ""
	c.checksum = a.Checksum
	return u.String(), nil
}

// Download fetches the archive beside dest, checks its digest against the
// listing's and unpacks it into a new directory under dest, which the
// curator then hydrates and swaps in. Nothing is left behind on failure.
func (c *distClient) Download(archiveURL, dest string, prog *progress.Manual) (string, error) {
	defer prog.SetCompleted()
	algo, want, ok := strings.Cut(c.checksum, ":")
	if !ok || algo != "sha256" {
		return "", fetchError(archiveURL, fmt.Errorf("the listing's checksum %q is not sha256:<hex>", c.checksum))
	}
	archive, err := os.CreateTemp(dest, "download-*-"+path.Base(archiveURL))
	if err != nil {
		return "", err
	}
	defer os.Remove(archive.Name())
	defer archive.Close()
	sum := sha256.New()
	err = c.fetch(archiveURL, func(body io.Reader) error {
		sum.Reset()
		if err := archive.Truncate(0); err != nil {
			return &diskError{err}
		}
		if _, err := archive.Seek(0, io.SeekStart); err != nil {
			return &diskError{err}
		}
		_, err := io.Copy(io.MultiWriter(diskWriter{archive}, sum), body)
		return err
	})
	if err != nil {
		return "", err
	}
	if got := hex.EncodeToString(sum.Sum(nil)); got != strings.ToLower(want) {
		return "", &ChecksumError{URL: httpclient.RedactURL(archiveURL), Want: c.checksum, Got: "sha256:" + got}
	}
	dir, err := os.MkdirTemp(dest, "download-")
	if err != nil {
		return "", err
	}
	if err := unpack(c.ctx, archive, dir); err != nil {
		_ = os.RemoveAll(dir)
		return "", fetchError(archiveURL, fmt.Errorf("unpacking: %w", err))
	}
	return dir, nil
}

// unpack extracts the regular files of archive (any format grype's own
// unpacking identifies: tar.zst for grype's listing) into dir, through
// an os.Root so that no name leaves it.
func unpack(ctx context.Context, archive *os.File, dir string) error {
	if _, err := archive.Seek(0, io.SeekStart); err != nil {
		return err
	}
	format, stream, err := archives.Identify(ctx, archive.Name(), archive)
	if err != nil {
		return err
	}
	ex, ok := format.(archives.Extractor)
	if !ok {
		return fmt.Errorf("%s is not an archive format", format.Extension())
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	return ex.Extract(ctx, stream, func(_ context.Context, f archives.FileInfo) error {
		if !f.Mode().IsRegular() {
			return nil
		}
		r, err := f.Open()
		if err != nil {
			return err
		}
		defer r.Close()
		w, err := root.Create(path.Clean(f.NameInArchive))
		if err != nil {
			return err
		}
		if _, err := io.Copy(w, r); err != nil {
			w.Close()
			return err
		}
		return w.Close()
	})
}
