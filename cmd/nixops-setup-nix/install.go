package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"runtime"

	"github.com/voidnxsec/nixops-actions/pkg/action"
	"github.com/voidnxsec/nixops-actions/pkg/httpclient"
	"github.com/voidnxsec/nixops-actions/pkg/nixinstall"
	setupnix "github.com/voidnxsec/nixops-actions/setup-nix"
)

var sha256RE = regexp.MustCompile(`^[0-9a-f]{64}$`)

// install puts the official release on a machine without Nix.
func install(ctx context.Context, a *action.Action, cfg config, rc *action.Context, r *result) (*nixinstall.Nix, error) {
	system, err := nixinstall.System(runtime.GOOS, runtime.GOARCH)
	if err != nil {
		return nil, err
	}
	version, want, err := pick(cfg, system)
	if err != nil {
		return nil, err
	}
	work, err := os.MkdirTemp(rc.RunnerTemp, "setup-nix-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)
	_, err = os.Stat("/run/systemd/system") // what sd_booted checks
	args := nixinstall.InstallArgs(err == nil, runtime.GOOS)
	home := a.Getenv("HOME")
	a.Infof("installing Nix %s for %s from %s (SHA-256 %s), installer %v", version, system, cfg.releaseURL, want, args)
	end := a.Group("Nix installer")
	out := logLines(a)
	t, err := nixinstall.Install(ctx, nixinstall.Request{
		Client: downloadClient(a), BaseURL: cfg.releaseURL,
		Version: version, System: system, SHA256: want, WorkDir: work, Args: args,
		Env: append(os.Environ(), "HOME="+home), Out: out,
	})
	out.Close()
	end()
	r.timings = append(r.timings, timing{"download", t.Download}, timing{"unpack", t.Unpack}, timing{"installer", t.Install})
	if err != nil {
		return nil, err
	}
	nix, err := nixinstall.Find(ctx, []string{nixinstall.BinDir(args, home)})
	if err != nil {
		return nil, fmt.Errorf("the installer finished, but: %w", err)
	}
	return nix, exportCerts(a)
}

// downloadClient goes through the runner's proxy (HTTPS_PROXY, NO_PROXY
// read through the action's getenv) and never from https to http.
func downloadClient(a *action.Action) *http.Client {
	tr, _ := httpclient.NewTransport(httpclient.Options{Proxy: httpclient.ProxyFromEnv(a.Getenv)}) // no CA file: cannot fail
	return &http.Client{Transport: tr, CheckRedirect: httpclient.RefuseDowngrade}
}

// pick is the version to install and the hash it must have: the table's,
// or the one the inputs give for a version the table lacks (never both
// disagreeing).
func pick(cfg config, system string) (version, sha string, err error) {
	table, err := nixinstall.ParseTable(setupnix.VersionsJSON)
	if err != nil {
		return "", "", err
	}
	version = cfg.version
	if version == "" {
		if version = table.Newest(); version == "" {
			return "", "", &action.InputError{Input: "nix-version", Err: errors.New("is empty and the verified release table has no version for every system yet"),
				Accepted: "a release number such as 2.34.8, with its published SHA-256 in nix-sha256"}
		}
	}
	known, err := table.SHA256(version, system)
	switch {
	case cfg.sha256 != "" && !sha256RE.MatchString(cfg.sha256):
		return "", "", &action.InputError{Input: "nix-sha256", Err: fmt.Errorf("%q is not a SHA-256", cfg.sha256), Accepted: "64 lower-case hex digits"}
	case cfg.sha256 != "" && known != "" && known != cfg.sha256:
		return "", "", &action.InputError{Input: "nix-sha256", Err: fmt.Errorf("%s differs from the verified %s for Nix %s on %s", cfg.sha256, known, version, system)}
	case cfg.sha256 != "":
		return version, cfg.sha256, nil
	case err != nil:
		return "", "", &action.InputError{Input: "nix-version", Err: err, Accepted: "a verified version, or give the release's published SHA-256 in nix-sha256"}
	}
	return version, known, nil
}

// exportCerts points Nix at the machine's CA bundle, as the installer's
// profile scripts would in a login shell, which steps do not run.
func exportCerts(a *action.Action) error {
	if a.Getenv("NIX_SSL_CERT_FILE") != "" {
		return nil
	}
	for _, f := range []string{"/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/cert.pem",
		"/nix/var/nix/profiles/default/etc/ssl/certs/ca-bundle.crt"} {
		if _, err := os.Stat(f); err == nil {
			return a.ExportVariable("NIX_SSL_CERT_FILE", f)
		}
	}
	a.Warningf("no CA bundle found for NIX_SSL_CERT_FILE: Nix may fail to verify HTTPS servers")
	return nil
}

// logLines hands the installer's output to the log a line at a time, so a
// line that looks like a workflow command commands nothing.
func logLines(a *action.Action) io.WriteCloser {
	pr, pw := io.Pipe()
	done := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			a.Infof("%s", sc.Text())
		}
		_, _ = io.Copy(io.Discard, pr)
		close(done)
	}()
	return closer{pw, done}
}

type closer struct {
	*io.PipeWriter
	done chan struct{}
}

func (c closer) Close() error {
	err := c.PipeWriter.Close()
	<-c.done
	return err
}
