package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/voidnxsec/nixops-actions/pkg/action"
	"github.com/voidnxsec/nixops-actions/pkg/nix/store"
)

// documents runs the step on target in store uri, with extra store
// options, and returns its JSON documents and log.
func documents(t *testing.T, uri, target, scope string, env map[string]string, opts ...store.Option) (map[string][]byte, string) {
	t.Helper()
	out := t.TempDir()
	r := newRunner(t, map[string]string{"target": target, "nix-store": uri, "closure": scope, "output-dir": out,
		"embedded": "false", "format": "cyclonedx-json,spdx-json"})
	for k, v := range env {
		r.Env[k] = v
	}
	step := func(ctx context.Context, a *action.Action) error { return runWith(ctx, a, opts...) }
	if code := r.Run(context.Background(), step); code != 0 {
		t.Fatalf("exit %d\n%s", code, r.Log())
	}
	docs := map[string][]byte{}
	for _, name := range []string{"sbom.cdx.json", "sbom.spdx.json", "sbom.prom"} {
		data, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		docs[name] = data
	}
	return docs, r.Log()
}

func sameDocuments(t *testing.T, what string, got, want map[string][]byte) {
	t.Helper()
	for name, data := range want {
		if !bytes.Equal(got[name], data) {
			t.Errorf("%s: %s differs between the store database and nix path-info", what, name)
		}
	}
}

// TestStoreDatabase: the store database and Nix's CLI give the same
// bytes, and the log says which answered.
func TestStoreDatabase(t *testing.T) {
	uri, installable, storeDir := builtFlake(t)
	dbFile := filepath.Join(filepath.Dir(storeDir), "var", "db", "db.sqlite")
	for _, scope := range []string{"runtime", "buildtime", "both"} {
		viaDB, log := documents(t, uri, installable, scope, nil)
		if !strings.Contains(log, "reading the store database "+dbFile+"\n") {
			t.Errorf("%s: the log does not say the database %s was read:\n%s", scope, dbFile, log)
		}
		viaCLI, log := documents(t, uri, installable, scope, nil, store.WithoutDatabase())
		if !strings.Contains(log, "asking nix path-info (reading the store database is turned off)\n") {
			t.Errorf("%s: the log does not say nix path-info answered, and why:\n%s", scope, log)
		}
		sameDocuments(t, scope, viaDB, viaCLI)
	}
}

// TestStoreDatabaseSchema: a schema this version does not read is a
// notice, and nix path-info answers. Nix refuses such a schema itself, so
// the step is told (NIX_STATE_DIR) of a spoiled copy Nix does not see.
func TestStoreDatabaseSchema(t *testing.T) {
	uri, installable, storeDir := builtFlake(t)
	state := filepath.Join(filepath.Dir(storeDir), "var")
	copied := filepath.Join(t.TempDir(), "var")
	if err := os.CopyFS(filepath.Join(copied, "db"), os.DirFS(filepath.Join(state, "db"))); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(copied, "db", "schema"), []byte("11"), 0o644); err != nil {
		t.Fatal(err)
	}
	uri = strings.Replace(uri, "&state="+state, "", 1)
	env := map[string]string{"NIX_STATE_DIR": copied}
	nixEnv := store.WithEnv(append(os.Environ(), "NIX_STATE_DIR="+state))
	got, log := documents(t, uri, installable, "both", env, nixEnv)
	for _, want := range []string{"::notice::the Nix store database is not in a form this version reads", `schema version "11"`, "asking nix path-info (Nix store database schema version"} {
		if !strings.Contains(log, want) {
			t.Errorf("the log lacks %q:\n%s", want, log)
		}
	}
	want, _ := documents(t, uri, installable, "both", env, nixEnv, store.WithoutDatabase())
	sameDocuments(t, "unknown schema", got, want)
}

// TestStoreDatabase10k compares the two ways on the 10,000-path export.
func TestStoreDatabase10k(t *testing.T) {
	if testing.Short() {
		t.Skip("the 10k export takes seconds")
	}
	st := synthStore(t)
	viaDB, log := documents(t, st, synthTop, "runtime", nil)
	if !strings.Contains(log, "reading the store database "+filepath.Join(st, "nix/var/nix/db/db.sqlite")) {
		t.Errorf("the log does not say the database was read:\n%s", log)
	}
	viaCLI, _ := documents(t, st, synthTop, "runtime", nil, store.WithoutDatabase())
	sameDocuments(t, "10k", viaDB, viaCLI)
	if n := bytes.Count(viaDB["sbom.cdx.json"], []byte(`"bom-ref"`)); n < 10001 {
		t.Errorf("the CycloneDX document has %d bom-refs, want the 10,001 paths", n)
	}
}
