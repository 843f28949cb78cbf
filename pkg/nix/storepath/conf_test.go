package storepath_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/voidnxsec/nixops-actions/internal/testenv"
	"github.com/voidnxsec/nixops-actions/pkg/nix/storepath"
	"github.com/voidnxsec/nixops-actions/pkg/nixconf"
)

// scenario is a set of configuration files under a temp dir and the
// environment pointing at them; $D in values is the temp dir.
type scenario struct {
	name  string
	files map[string]string
	env   map[string]string
	want  string // the store Nix opens
}

var scenarios = []scenario{
	{name: "nothing", want: "auto"},
	{name: "NIX_REMOTE", env: map[string]string{"NIX_REMOTE": "/r"}, want: "/r"},
	{name: "system nix.conf over NIX_REMOTE", files: map[string]string{"etc/nix.conf": "store = /from/etc # comment\n"},
		env: map[string]string{"NIX_REMOTE": "/r"}, want: "/from/etc"},
	{name: "XDG_CONFIG_HOME over the system file", files: map[string]string{"etc/nix.conf": "store = /from/etc\n", "home/.config/nix/nix.conf": "store\t=\t/from/home\n"},
		want: "/from/home"},
	{name: "XDG_CONFIG_HOME over XDG_CONFIG_DIRS", files: map[string]string{"home/.config/nix/nix.conf": "store = /from/home\n", "xdg1/nix/nix.conf": "store = /from/xdg1\n"},
		want: "/from/home"},
	{name: "first of XDG_CONFIG_DIRS wins", files: map[string]string{"xdg1/nix/nix.conf": "store = /from/xdg1\n", "xdg2/nix/nix.conf": "store = /from/xdg2\n"},
		want: "/from/xdg1"},
	{name: "NIX_USER_CONF_FILES replaces XDG", files: map[string]string{"home/.config/nix/nix.conf": "store = /from/home\n", "a.conf": "store = /from/a\n", "b.conf": "store = /from/b\n"},
		env: map[string]string{"NIX_USER_CONF_FILES": "$D/a.conf:$D/b.conf"}, want: "/from/a"},
	{name: "NIX_CONFIG over files", files: map[string]string{"etc/nix.conf": "store = /from/etc\n"},
		env: map[string]string{"NIX_CONFIG": "cores = 1\nstore = local?root=/from/env"}, want: "local?root=/from/env"},
	{name: "include relative to the file", files: map[string]string{"etc/nix.conf": "include sub/more.conf\n", "etc/sub/more.conf": "store = /from/include\n"},
		want: "/from/include"},
	{name: "missing !include", files: map[string]string{"etc/nix.conf": "!include nowhere.conf\nstore = /from/etc\n"},
		want: "/from/etc"},
	{name: "later line wins", files: map[string]string{"etc/nix.conf": "store = /one\nstore   =   /two  \n"}, want: "/two"},
	{name: "empty value is set", files: map[string]string{"etc/nix.conf": "store =\n"}, env: map[string]string{"NIX_REMOTE": "/r"}, want: ""},
}

// setUp writes the scenario's files and returns its environment.
func (s scenario) setUp(t *testing.T) map[string]string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range s.files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	env := map[string]string{
		"NIX_CONF_DIR":    filepath.Join(dir, "etc"),
		"HOME":            filepath.Join(dir, "home"),
		"XDG_CONFIG_DIRS": filepath.Join(dir, "xdg1") + ":" + filepath.Join(dir, "xdg2"),
	}
	for k, v := range s.env {
		env[k] = os.Expand(v, func(string) string { return dir })
	}
	return env
}

func TestSettingsFrom(t *testing.T) {
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			env := s.setUp(t)
			if got := uri(env); got != s.want {
				t.Errorf("store = %q, want %q", got, s.want)
			}
		})
	}
}

// uri is the store the scenario selects, as SettingsFrom reads it.
func uri(env map[string]string) string {
	return storepath.SettingsFrom(func(k string) string { return env[k] }).URI()
}

// TestSettingsFromAgreesWithNix asks Nix for its store setting in each
// scenario, an oracle for the order of the files and the syntax.
func TestSettingsFromAgreesWithNix(t *testing.T) {
	nix := testenv.LookPath(t, "nix")
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			env := s.setUp(t)
			// Nix 2.2x prints the setting in a normal form (local:///r for
			// /r, auto for ""): the two must name the same store.
			got, want := uri(env), nixStoreSetting(t, nix, env)
			if a, b := storepath.Locate(storepath.Settings{Flag: got}), storepath.Locate(storepath.Settings{Flag: want}); got != want && (a.StoreDir != b.StoreDir || a.RealDir != b.RealDir) {
				t.Errorf("store = %q, Nix says %q", got, want)
			}
		})
	}
}

// nixStoreSetting asks nix, run in exactly env, for its store setting.
func nixStoreSetting(t *testing.T, nix string, env map[string]string) string {
	t.Helper()
	vars := []string{"PATH=" + os.Getenv("PATH")}
	for k, v := range env {
		vars = append(vars, k+"="+v)
	}
	c, err := nixconf.Show(context.Background(), nix, nixconf.ShowCommand(true), vars)
	if err != nil { // before Nix 2.20
		c, err = nixconf.Show(context.Background(), nix, nixconf.ShowCommand(false), vars)
	}
	if err != nil {
		t.Fatal(err)
	}
	return c.String("store")
}
