package actions_test

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/voidnxsec/nixops-actions/internal/testenv"
)

// grypeDBKey runs grype-db-key.sh with only tools on its PATH and returns
// the outputs it wrote.
func grypeDBKey(t *testing.T, toolCache, dbURL string, tools ...string) map[string]string {
	t.Helper()
	bin, out := t.TempDir(), filepath.Join(t.TempDir(), "output")
	for _, tool := range append(tools, "bash", "date") {
		if err := os.Symlink(testenv.LookPath(t, tool), filepath.Join(bin, tool)); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("./grype-db-key.sh")
	cmd.Env = []string{"PATH=" + bin, "DB_URL=" + dbURL, "RUNNER_OS=Linux", "RUNNER_TOOL_CACHE=" + toolCache, "GITHUB_OUTPUT=" + out}
	if log, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("grype-db-key.sh: %v\n%s", err, log)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	outputs := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		k, v, _ := strings.Cut(line, "=")
		outputs[k] = v
	}
	return outputs
}

// TestGrypeDBKey: the database's cache key names the OS, the first 12 hex
// digits of the SHA-256 of db-url without its user info, and the UTC day,
// with sha256sum or, as on macOS, shasum; the restore key is its prefix
// up to the day, so another db-url never restores this entry.
func TestGrypeDBKey(t *testing.T) {
	const dbURL = "https://mirror.example/grype/databases"
	digest := sha256.Sum256([]byte(dbURL))
	prefix := "grype-db-Linux-" + hex.EncodeToString(digest[:])[:12] + "-"
	want := map[string]string{"dir": "/opt/tc/nixops-scan/grype-db", "key": prefix + time.Now().UTC().Format("2006-01-02"),
		"restore-key": prefix}
	for _, tools := range [][]string{{"sha256sum"}, {"shasum", "perl"}} {
		for _, u := range []string{dbURL, "https://reader:s3cret@mirror.example/grype/databases"} {
			got := grypeDBKey(t, "/opt/tc", u, tools...)
			if len(got) != len(want) || got["dir"] != want["dir"] || got["key"] != want["key"] || got["restore-key"] != want["restore-key"] {
				t.Errorf("%s with %s: %v, want %v", u, tools[0], got, want)
			}
		}
	}
	if other := grypeDBKey(t, "/opt/tc", "https://grype.anchore.io/databases", "sha256sum"); strings.HasPrefix(other["key"], prefix) {
		t.Errorf("another db-url shares the restore key %s: %v", prefix, other)
	}
}

// TestGrypeDBKeyPresent: a tool cache that holds a database says so, and
// the actions then neither restore over it (another job's scan may be
// reading it) nor save it.
func TestGrypeDBKeyPresent(t *testing.T) {
	tc := t.TempDir()
	if got := grypeDBKey(t, tc, "https://grype.anchore.io/databases", "sha256sum"); got["present"] != "" {
		t.Errorf("an empty tool cache: present=%q", got["present"])
	}
	db := filepath.Join(tc, "nixops-scan", "grype-db", "6", "vulnerability.db")
	if err := os.MkdirAll(filepath.Dir(db), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(db, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if got := grypeDBKey(t, tc, "https://grype.anchore.io/databases", "sha256sum"); got["present"] != "true" {
		t.Errorf("a tool cache with a database: present=%q, want true", got["present"])
	}
}
