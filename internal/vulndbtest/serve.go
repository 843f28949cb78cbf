package vulndbtest

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	v6 "github.com/anchore/grype/grype/db/v6"
	v6dist "github.com/anchore/grype/grype/db/v6/distribution"
	"github.com/mholt/archives"
)

// Server is a local grype database distribution: the listing
// (<URL>/v6/latest.json, written with grype's own LatestDocument) and
// the tar.zst archive it names, made from a database Build wrote, so an
// update is tested against the real formats without the Internet.
type Server struct {
	*httptest.Server
	// URL is the distribution's base, what grype calls its update URL.
	URL string
	// Listings and Archives count the requests of each.
	Listings, Archives atomic.Int32

	mu       sync.Mutex
	doc      v6dist.LatestDocument
	archive  []byte
	failures map[Resource][]Failure
}

// Resource is one of the two things a distribution serves.
type Resource int

const (
	Listing Resource = iota
	Archive
)

// Failure is an answer the server gives instead of a resource.
type Failure struct {
	// Code is the status answered; 0 sends the resource's headers and
	// half its body, then cuts the connection.
	Code int
	// RetryAfter is the answer's Retry-After header, if not empty.
	RetryAfter string
}

// Fail answers the next len(fs) requests for r with fs, in order, then
// serves r again. Failed requests are counted like served ones.
func (s *Server) Fail(r Resource, fs ...Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failures == nil {
		s.failures = map[Resource][]Failure{}
	}
	s.failures[r] = append(s.failures[r], fs...)
}

// serve writes data, or the next failure queued for r.
func (s *Server) serve(w http.ResponseWriter, r Resource, data []byte) {
	s.mu.Lock()
	fs := s.failures[r]
	if len(fs) == 0 {
		s.mu.Unlock()
		_, _ = w.Write(data)
		return
	}
	f := fs[0]
	s.failures[r] = fs[1:]
	s.mu.Unlock()
	if f.Code != 0 {
		if f.RetryAfter != "" {
			w.Header().Set("Retry-After", f.RetryAfter)
		}
		http.Error(w, "injected failure", f.Code)
		return
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	_, _ = w.Write(data[:len(data)/2])
	// Aborting the handler closes the connection short of Content-Length.
	panic(http.ErrAbortHandler)
}

// Serve archives the database in root (as Build left it) and serves it.
func Serve(t testing.TB, root string) *Server {
	t.Helper()
	s := &Server{}
	s.Publish(t, root)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /databases/v6/latest.json", func(w http.ResponseWriter, _ *http.Request) {
		s.Listings.Add(1)
		var buf bytes.Buffer
		s.mu.Lock()
		err := s.doc.Write(&buf)
		s.mu.Unlock()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		s.serve(w, Listing, buf.Bytes())
	})
	mux.HandleFunc("GET /databases/v6/{name}", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		name, data := s.doc.Path, s.archive
		s.mu.Unlock()
		if r.PathValue("name") != name {
			http.NotFound(w, r)
			return
		}
		s.Archives.Add(1)
		s.serve(w, Archive, data)
	})
	s.Server = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	s.URL = s.Server.URL + "/databases"
	return s
}

// Publish makes the database in root the listed one, named and
// checksummed as grype's publisher does (distribution.NewArchive).
func (s *Server) Publish(t testing.TB, root string) {
	t.Helper()
	dbFile := filepath.Join(root, strconv.Itoa(v6.ModelVersion), v6.VulnerabilityDBFileName)
	d, err := v6.ReadDescription(dbFile)
	if err != nil || d == nil {
		t.Fatalf("reading %s: %v", dbFile, err)
	}
	files, err := archives.FilesFromDisk(t.Context(), nil, map[string]string{dbFile: v6.VulnerabilityDBFileName})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	format := archives.CompressedArchive{Compression: archives.Zstd{}, Archival: archives.Tar{}}
	if err := format.Archive(t.Context(), &buf, files); err != nil {
		t.Fatal(err)
	}
	name := filepath.Join(t.TempDir(), "vulnerability-db_"+d.SchemaVersion.String()+"_"+d.Built.UTC().Format("2006-01-02T15:04:05Z")+"_"+
		strconv.FormatInt(d.Built.Unix(), 10)+".tar.zst")
	if err := os.WriteFile(name, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	a, err := v6dist.NewArchive(name, d.Built.Time, d.SchemaVersion.Model, d.SchemaVersion.Revision, d.SchemaVersion.Addition)
	if err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.doc = v6dist.LatestDocument{Status: v6dist.LifecycleStatus, Archive: *a}
	s.archive = buf.Bytes()
}

// Tamper changes what is served after Publish: the listing's built time,
// or the archive's bytes (so its checksum no longer matches).
func (s *Server) Tamper(built time.Time, corrupt bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !built.IsZero() {
		s.doc.Built = v6.Time{Time: built}
	}
	if corrupt {
		s.archive = append(bytes.Clone(s.archive[:len(s.archive)-1]), s.archive[len(s.archive)-1]^0xff)
	}
}
