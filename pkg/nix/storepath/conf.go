package storepath

// The store setting is read as Nix itself reads settings from the
// configuration on the machine: the system nix.conf, then the user's
// configuration files, then NIX_CONFIG, the last assignment winning,
// include and !include followed. The order is Nix's loadConfFile
// (libstore/globals.cc), the syntax its parseConfigFile (libutil/config.cc):
// values split on white space and joined with single spaces. Nothing is
// refused here: Nix reports a broken file itself when it runs.

import (
	"cmp"
	"os"
	"path/filepath"
	"strings"
)

// SettingsFrom reads the settings that choose a store from the
// environment getenv describes (NIX_REMOTE, NIX_STORE_DIR, NIX_STATE_DIR) and from Nix's
// configuration files and NIX_CONFIG, found through it (NIX_CONF_DIR,
// NIX_USER_CONF_FILES, XDG_CONFIG_HOME, XDG_CONFIG_DIRS, HOME). Flag is
// left for the caller.
func SettingsFrom(getenv func(string) string) Settings {
	s := Settings{Remote: getenv("NIX_REMOTE"), StoreDir: cmp.Or(getenv("NIX_STORE_DIR"), getenv("NIX_STORE")), StateDir: getenv("NIX_STATE_DIR")}
	if v, ok := (confSources{getenv}).lookup("store"); ok {
		s.Config = &v
	}
	return s
}

// sysConfDir is where Debian's and the installer's Nix look for nix.conf
// unless NIX_CONF_DIR says otherwise.
const sysConfDir = "/etc/nix"

// confSources are the files and variables Nix reads its settings from,
// as getenv points at them.
type confSources struct{ getenv func(string) string }

// files lists the configuration files in the order Nix applies them.
func (c confSources) files() []string {
	dir := c.getenv("NIX_CONF_DIR")
	if dir == "" {
		dir = sysConfDir
	}
	files := []string{filepath.Join(dir, "nix.conf")}
	user := c.userFiles()
	// Nix applies the user files last to first, so the first wins.
	for i := len(user) - 1; i >= 0; i-- {
		files = append(files, user[i])
	}
	return files
}

// userFiles are NIX_USER_CONF_FILES, else nix/nix.conf in each XDG
// configuration directory, most important first.
func (c confSources) userFiles() []string {
	if v := c.getenv("NIX_USER_CONF_FILES"); v != "" {
		return nonEmpty(strings.Split(v, ":"))
	}
	home := c.getenv("XDG_CONFIG_HOME")
	if home == "" && c.getenv("HOME") != "" {
		home = filepath.Join(c.getenv("HOME"), ".config")
	}
	dirs := c.getenv("XDG_CONFIG_DIRS")
	if dirs == "" {
		dirs = "/etc/xdg"
	}
	var files []string
	for _, d := range append([]string{home}, strings.Split(dirs, ":")...) {
		if d != "" {
			files = append(files, filepath.Join(d, "nix", "nix.conf"))
		}
	}
	return files
}

// lookup returns the value of setting name and whether anything sets it.
// Files that cannot be read are skipped, as are lines Nix would reject:
// Nix reports those itself when it runs.
func (c confSources) lookup(name string) (string, bool) {
	var value string
	var set bool
	visit := func(n, v string) {
		if n == name {
			value, set = v, true
		}
	}
	for _, f := range c.files() {
		if data, err := os.ReadFile(f); err == nil {
			c.parse(string(data), filepath.Dir(f), visit, 0)
		}
	}
	if env := c.getenv("NIX_CONFIG"); env != "" {
		c.parse(env, ".", visit, 0)
	}
	return value, set
}

// maxIncludeDepth stops an include cycle, which Nix would not survive
// either.
const maxIncludeDepth = 16

// parse calls visit for each assignment of text, includes resolved
// against dir.
func (c confSources) parse(text, dir string, visit func(name, value string), depth int) {
	for _, line := range strings.Split(text, "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		tokens := strings.FieldsFunc(line, func(r rune) bool { return r == ' ' || r == '\t' || r == '\r' })
		switch {
		case len(tokens) == 2 && (tokens[0] == "include" || tokens[0] == "!include"):
			if depth >= maxIncludeDepth {
				continue
			}
			p := tokens[1]
			if !filepath.IsAbs(p) {
				p = filepath.Join(dir, p)
			}
			if data, err := os.ReadFile(p); err == nil {
				c.parse(string(data), filepath.Dir(p), visit, depth+1)
			}
		case len(tokens) >= 2 && tokens[1] == "=":
			visit(tokens[0], strings.Join(tokens[2:], " "))
		}
	}
}

func nonEmpty(list []string) []string {
	out := list[:0]
	for _, s := range list {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}
