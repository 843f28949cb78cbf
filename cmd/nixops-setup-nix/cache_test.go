package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestCacheSetup: with cache: true the step readies the cache directory,
// Nix sees it as a substituter, and the key follows flake.lock.
func TestCacheSetup(t *testing.T) {
	ws := t.TempDir()
	keyOf := func(lock string) (map[string]string, map[string]string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(ws, "flake.lock"), []byte(lock), 0o644); err != nil {
			t.Fatal(err)
		}
		r := newRunner(t, map[string]string{"cache": "true", "cache-key-prefix": "ci"})
		r.Env["GITHUB_WORKSPACE"], r.Env["RUNNER_TEMP"] = ws, t.TempDir()
		if code := r.Run(context.Background(), run); code != 0 {
			t.Fatalf("exit %d:\n%s", code, r.Log())
		}
		return r.Outputs(t), exported(t, r)
	}
	outs, env := keyOf(`{"nodes":{}}`)
	dir := outs["cache-dir"]
	if !regexp.MustCompile(`^ci-[a-z0-9_]+-linux-nix\d+\.\d+\.\d+-[0-9a-f]{20}$`).MatchString(outs["cache-key"]) {
		t.Errorf("cache-key = %q", outs["cache-key"])
	}
	if env["NIXOPS_NIX_CACHE_DIR"] != dir || env["NIXOPS_NIX_CACHE_KEY"] != outs["cache-key"] {
		t.Errorf("exported %v, want the cache dir and key for setup-nix/save", env)
	}
	if info, err := os.ReadFile(filepath.Join(dir, "nix-cache-info")); err != nil || !strings.Contains(string(info), "StoreDir: /nix/store") {
		t.Errorf("nix-cache-info: %q, %v", info, err)
	}
	if got := showConfig(t, env["NIX_CONFIG"])["substituters"]; !strings.Contains(got, "file://"+dir+"?trusted=1") {
		t.Errorf("Nix's substituters %q lack the cache %s", got, dir)
	}
	again, _ := keyOf(`{"nodes":{}}`)
	changed, _ := keyOf(`{"nodes":{"root":{}}}`)
	if again["cache-key"] != outs["cache-key"] || changed["cache-key"] == outs["cache-key"] {
		t.Errorf("keys %q, %q (same lock), %q (new lock): want the lock alone to change it", outs["cache-key"], again["cache-key"], changed["cache-key"])
	}
}

// TestCacheKeyFileMissing: a key file that was named but is missing stops
// the step, naming the input; the default flake.lock may be missing.
func TestCacheKeyFileMissing(t *testing.T) {
	r := newRunner(t, map[string]string{"cache": "true", "cache-key-files": "go.sum"})
	r.Env["GITHUB_WORKSPACE"], r.Env["RUNNER_TEMP"] = t.TempDir(), t.TempDir()
	if code := r.Run(context.Background(), run); code == 0 || !strings.Contains(r.Log(), `input "cache-key-files"`) {
		t.Errorf("exit %d, want an error naming cache-key-files:\n%s", code, r.Log())
	}
	r = newRunner(t, map[string]string{"cache": "true"})
	r.Env["GITHUB_WORKSPACE"], r.Env["RUNNER_TEMP"] = t.TempDir(), t.TempDir()
	if code := r.Run(context.Background(), run); code != 0 {
		t.Errorf("no flake.lock: exit %d\n%s", code, r.Log())
	}
}
