// Package nixconf holds the Nix settings a job asks for: building them from
// typed options, checking them, rendering them as NIX_CONFIG (scoped to
// the job, written to no file), and telling which of them a Nix daemon
// will ignore because the user is not trusted.
package nixconf

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// Setting is one `name = value` line of Nix configuration.
type Setting struct {
	Name, Value string
	// Line is the 1-based line of the free-form configuration it came
	// from; 0 for settings built from options.
	Line int
}

// Options are the settings a job asks for.
type Options struct {
	// Flakes enables the nix-command and flakes experimental features,
	// added to the machine's (extra-), not replacing them.
	Flakes bool
	// TokenHost and Token give Nix an access token for a GitHub host, so
	// fetching flake inputs from it is not rate-limited.
	TokenHost, Token string
	// Substituters and TrustedPublicKeys are added to the machine's.
	Substituters, TrustedPublicKeys []string
	// MaxJobs is "auto", a whole number, or "" to leave the machine's.
	MaxJobs string
	// Extra is free-form nix.conf text, checked line by line.
	Extra string
}

// ValueError is a value Nix would not accept.
type ValueError struct {
	Setting, Value, Problem string
}

func (e *ValueError) Error() string {
	return fmt.Sprintf("%q %s", e.Value, e.Problem)
}

// LineError is a line of free-form configuration that is not a setting.
// Text is empty when the line may hold a token.
type LineError struct {
	Line    int
	Text    string
	Problem string
}

func (e *LineError) Error() string {
	if e.Text == "" {
		return fmt.Sprintf("line %d (not shown: it may hold a token) %s", e.Line, e.Problem)
	}
	return fmt.Sprintf("line %d %q %s", e.Line, e.Text, e.Problem)
}

// Build returns the settings o asks for, in the order Nix should read
// them: the free-form lines last, so a user's own line wins.
func Build(o Options) ([]Setting, error) {
	var s []Setting
	if o.Flakes {
		s = append(s, Setting{Name: "extra-experimental-features", Value: "nix-command flakes"})
	}
	if o.Token != "" {
		if o.TokenHost == "" || strings.ContainsAny(o.TokenHost, " =/\t\n") {
			return nil, &ValueError{"access-tokens", o.TokenHost, "is not a host name for an access token"}
		}
		s = append(s, Setting{Name: "extra-access-tokens", Value: o.TokenHost + "=" + o.Token})
	}
	for _, u := range o.Substituters {
		if err := checkSubstituter(u); err != nil {
			return nil, err
		}
	}
	if len(o.Substituters) > 0 {
		s = append(s, Setting{Name: "extra-substituters", Value: strings.Join(o.Substituters, " ")})
	}
	for _, k := range o.TrustedPublicKeys {
		if err := checkPublicKey(k); err != nil {
			return nil, err
		}
	}
	if len(o.TrustedPublicKeys) > 0 {
		s = append(s, Setting{Name: "extra-trusted-public-keys", Value: strings.Join(o.TrustedPublicKeys, " ")})
	}
	if o.MaxJobs != "" {
		if n, err := strconv.Atoi(o.MaxJobs); o.MaxJobs != "auto" && (err != nil || n < 0) {
			return nil, &ValueError{"max-jobs", o.MaxJobs, "is not auto or a whole number of jobs"}
		}
		s = append(s, Setting{Name: "max-jobs", Value: o.MaxJobs})
	}
	extra, err := ParseConf(o.Extra)
	if err != nil {
		return nil, err
	}
	return append(s, extra...), nil
}

func checkSubstituter(u string) error {
	p, err := url.Parse(u)
	switch {
	case strings.ContainsAny(u, " \t\n"):
		return &ValueError{"substituters", u, "holds white space, which separates substituters"}
	case err != nil || p.Scheme == "":
		return &ValueError{"substituters", u, "is not a store URL such as https://cache.example.org or file:///path"}
	}
	return nil
}

// checkPublicKey accepts what Nix's signing keys print: name:base64 of an
// Ed25519 public key.
func checkPublicKey(k string) error {
	name, key, ok := strings.Cut(k, ":")
	if b, err := base64.StdEncoding.DecodeString(key); !ok || name == "" || err != nil || len(b) != 32 {
		return &ValueError{"trusted-public-keys", k, "is not a public key of the form name:base64 (e.g. cache.nixos.org-1:6NCH…)"}
	}
	return nil
}

var settingName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)

// ParseConf reads nix.conf text: `name = value` lines, blank lines and
// # comments. Anything else, include lines among them (they would read a
// file on the machine), is a LineError.
func ParseConf(text string) ([]Setting, error) {
	var out []Setting
	for i, raw := range strings.Split(text, "\n") {
		line := strings.TrimSpace(raw)
		if c := strings.IndexByte(line, '#'); c >= 0 {
			line = strings.TrimSpace(line[:c])
		}
		if line == "" {
			continue
		}
		name, value, ok := strings.Cut(line, "=")
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		shown := line
		if strings.Contains(name, "access-tokens") || strings.Contains(line, "token") {
			shown = ""
		}
		switch {
		case !ok:
			return nil, &LineError{i + 1, shown, "is not a setting: write name = value"}
		case !settingName.MatchString(name):
			return nil, &LineError{i + 1, shown, "does not start with a setting name (letters, digits, '-', '_', '.')"}
		}
		out = append(out, Setting{Name: name, Value: value, Line: i + 1})
	}
	return out, nil
}

// Render is the NIX_CONFIG value: base (what NIX_CONFIG already held, kept
// so an earlier step's settings survive) then s, one setting a line.
func Render(base string, s []Setting) string {
	var b strings.Builder
	if base = strings.TrimRight(base, "\n"); base != "" {
		b.WriteString(base + "\n")
	}
	for _, x := range s {
		b.WriteString(x.Name + " = " + x.Value + "\n")
	}
	return b.String()
}

// Secrets are the values in s that must be masked before anything prints:
// the tokens of access-tokens settings, each on its own.
func Secrets(s []Setting) []string {
	var out []string
	for _, x := range s {
		if isTokens(x.Name) {
			for _, pair := range strings.Fields(x.Value) {
				if _, tok, ok := strings.Cut(pair, "="); ok && tok != "" {
					out = append(out, tok)
				}
			}
		}
	}
	return out
}

// Masked is s with every token replaced by ***, for summaries.
func Masked(s []Setting) []Setting {
	out := make([]Setting, len(s))
	for i, x := range s {
		out[i] = x
		if isTokens(x.Name) {
			var pairs []string
			for _, pair := range strings.Fields(x.Value) {
				host, _, _ := strings.Cut(pair, "=")
				pairs = append(pairs, host+"=***")
			}
			out[i].Value = strings.Join(pairs, " ")
		}
	}
	return out
}

func isTokens(name string) bool {
	return strings.TrimPrefix(name, "extra-") == "access-tokens"
}
