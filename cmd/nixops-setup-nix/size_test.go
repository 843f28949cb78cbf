package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/voidnxsec/nixops-actions/internal/testenv"
)

// sizeBudget bounds the stripped binary: setup-nix runs first in every job,
// downloaded or built before Nix exists, so it must stay small.
const sizeBudget = 15 << 20

// heavy are the other actions' big libraries, which setup-nix never needs.
var heavy = []string{"github.com/anchore/", "github.com/go-git/", "github.com/CycloneDX/", "github.com/spdx/"}

func TestBinaryBudget(t *testing.T) {
	goBin := testenv.LookPath(t, "go")
	out, err := exec.Command(goBin, "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, p := range strings.Fields(string(out)) {
		for _, h := range heavy {
			if strings.HasPrefix(p, h) {
				t.Errorf("nixops-setup-nix links %s", p)
			}
		}
	}
	bin := filepath.Join(t.TempDir(), "nixops-setup-nix")
	if out, err := exec.Command(goBin, "build", "-trimpath", "-ldflags=-s -w", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	fi, err := os.Stat(bin)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("stripped binary: %.1f MB", float64(fi.Size())/(1<<20))
	if fi.Size() > sizeBudget {
		t.Errorf("stripped binary is %d bytes, over the %d budget", fi.Size(), sizeBudget)
	}
}
