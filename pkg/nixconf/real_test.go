package nixconf

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/voidnxsec/nixops-actions/internal/nixchroot"
	"github.com/voidnxsec/nixops-actions/internal/testenv"
	"github.com/voidnxsec/nixops-actions/pkg/nix/store"
)

// TestShowWithRealNix: the rendered settings are what the real Nix
// reports running with.
func TestShowWithRealNix(t *testing.T) {
	nix := testenv.LookPath(t, "nix")
	ver, err := store.ParseVersion(testenv.Run(t, nix, "--version"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := Build(Options{Flakes: true, TokenHost: "github.com", Token: "ghs_realnixtest",
		Substituters: []string{"file:///tmp/nixconf-test-cache"}, TrustedPublicKeys: []string{key},
		MaxJobs: "3", Extra: "keep-going = true\ntrusted-users = nobody-here"})
	if err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "NIX_CONFIG="+Render("", s))
	c, err := Show(context.Background(), nix, ShowCommand(ver.AtLeast(2, 20)), env)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(c.Strings("substituters"), "file:///tmp/nixconf-test-cache") {
		t.Errorf("substituters = %s", c["substituters"])
	}
	if !slices.Contains(c.Strings("trusted-public-keys"), key) {
		t.Errorf("trusted-public-keys = %s", c["trusted-public-keys"])
	}
	for name, want := range map[string]string{"max-jobs": "3", "keep-going": "true"} {
		if got := strings.TrimSpace(string(c[name])); got != want {
			t.Errorf("%s = %s, want %s", name, got, want)
		}
	}
	if !c.Known("extra-substituters") || c.Known("no-such-setting") {
		t.Error("Known disagrees with the settings Nix listed")
	}
	// As Nix reads it, trusted-users names only nobody-here now: a user
	// behind a daemon is told which settings will not apply.
	if got := Untrusted(Masked(s), c, User{Name: "runner"}, false); len(got) != 2 {
		t.Errorf("untrusted runner: %v, want the substituter and the key", got)
	}
}

// TestInChroots runs this package's tests with Nix 2.26 and 2.34, whose
// command is `nix config show`.
func TestInChroots(t *testing.T) {
	nixchroot.Run(t, ".", "-test.run=TestShowWithRealNix")
}
