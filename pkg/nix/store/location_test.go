package store

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/voidnxsec/nixops-actions/internal/testenv"
)

// callLog puts wrappers of nix and nix-store in a directory, each logging
// its arguments to the returned file before running the real program.
func callLog(t *testing.T) (dir, log string) {
	t.Helper()
	nix := testenv.LookPath(t, "nix")
	dir = t.TempDir()
	log = filepath.Join(dir, "calls")
	for _, name := range []string{"nix", "nix-store"} {
		script := "#!/bin/sh\necho \"$*\" >> " + log + "\nexec " + filepath.Join(filepath.Dir(nix), name) + " \"$@\"\n"
		if err := os.WriteFile(filepath.Join(dir, name), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir, log
}

// cleanEnv is the process environment without the variables that choose
// a store, plus extra.
func cleanEnv(extra ...string) []string {
	env := slices.DeleteFunc(os.Environ(), func(kv string) bool {
		for _, k := range []string{"NIX_REMOTE=", "NIX_CONFIG=", "NIX_CONF_DIR=", "NIX_USER_CONF_FILES="} {
			if strings.HasPrefix(kv, k) {
				return true
			}
		}
		return false
	})
	return append(env, extra...)
}

// TestDrvFilesWhereverTheStoreIsNamed instantiates the test flake into a
// chroot store, then names that store each way Nix takes one: the .drv
// files must be read from disk, with no `nix show-derivation` run, and
// agree with what Nix prints.
func TestDrvFilesWhereverTheStoreIsNamed(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "root")
	flake := filepath.Join(dir, "flake")
	if err := os.CopyFS(flake, os.DirFS("testdata/flake")); err != nil {
		t.Fatal(err)
	}
	top := strings.TrimSpace(testenv.Run(t, testenv.LookPath(t, "nix"), "--extra-experimental-features", "nix-command flakes",
		"--store", root, "--option", "eval-cache", "false", "eval", "--raw", "path:"+flake+"#top.drvPath"))
	conf := filepath.Join(dir, "etc")
	if err := os.MkdirAll(conf, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(conf, "nix.conf"), []byte("store = "+root+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ways := []struct {
		name string
		opts []Option
	}{
		{"--store DIR", []Option{WithStore(root), WithEnv(cleanEnv())}},
		{"--store local?root=DIR", []Option{WithStore("local?root=" + root), WithEnv(cleanEnv())}},
		{"NIX_REMOTE=DIR", []Option{WithEnv(cleanEnv("NIX_REMOTE=" + root))}},
		{"NIX_REMOTE=local?root=DIR", []Option{WithEnv(cleanEnv("NIX_REMOTE=local?root=" + root))}},
		{"nix.conf store = DIR", []Option{WithEnv(cleanEnv("NIX_CONF_DIR=" + conf))}},
		{"NIX_CONFIG store = DIR", []Option{WithEnv(cleanEnv("NIX_REMOTE=daemon", "NIX_CONFIG=store = "+root))}},
	}
	first := 0 // derivations found the first way
	for _, w := range ways {
		t.Run(w.name, func(t *testing.T) {
			bin, log := callLog(t)
			ctx := context.Background()
			s := New(append(w.opts, WithNix(bin))...)
			if loc := s.Location(); loc.RealDir != root+"/nix/store" {
				t.Errorf("Location() = %+v, want the files in %s/nix/store", loc, root)
			}
			files, err := s.Derivations(ctx, []string{top}, true)
			if err != nil {
				t.Fatal(err)
			}
			data, _ := os.ReadFile(log)
			if strings.Contains(string(data), "show-derivation") || strings.Contains(string(data), "derivation show") {
				t.Errorf("Nix was asked to print derivations:\n%s", data)
			}
			printed, err := New(append(w.opts, WithoutDrvFiles())...).Derivations(ctx, []string{top}, true)
			if err != nil {
				t.Fatal(err)
			}
			if len(files) < 4 || !reflect.DeepEqual(files, printed) {
				t.Errorf("read from files:\n%#v\nprinted by Nix:\n%#v", files, printed)
			}
			if first == 0 {
				first = len(files)
			} else if len(files) != first {
				t.Errorf("%d derivations, %d the first way", len(files), first)
			}
		})
	}
}
