// Package nixcache is the cache of the setup-nix action: a Nix binary
// cache directory that GitHub's cache carries from job to job, one entry
// per key. The job's closures go in with `nix copy`, minus what the
// upstream substituters already serve; the directory is then pruned to
// exactly those closures, so an entry never grows without bound and never
// needs a database merge.
package nixcache

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"

	"github.com/voidnxsec/nixops-actions/pkg/nix/storepath"
)

// Key is the cache key of a job's binary cache: what was asked for
// (prefix), where it runs (system, Nix version) and what pins its inputs
// (the content of the key files, usually flake.lock). A saved entry adds
// its content's fingerprint after a dash (SaveKey), so a restore matches
// Key+"-" as a prefix and gets the newest entry for these inputs.
func Key(prefix, system, nixVersion string, keyFiles ...[]byte) string {
	h := sha256.New()
	for _, f := range keyFiles {
		fmt.Fprintf(h, "%d\n", len(f))
		h.Write(f)
	}
	return fmt.Sprintf("%s-%s-nix%s-%s", prefix, system, nixVersion, hex.EncodeToString(h.Sum(nil))[:20])
}

// SaveKey is the key an entry with this fingerprint is saved under.
func SaveKey(key, fingerprint string) string { return key + "-" + fingerprint[:16] }

// ResultLinks returns the store paths the result, result-dev, … links of
// dir point to, as `nix build` leaves them; links elsewhere are ignored.
func ResultLinks(dir, storeDir string) ([]string, error) {
	names, err := filepath.Glob(filepath.Join(dir, "result*"))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, n := range names {
		fi, err := os.Lstat(n)
		if err != nil || fi.Mode()&os.ModeSymlink == 0 {
			continue
		}
		target, err := os.Readlink(n)
		if err != nil {
			return nil, err
		}
		if p, err := storepath.Parse(storeDir, target); err == nil {
			out = append(out, p.String())
		}
	}
	return out, nil
}
