package nixconf

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

const key = "cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY="

func TestBuild(t *testing.T) {
	s, err := Build(Options{
		Flakes: true, TokenHost: "ghe.example.com", Token: "ghs_secret",
		Substituters: []string{"https://a.example", "file:///tmp/c?trusted=1"}, TrustedPublicKeys: []string{key},
		MaxJobs: "auto", Extra: "# comment\n\nkeep-going = true # trailing\n  sandbox=false\n",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "extra-experimental-features = nix-command flakes\n" +
		"extra-access-tokens = ghe.example.com=ghs_secret\n" +
		"extra-substituters = https://a.example file:///tmp/c?trusted=1\n" +
		"extra-trusted-public-keys = " + key + "\n" +
		"max-jobs = auto\nkeep-going = true\nsandbox = false\n"
	if got := Render("", s); got != want {
		t.Fatalf("Render:\n%s\nwant:\n%s", got, want)
	}
	if got := Render("cores = 2\n", s); !strings.HasPrefix(got, "cores = 2\nextra-experimental") {
		t.Fatalf("the earlier NIX_CONFIG must come first: %q", got)
	}
	if got := Secrets(s); !reflect.DeepEqual(got, []string{"ghs_secret"}) {
		t.Fatalf("Secrets = %q", got)
	}
	if got := Render("", Masked(s)); strings.Contains(got, "ghs_secret") || !strings.Contains(got, "ghe.example.com=***") {
		t.Fatalf("Masked left the token or lost the host: %q", got)
	}
	if s[len(s)-1].Line != 4 {
		t.Fatalf("sandbox came from line 4 of the free-form text, got line %d", s[len(s)-1].Line)
	}
}

func TestBuildRejects(t *testing.T) {
	for _, tc := range []struct {
		o    Options
		want string
	}{
		{Options{MaxJobs: "many"}, `"many" is not auto or a whole number`},
		{Options{MaxJobs: "-1"}, `"-1" is not auto`},
		{Options{Substituters: []string{"cache.example.org"}}, `"cache.example.org" is not a store URL`},
		{Options{TrustedPublicKeys: []string{"k:abc"}}, `"k:abc" is not a public key`},
		{Options{Token: "x", TokenHost: ""}, "not a host name"},
	} {
		_, err := Build(tc.o)
		var ve *ValueError
		if !errors.As(err, &ve) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Build(%+v) = %v, want a ValueError containing %q", tc.o, err, tc.want)
		}
	}
}

func TestParseConfNamesTheLine(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{"keep-going = true\nkeep-going true\n", `line 2 "keep-going true" is not a setting`},
		{"include /etc/other.conf", `line 1 "include /etc/other.conf" is not a setting`},
		{"\n\n = x", `line 3 "= x" does not start with a setting name`},
		{"a = 1\naccess-tokens github.com ghp_x", "line 2 (not shown: it may hold a token)"},
	} {
		_, err := ParseConf(tc.text)
		var le *LineError
		if !errors.As(err, &le) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseConf(%q) = %v, want a LineError containing %q", tc.text, err, tc.want)
		}
		if strings.Contains(fmtErr(err), "ghp_x") {
			t.Errorf("the error shows the token: %v", err)
		}
	}
}

func fmtErr(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestSecretsOfFreeFormTokens(t *testing.T) {
	s, err := ParseConf("access-tokens = github.com=ghp_a gitlab.com=PAT:glpat_b")
	if err != nil {
		t.Fatal(err)
	}
	if got := Secrets(s); !reflect.DeepEqual(got, []string{"ghp_a", "PAT:glpat_b"}) {
		t.Fatalf("Secrets = %q", got)
	}
}
