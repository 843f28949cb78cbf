package nixconf

import (
	"fmt"
	"slices"
	"strings"
)

// restricted are the settings a Nix daemon takes only from a trusted user
// (it logs "ignoring the client-specified setting ... you are not a trusted
// user" for the rest): each changes what the store trusts or how builds are
// isolated, for every user of the machine.
var restricted = []string{
	"substituters", "trusted-public-keys", "trusted-substituters", "require-sigs",
	"sandbox", "sandbox-paths", "sandbox-fallback", "builders", "post-build-hook",
}

// User is who runs Nix: a name and the names of its groups.
type User struct {
	Name   string
	Groups []string
}

// UsesDaemon tells whether Nix talks to a daemon for store setting store
// (NIX_REMOTE when set, else the store setting): "daemon" and unix://
// sockets do; "auto" does when this user cannot write Nix's state
// directory, as Nix decides it; local and other stores do not.
func UsesDaemon(store string, canWriteState bool) bool {
	switch {
	case store == "daemon" || strings.HasPrefix(store, "unix://"):
		return true
	case store == "" || store == "auto":
		return !canWriteState
	}
	return false
}

// Trusted tells whether c's trusted-users names u, directly, through one
// of its groups (@group) or as everyone (*).
func Trusted(c Config, u User) bool {
	for _, t := range c.Strings("trusted-users") {
		switch {
		case t == "*" || t == u.Name:
			return true
		case strings.HasPrefix(t, "@") && slices.Contains(u.Groups, t[1:]):
			return true
		}
	}
	return false
}

// Ignored is a setting the daemon will not apply, and the fix.
type Ignored struct {
	Setting Setting
	// Fix is the line to add to the machine's configuration.
	Fix string
}

func (i Ignored) String() string {
	return fmt.Sprintf("%s = %s is ignored by the Nix daemon: this user is not trusted. %s", i.Setting.Name, i.Setting.Value, i.Fix)
}

// Untrusted lists the settings of s that the daemon will ignore for u, with
// the line that would make each apply (NixOS's option on NixOS). A
// substituter the machine already lists in trusted-substituters needs no
// trust. Pass s masked: values show in the messages.
func Untrusted(s []Setting, c Config, u User, nixos bool) []Ignored {
	if Trusted(c, u) {
		return nil
	}
	users := fmt.Sprintf("add `trusted-users = root %s` to /etc/nix/nix.conf and restart nix-daemon", u.Name)
	if nixos {
		users = fmt.Sprintf("add `nix.settings.trusted-users = [ %q ];` to the machine's NixOS configuration and switch to it", u.Name)
	}
	var out []Ignored
	for _, x := range s {
		base := strings.TrimPrefix(x.Name, "extra-")
		if !slices.Contains(restricted, base) {
			continue
		}
		fix := users
		if base == "substituters" {
			var missing []string
			for _, sub := range strings.Fields(x.Value) {
				if !slices.Contains(c.Strings("trusted-substituters"), sub) {
					missing = append(missing, sub)
				}
			}
			if len(missing) == 0 {
				continue
			}
			list := strings.Join(missing, " ")
			if nixos {
				fix += fmt.Sprintf(", or list them in `nix.settings.trusted-substituters = [ %s ];`", quoteAll(missing))
			} else {
				fix += fmt.Sprintf(", or add `extra-trusted-substituters = %s` there", list)
			}
		}
		out = append(out, Ignored{Setting: x, Fix: fix})
	}
	return out
}

func quoteAll(s []string) string {
	q := make([]string, len(s))
	for i, x := range s {
		q[i] = fmt.Sprintf("%q", x)
	}
	return strings.Join(q, " ")
}
