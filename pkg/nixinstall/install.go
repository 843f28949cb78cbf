package nixinstall

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/voidnxsec/nixops-actions/pkg/httpclient"
)

// Request is one install from a release host.
type Request struct {
	// Client makes the download: httpclient.NewTransport's, with the
	// caller's proxy.
	Client          *http.Client
	BaseURL         string // the release host's /nix directory
	Version, System string
	SHA256          string // the published hash of the tarball
	WorkDir         string // scratch space, removed by the caller
	Args, Env       []string
	Out             io.Writer // the installer's output
	Attempts        int       // download attempts in all (default 4)
	// Clock times the waits between attempts; nil is the real one.
	Clock httpclient.Clock
}

// Timings split an install into its phases.
type Timings struct {
	Download, Unpack, Install time.Duration
	Bytes                     int64
}

// Install downloads the tarball, verifies it, unpacks it and runs its
// installer, in that order: a failure at any step stops before the next,
// so an unverified or unsafe tarball never runs.
func Install(ctx context.Context, r Request) (Timings, error) {
	var t Timings
	if r.Attempts == 0 {
		r.Attempts = 4
	}
	file := filepath.Join(r.WorkDir, "nix.tar.xz")
	start := time.Now()
	retry := httpclient.Retry{Retries: r.Attempts - 1, First: time.Second, MaxRetryAfter: time.Minute, Clock: r.Clock}
	n, err := Download(ctx, r.Client, TarballURL(r.BaseURL, r.Version, r.System), r.SHA256, file, retry)
	t.Download, t.Bytes = time.Since(start), n
	if err != nil {
		return t, err
	}
	start = time.Now()
	dir := filepath.Join(r.WorkDir, "unpack")
	if err := os.Mkdir(dir, 0o755); err != nil {
		return t, err
	}
	err = Unpack(file, dir)
	t.Unpack = time.Since(start)
	if err != nil {
		return t, err
	}
	start = time.Now()
	err = RunInstaller(ctx, Layout(dir, r.Version, r.System), r.Args, r.Env, r.Out)
	t.Install = time.Since(start)
	return t, err
}
