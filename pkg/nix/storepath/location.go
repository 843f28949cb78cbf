package storepath

import (
	"cmp"
	"net/url"
	"path/filepath"
	"strings"
)

// Settings are what decides which store Nix opens, as the caller read
// them from Nix's command line, environment and configuration.
type Settings struct {
	// Flag is the --store option; "" when not given.
	Flag string
	// Config is the store setting of nix.conf or NIX_CONFIG; nil when
	// neither sets it.
	Config *string
	// Remote is NIX_REMOTE, the default of the store setting.
	Remote string
	// StoreDir is NIX_STORE_DIR, the default store directory; "" for
	// DefaultStoreDir.
	StoreDir string
	// StateDir is NIX_STATE_DIR, the default state directory of a local
	// store without a root; "" for DefaultStateDir.
	StateDir string
}

// DefaultStateDir is where Nix keeps the state of the machine's store
// (its database in db/) unless NIX_STATE_DIR or the store says otherwise.
const DefaultStateDir = "/nix/var/nix"

// URI is the store Nix opens: --store, else the store setting, else
// NIX_REMOTE, else "auto" (Nix's order: NIX_REMOTE is only the setting's
// default, so nix.conf wins over it).
func (s Settings) URI() string {
	switch {
	case s.Flag != "":
		return s.Flag
	case s.Config != nil:
		return *s.Config
	case s.Remote != "":
		return s.Remote
	}
	return "auto"
}

// Location is where a store keeps the files of its store paths.
type Location struct {
	URI      string // the store Nix opens
	StoreDir string // the logical directory store paths are named in
	// RealDir is the directory holding them on this machine; "" when
	// only Nix can reach them (ssh, binary caches, unknown store types).
	RealDir string
	// Root is the root directory of a chroot store (DIR, local?root=DIR),
	// absolute; "" for other stores.
	Root string
	// StateDir is the state directory of a store on this machine, which
	// holds its database: the state= setting, else ROOT/nix/var/nix for a
	// chroot store, else NIX_STATE_DIR or DefaultStateDir (the daemon's
	// too: the client finds its socket there). "" for stores only Nix
	// reaches.
	StateDir string
}

// Locate answers where the store that s selects keeps its files:
//   - auto, daemon, unix://…: the local store, read where paths are named.
//     (When auto falls back to a store under ~/.local/share/nix/root, the
//     files are not found there and callers ask Nix instead.)
//   - DIR (any spec with a slash and no "://", relative to the working
//     directory as Nix takes it), local?root=DIR, local://DIR: a chroot
//     store, /nix/store/x is DIR/nix/store/x.
//   - real=DIR in the query: the store paths are in DIR.
//   - store=DIR in the query moves the logical store directory; paths are
//     then read there, unless a root is given too, where Nix's rules
//     differ between versions and only Nix is asked.
//
// Files at the answer are sound whichever store Nix reads: a store path
// is named after its contents, so any file at that path holds the same.
func Locate(s Settings) Location {
	uri := s.URI()
	loc := Location{URI: uri, StoreDir: DefaultStoreDir}
	if s.StoreDir != "" {
		loc.StoreDir = filepath.Clean(s.StoreDir)
	}
	kind, query, _ := strings.Cut(uri, "?")
	params, err := url.ParseQuery(query)
	if err != nil {
		return loc
	}
	if d := params.Get("store"); d != "" {
		loc.StoreDir = filepath.Clean(d)
	}
	switch {
	case kind == "daemon" || strings.HasPrefix(kind, "unix://"):
		loc.RealDir = loc.StoreDir
		loc.StateDir = filepath.Clean(cmp.Or(s.StateDir, DefaultStateDir))
		return loc
	case kind == "" || kind == "auto" || kind == "local":
		loc.Root = absDir(params.Get("root"))
	case strings.HasPrefix(kind, "local://"):
		// Nix 2.2x renders a DIR store as local://DIR.
		loc.Root = absDir(cmp.Or(params.Get("root"), kind[len("local://"):]))
	case !strings.Contains(kind, "://") && strings.Contains(kind, "/"):
		loc.Root = absDir(kind)
	default:
		return loc
	}
	loc.RealDir = localDir(loc.StoreDir, loc.Root, params.Get("real"))
	loc.StateDir = stateDir(loc.Root, s.StateDir, params.Get("state"))
	return loc
}

// stateDir is the state directory of a local store, as Nix's
// LocalFSStoreConfig defaults it (libstore/local-fs-store.hh).
func stateDir(root, env, state string) string {
	switch {
	case state != "":
		return absDir(state)
	case root != "":
		return filepath.Join(root, DefaultStateDir)
	}
	return filepath.Clean(cmp.Or(env, DefaultStateDir))
}

// localDir is where a local store with this (absolute) root and real
// setting keeps storeDir's paths.
func localDir(storeDir, root, real string) string {
	switch {
	case real != "":
		return absDir(real)
	case root == "":
		return storeDir
	case storeDir != DefaultStoreDir:
		return ""
	}
	return filepath.Join(root, DefaultStoreDir)
}

// absDir makes dir absolute as Nix does, against the working directory;
// "" stays "".
func absDir(dir string) string {
	if dir == "" {
		return ""
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return ""
	}
	return abs
}

// File returns where the file of store path p (or of a path below one)
// is on this machine; false when p is not in the store directory or the
// store's files are out of reach.
func (l Location) File(p string) (string, bool) {
	rest, ok := strings.CutPrefix(p, l.StoreDir+"/")
	if !ok || l.RealDir == "" {
		return "", false
	}
	return l.RealDir + "/" + rest, true
}
