package nixconf_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/voidnxsec/nixops-actions/internal/nixchroot"
	"github.com/voidnxsec/nixops-actions/internal/testenv"
	"github.com/voidnxsec/nixops-actions/pkg/nix/nixconf"
	"github.com/voidnxsec/nixops-actions/pkg/nix/storepath"
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

func TestLookup(t *testing.T) {
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			env := s.setUp(t)
			if got := uri(env); got != s.want {
				t.Errorf("store = %q, want %q", got, s.want)
			}
		})
	}
}

// uri is the store the scenario selects, as the sbom action works it out.
func uri(env map[string]string) string {
	getenv := func(k string) string { return env[k] }
	set := storepath.Settings{Remote: env["NIX_REMOTE"]}
	if v, ok := nixconf.New(getenv).Lookup("store"); ok {
		set.Config = &v
	}
	return set.URI()
}

// TestLookupAgreesWithNix asks Nix for its store setting in each
// scenario, an oracle for the order of the files and the syntax.
func TestLookupAgreesWithNix(t *testing.T) {
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

// nixStoreSetting runs `nix config show --json` (`nix show-config` before
// 2.20) in exactly env and returns its store setting.
func nixStoreSetting(t *testing.T, nix string, env map[string]string) string {
	t.Helper()
	vars := []string{"PATH=" + os.Getenv("PATH")}
	for k, v := range env {
		vars = append(vars, k+"="+v)
	}
	var out []byte
	var err error
	for _, sub := range [][]string{{"config", "show"}, {"show-config"}} {
		cmd := exec.Command(nix, slices.Concat([]string{"--extra-experimental-features", "nix-command"}, sub, []string{"--json"})...)
		cmd.Env = vars
		if out, err = cmd.Output(); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("nix config show: %v", err)
	}
	var settings map[string]json.RawMessage
	if err := json.Unmarshal(out, &settings); err != nil {
		t.Fatal(err)
	}
	var v string
	if json.Unmarshal(settings["store"], &v) == nil {
		return v // Nix 2.8 prints the bare value
	}
	var withValue struct{ Value string }
	if err := json.Unmarshal(settings["store"], &withValue); err != nil {
		t.Fatalf("store setting %s: %v", settings["store"], err)
	}
	return withValue.Value
}

func TestFiles(t *testing.T) {
	env := map[string]string{"HOME": "/h", "XDG_CONFIG_DIRS": "/x1::/x2"}
	got := nixconf.New(func(k string) string { return env[k] }).Files()
	want := []string{"/etc/nix/nix.conf", "/x2/nix/nix.conf", "/x1/nix/nix.conf", "/h/.config/nix/nix.conf"}
	if !slices.Equal(got, want) {
		t.Errorf("Files() = %v, want %v (applied in this order, the last winning)", got, want)
	}
}

// TestNixVersions asks Nix 2.26 and 2.34 the same questions.
func TestNixVersions(t *testing.T) {
	nixchroot.Run(t, ".")
}
