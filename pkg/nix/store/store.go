// Package store runs the Nix command-line client and parses what it prints,
// hiding the differences between Nix versions (2.8 to 2.34) behind one API.
package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"

	"github.com/voidnxsec/nixops-actions/pkg/nix/storepath"
)

// DefaultBatch bounds the paths passed to one Nix process: far below
// Linux's argument limit (~2 MiB) even with long store paths.
const DefaultBatch = 2000

// Errors a caller may want to explain; each comes wrapped with details.
var (
	// ErrNixMissing: the nix binary cannot be found.
	ErrNixMissing = errors.New("nix is not installed or not on PATH")
	// ErrImportFromDerivation: evaluating the installable would build
	// something first (import from derivation), which this package never
	// lets an evaluation do.
	ErrImportFromDerivation = errors.New("evaluating it needs a build first (import from derivation), which is turned off")
	// ErrNotValid: a store path is not in the store.
	ErrNotValid = errors.New("not a valid path in the store")
	// ErrNoDeriver: a store path has no recorded deriver (it was added or
	// copied without one).
	ErrNoDeriver = errors.New("no known deriver")
)

// Store runs Nix commands against one store. It is safe for concurrent use.
type Store struct {
	nix      string
	storeURI string // --store, "" for Nix's own choice
	getenv   func(string) string
	loc      storepath.Location
	options  []string
	env      []string
	stderr   io.Writer
	batch    int
	noFiles  bool

	once    sync.Once
	version Version
	verErr  error

	noDB   bool
	report func(Source)
	dbMu   sync.Mutex
	dbs    dbState

	// prefetchDrvs asks for .drv files to be read during closure queries;
	// prefetched holds the last such reading, under mu.
	prefetchDrvs bool
	mu           sync.Mutex
	prefetched   *prefetch
}

// Option configures a Store.
type Option func(*Store)

// WithNix names the nix binary, or the directory holding it.
func WithNix(binOrDir string) Option {
	return func(s *Store) {
		if !strings.HasSuffix(binOrDir, "/nix") && filepath.Base(binOrDir) != "nix" {
			binOrDir = filepath.Join(binOrDir, "nix")
		}
		s.nix = binOrDir
	}
}

// WithStore passes `--store X`: a directory (a chroot store) or a store URI.
// A `local?store=DIR` URI moves the store directory, which StoreDir reports.
func WithStore(uri string) Option { return func(s *Store) { s.storeURI = uri } }

// WithGetenv tells the Store the environment Nix runs in, so that without
// WithStore it knows the store Nix picks by itself: NIX_REMOTE, the store
// setting of nix.conf (found through NIX_CONF_DIR, NIX_USER_CONF_FILES and
// the XDG variables) and NIX_CONFIG, and NIX_STORE_DIR. Without it the
// Store assumes Nix's defaults. Nix processes inherit the process
// environment (or WithEnv's), which getenv should describe.
func WithGetenv(getenv func(string) string) Option { return func(s *Store) { s.getenv = getenv } }

// WithOptions passes `--option k v` for each key, value pair.
func WithOptions(kv ...string) Option {
	return func(s *Store) {
		for i := 0; i+1 < len(kv); i += 2 {
			s.options = append(s.options, "--option", kv[i], kv[i+1])
		}
	}
}

// WithEnv sets the environment of Nix processes (default: inherited). It
// also stands for WithGetenv when that is not given.
func WithEnv(env []string) Option { return func(s *Store) { s.env = env } }

// WithStderr copies Nix's stderr (build logs, warnings) to w as it comes.
func WithStderr(w io.Writer) Option { return func(s *Store) { s.stderr = w } }

// WithBatch bounds the paths given to one Nix process (default DefaultBatch).
func WithBatch(n int) Option {
	return func(s *Store) {
		if n > 0 {
			s.batch = n
		}
	}
}

// WithoutDrvFiles has Nix print every derivation instead of reading .drv
// files from disk; for comparing the two ways, or a store whose files are
// not to be trusted.
func WithoutDrvFiles() Option { return func(s *Store) { s.noFiles = true } }

// New returns a Store; nothing runs until the first query.
func New(opts ...Option) *Store {
	s := &Store{nix: "nix", batch: DefaultBatch}
	for _, o := range opts {
		o(s)
	}
	s.loc = storepath.Locate(s.settings())
	return s
}

// settings gathers what selects the store, as Nix will see it.
func (s *Store) settings() storepath.Settings {
	var set storepath.Settings
	if getenv := s.getenv; getenv != nil {
		set = storepath.SettingsFrom(getenv)
	} else if s.env != nil {
		set = storepath.SettingsFrom(lookup(s.env))
	}
	set.Flag = s.storeURI
	// `--option store X` comes after --store on the command line and wins.
	for i := 0; i+2 < len(s.options); i += 3 {
		if s.options[i+1] == "store" {
			set.Flag = s.options[i+2]
		}
	}
	return set
}

// lookup is getenv over an environment list, the last entry of a name
// winning, as os/exec passes it on.
func lookup(env []string) func(string) string {
	return func(k string) string {
		for i := len(env) - 1; i >= 0; i-- {
			if v, ok := strings.CutPrefix(env[i], k+"="); ok {
				return v
			}
		}
		return ""
	}
}

// StoreDir is the logical store directory that store paths start with.
func (s *Store) StoreDir() string { return s.loc.StoreDir }

// Location says where the store keeps the files of its paths, for readers
// that go to the files rather than through Nix.
func (s *Store) Location() storepath.Location { return s.loc }

// Version runs `nix --version` once and remembers the answer.
func (s *Store) Version(ctx context.Context) (Version, error) {
	s.once.Do(func() {
		var out []byte
		out, s.verErr = s.exec(ctx, []string{"--version"})
		if s.verErr == nil {
			s.version, s.verErr = ParseVersion(string(out))
		}
	})
	return s.version, s.verErr
}

// CmdError is a failed Nix command with what Nix said about it.
type CmdError struct {
	Args   []string
	Stderr string
	Err    error
}

func (e *CmdError) Error() string {
	msg := fmt.Sprintf("%s: %v", shortCmd(e.Args), e.Err)
	if e.Stderr != "" {
		msg += ": " + e.Stderr
	}
	return msg
}

func (e *CmdError) Unwrap() error { return e.Err }

// shortCmd renders a command line, eliding the tail of long path lists.
func shortCmd(args []string) string {
	const keep = 12
	if len(args) <= keep {
		return strings.Join(args, " ")
	}
	return fmt.Sprintf("%s … (%d more arguments)", strings.Join(args[:keep], " "), len(args)-keep)
}

// tailString keeps the end of Nix's stderr, where the error is.
func tailString(b []byte, n int) string {
	s := strings.TrimSpace(string(b))
	if len(s) > n {
		s = "…" + s[len(s)-n:]
	}
	return s
}

// run executes nix with the common flags and sub-command args.
func (s *Store) run(ctx context.Context, args ...string) ([]byte, error) {
	full := []string{"--extra-experimental-features", "nix-command flakes"}
	if s.storeURI != "" {
		full = append(full, "--store", s.storeURI)
	}
	full = append(full, s.options...)
	return s.exec(ctx, append(full, args...))
}

func (s *Store) exec(ctx context.Context, args []string) ([]byte, error) {
	return s.execBin(ctx, s.nix, args)
}

// sibling is another program of the Nix installation (e.g. nix-store).
func (s *Store) sibling(name string) string {
	if !strings.Contains(s.nix, "/") {
		return name
	}
	return filepath.Join(filepath.Dir(s.nix), name)
}

func (s *Store) execBin(ctx context.Context, bin string, args []string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = s.env
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	if s.stderr != nil {
		cmd.Stderr = io.MultiWriter(&stderr, s.stderr)
	}
	err := cmd.Run()
	if errors.Is(err, exec.ErrNotFound) || errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w (looked for %q)", ErrNixMissing, bin)
	}
	if err != nil {
		return nil, &CmdError{Args: append([]string{bin}, args...), Stderr: tailString(stderr.Bytes(), 4000), Err: err}
	}
	return stdout.Bytes(), nil
}
