package storepath_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/voidnxsec/nixops-actions/pkg/nix/storepath"
)

func TestSettingsURI(t *testing.T) {
	conf, empty := "ssh://conf", ""
	tests := []struct {
		name string
		s    storepath.Settings
		want string
	}{
		{"nothing", storepath.Settings{}, "auto"},
		{"NIX_REMOTE", storepath.Settings{Remote: "/r"}, "/r"},
		// NIX_REMOTE is only the default of the store setting.
		{"nix.conf over NIX_REMOTE", storepath.Settings{Config: &conf, Remote: "/r"}, "ssh://conf"},
		{"store = (empty) over NIX_REMOTE", storepath.Settings{Config: &empty, Remote: "/r"}, ""},
		{"--store over all", storepath.Settings{Flag: "/f", Config: &conf, Remote: "/r"}, "/f"},
	}
	for _, tt := range tests {
		if got := tt.s.URI(); got != tt.want {
			t.Errorf("%s: URI() = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestLocate(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	const std = storepath.DefaultStoreDir
	tests := []struct {
		uri, storeDirEnv  string
		storeDir, realDir string
	}{
		{"auto", "", std, std},
		{"", "", std, std},
		{"daemon", "", std, std},
		{"unix:///run/nix/socket", "", std, std},
		{"local", "", std, std},
		{"/tmp/chroot", "", std, "/tmp/chroot/nix/store"},
		{"/tmp/chroot/", "", std, "/tmp/chroot/nix/store"},
		{"./rel/store", "", std, filepath.Join(wd, "rel/store/nix/store")},
		{"rel/store", "", std, filepath.Join(wd, "rel/store/nix/store")},
		{"local?root=/tmp/chroot", "", std, "/tmp/chroot/nix/store"},
		{"local?root=rel", "", std, filepath.Join(wd, "rel/nix/store")},
		{"local://?root=/tmp/chroot", "", std, "/tmp/chroot/nix/store"},
		{"local:///tmp/chroot", "", std, "/tmp/chroot/nix/store"},
		{"local://", "", std, std},
		{"local?root=/", "", std, std},
		{"local?store=/s&state=/v&log=/l", "", "/s", "/s"},
		{"local?store=/s/", "", "/s", "/s"},
		{"local?real=/elsewhere", "", std, "/elsewhere"},
		{"auto", "/opt/store", "/opt/store", "/opt/store"},
		// Nix's versions disagree on where a root and a moved store meet.
		{"local?root=/r&store=/s", "", "/s", ""},
		{"ssh://host", "", std, ""},
		{"ssh-ng://host?store=/s", "", "/s", ""},
		{"https://cache.nixos.org", "", std, ""},
		{"file:///tmp/cache", "", std, ""},
		{"s3://bucket", "", std, ""},
		{"nosuchword", "", std, ""},
		{"local?root=%zz", "", std, ""},
	}
	for _, tt := range tests {
		loc := storepath.Locate(storepath.Settings{Flag: tt.uri, StoreDir: tt.storeDirEnv})
		// A chroot store's root is where its /nix/store is.
		if root := filepath.Join(loc.Root, std); loc.Root != "" && loc.RealDir != "" && root != loc.RealDir {
			t.Errorf("Locate(%q): root %q, but files in %q", tt.uri, loc.Root, loc.RealDir)
		}
		if loc.StoreDir != tt.storeDir || loc.RealDir != tt.realDir {
			t.Errorf("Locate(%q, NIX_STORE_DIR=%q) = store dir %q, files in %q; want %q, %q",
				tt.uri, tt.storeDirEnv, loc.StoreDir, loc.RealDir, tt.storeDir, tt.realDir)
		}
	}
}

// TestLocateSources: the same directory store found through each place
// Nix reads it from.
func TestLocateSources(t *testing.T) {
	dir := "/var/tmp/chroot"
	for name, s := range map[string]storepath.Settings{
		"--store":    {Flag: dir},
		"NIX_REMOTE": {Remote: dir},
		"nix.conf":   {Config: &dir, Remote: "daemon"},
	} {
		if got := storepath.Locate(s).RealDir; got != dir+"/nix/store" {
			t.Errorf("%s: files in %q, want %s/nix/store", name, got, dir)
		}
	}
}

func TestLocateRoot(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for uri, want := range map[string]string{
		"/r": "/r", "rel/x": filepath.Join(wd, "rel/x"), "local?root=/r": "/r", "local:///r": "/r", "local?root=/r&store=/s": "/r",
		"auto": "", "daemon": "", "local?store=/s": "", "ssh://host": "", "nosuchword": "",
	} {
		if got := storepath.Locate(storepath.Settings{Flag: uri}).Root; got != want {
			t.Errorf("Locate(%q).Root = %q, want %q", uri, got, want)
		}
	}
}

func TestLocationFile(t *testing.T) {
	loc := storepath.Locate(storepath.Settings{Flag: "/r"})
	for _, tt := range []struct {
		p, want string
		ok      bool
	}{
		{"/nix/store/" + hash + "-x", "/r/nix/store/" + hash + "-x", true},
		{"/nix/store/" + hash + "-x/bin/x", "/r/nix/store/" + hash + "-x/bin/x", true},
		{"/opt/store/" + hash + "-x", "", false},
		{"/nix/storex", "", false},
	} {
		got, ok := loc.File(tt.p)
		if got != tt.want || ok != tt.ok {
			t.Errorf("File(%q) = %q, %v; want %q, %v", tt.p, got, ok, tt.want, tt.ok)
		}
	}
	remote := storepath.Locate(storepath.Settings{Flag: "ssh://host"})
	if got, ok := remote.File("/nix/store/" + hash + "-x"); ok {
		t.Errorf("a file of an ssh store is at %q on this machine", got)
	}
}

// TestLocateStateDir: where the database of each kind of store is, as
// Nix's LocalFSStoreConfig defaults the state setting.
func TestLocateStateDir(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	const std = storepath.DefaultStateDir
	tests := []struct{ uri, env, want string }{
		{"auto", "", std},
		{"daemon", "", std},
		{"daemon", "/opt/state", "/opt/state"},
		{"auto", "/opt/state/", "/opt/state"},
		{"local", "", std},
		{"/tmp/chroot", "/opt/state", "/tmp/chroot/nix/var/nix"},
		{"rel/store", "", filepath.Join(wd, "rel/store/nix/var/nix")},
		{"local?root=/tmp/chroot", "", "/tmp/chroot/nix/var/nix"},
		{"local:///tmp/chroot", "", "/tmp/chroot/nix/var/nix"},
		{"local?store=/s&state=/v&log=/l", "", "/v"},
		{"local?root=/r&state=rel", "", filepath.Join(wd, "rel")},
		{"ssh://host", "", ""},
		{"https://cache.nixos.org", "", ""},
		{"file:///tmp/cache", "", ""},
	}
	for _, tt := range tests {
		got := storepath.Locate(storepath.Settings{Flag: tt.uri, StateDir: tt.env}).StateDir
		if got != tt.want {
			t.Errorf("Locate(%q, NIX_STATE_DIR=%q).StateDir = %q, want %q", tt.uri, tt.env, got, tt.want)
		}
	}
	got := storepath.SettingsFrom(func(k string) string {
		if k == "NIX_STATE_DIR" {
			return "/opt/state"
		}
		return ""
	}).StateDir
	if got != "/opt/state" {
		t.Errorf("SettingsFrom: StateDir = %q, want NIX_STATE_DIR's /opt/state", got)
	}
}
