package nixconf

import (
	"strings"
	"testing"
)

func config(t *testing.T, js string) Config {
	t.Helper()
	c, err := ParseConfig([]byte(js))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestUsesDaemon(t *testing.T) {
	for _, tc := range []struct {
		store    string
		writable bool
		want     bool
	}{
		{"daemon", true, true}, {"unix:///nix/var/nix/daemon-socket/socket", true, true},
		{"auto", false, true}, {"auto", true, false}, {"", false, true},
		{"local", false, false}, {"/tmp/chroot", false, false},
	} {
		if got := UsesDaemon(tc.store, tc.writable); got != tc.want {
			t.Errorf("UsesDaemon(%q, %t) = %t", tc.store, tc.writable, got)
		}
	}
}

func TestUntrusted(t *testing.T) {
	s, err := Build(Options{Flakes: true, Token: "t", TokenHost: "github.com",
		Substituters: []string{"https://a.example", "https://b.example"}, TrustedPublicKeys: []string{key},
		Extra: "sandbox = false\nkeep-going = true"})
	if err != nil {
		t.Fatal(err)
	}
	const cfg = `{"trusted-users":{"value":["root","@wheel"]},"trusted-substituters":{"value":["https://a.example"]}}`
	c := config(t, cfg)
	if got := Untrusted(s, c, User{Name: "ci", Groups: []string{"wheel"}}, false); got != nil {
		t.Fatalf("a member of @wheel is trusted, got %v", got)
	}
	got := Untrusted(Masked(s), c, User{Name: "runner", Groups: []string{"docker"}}, false)
	var names []string
	for _, g := range got {
		names = append(names, g.Setting.Name)
	}
	if strings.Join(names, ",") != "extra-substituters,extra-trusted-public-keys,sandbox" {
		t.Fatalf("ignored settings %q, want the substituters, the key and sandbox", names)
	}
	if msg := got[0].String(); !strings.Contains(msg, "trusted-users = root runner") ||
		!strings.Contains(msg, "extra-trusted-substituters = https://b.example`") {
		t.Fatalf("the substituter warning lacks the fix lines (only b.example is untrusted): %s", msg)
	}
	nixos := Untrusted(s, c, User{Name: "runner"}, true)
	if !strings.Contains(nixos[0].Fix, `nix.settings.trusted-users = [ "runner" ];`) ||
		!strings.Contains(nixos[0].Fix, `nix.settings.trusted-substituters = [ "https://b.example" ];`) {
		t.Fatalf("NixOS fix: %s", nixos[0].Fix)
	}
	if all := Untrusted(s, config(t, `{"trusted-users":{"value":"*"}}`), User{Name: "x"}, false); all != nil {
		t.Fatalf("trusted-users = * trusts everyone, got %v", all)
	}
}
