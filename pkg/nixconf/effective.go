package nixconf

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
)

// Config is the configuration Nix reports it runs with (`nix show-config
// --json`): each setting's value, as Nix encodes it.
type Config map[string]json.RawMessage

// ParseConfig reads `nix show-config --json` (Nix 2.8 on) or `nix config
// show --json`: an object of settings, each an object with a "value".
func ParseConfig(data []byte) (Config, error) {
	var raw map[string]struct {
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("nix printed a configuration that is not the JSON object of settings it prints: %w", err)
	}
	c := Config{}
	for k, v := range raw {
		c[k] = v.Value
	}
	return c, nil
}

// Strings reads a list setting: a JSON array of strings, or a string of
// space-separated items.
func (c Config) Strings(name string) []string {
	var list []string
	if json.Unmarshal(c[name], &list) == nil {
		return list
	}
	return strings.Fields(c.String(name))
}

// String reads a text setting; "" when absent or not text.
func (c Config) String(name string) string {
	var s string
	_ = json.Unmarshal(c[name], &s)
	return s
}

// Known reports whether Nix knows setting name (with or without extra-).
func (c Config) Known(name string) bool {
	_, ok := c[strings.TrimPrefix(name, "extra-")]
	return ok
}

// ShowCommand is the subcommand that prints the configuration: `nix
// config show` from Nix 2.20, which deprecated `nix show-config`.
func ShowCommand(newerThan2_19 bool) []string {
	if newerThan2_19 {
		return []string{"config", "show", "--json"}
	}
	return []string{"show-config", "--json"}
}

// Show runs nix (an absolute path) with env and returns the configuration
// it reports. Nix's stderr is kept for the error only: it never holds a
// setting's value.
func Show(ctx context.Context, nix string, args, env []string) (Config, error) {
	cmd := exec.CommandContext(ctx, nix, append([]string{"--extra-experimental-features", "nix-command"}, args...)...)
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w: %s", nix, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return ParseConfig(out)
}
