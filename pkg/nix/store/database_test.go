package store_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/voidnxsec/nixops-actions/internal/testenv"
	"github.com/voidnxsec/nixops-actions/pkg/closure"
	"github.com/voidnxsec/nixops-actions/pkg/nix/store"
	"github.com/voidnxsec/nixops-actions/pkg/nix/storedb"
	"github.com/voidnxsec/nixops-actions/pkg/sbom"
)

// dbFixture is testdata/flake built into a store of its own, whose
// database is in the state= directory.
type dbFixture struct {
	uri, stateDir, flake string
}

func newDBFixture(t *testing.T) *dbFixture {
	t.Helper()
	testenv.LookPath(t, "nix")
	dir := t.TempDir()
	flakeDir := filepath.Join(dir, "flake")
	if err := os.CopyFS(flakeDir, os.DirFS("testdata/flake")); err != nil {
		t.Fatal(err)
	}
	f := &dbFixture{uri: "local?store=" + dir + "/store&state=" + dir + "/var&log=" + dir + "/log",
		stateDir: dir + "/var", flake: "path:" + flakeDir}
	for _, attr := range []string{"#top", "#multi"} {
		cmd := exec.Command("nix", "--extra-experimental-features", "nix-command flakes", "build", "--store", f.uri,
			"--option", "sandbox", "false", "--option", "substituters", "", "--no-link", f.flake+attr)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("nix build %s: %v\n%s", attr, err, out)
		}
	}
	return f
}

// stores returns a Store reading the database and one asking the CLI,
// and the sources the first reported.
func (f *dbFixture) stores(t *testing.T, opts ...store.Option) (db, cli *store.Store, sources *[]store.Source) {
	t.Helper()
	sources = new([]store.Source)
	common := []store.Option{store.WithStore(f.uri), store.WithOptions("eval-cache", "false")}
	// The database's store also prefetches .drv files, as nixops-sbom's
	// does: the documents must not change for it.
	db = store.New(append(append(common, store.WithDerivationPrefetch(), store.WithSourceReport(func(s store.Source) { *sources = append(*sources, s) })), opts...)...)
	cli = store.New(append(common, store.WithoutDatabase())...)
	t.Cleanup(func() { db.Close() })
	return db, cli, sources
}

// TestDatabaseMatchesCLI: the database and Nix's CLI give the same Infos
// and byte-identical SBOM documents, in every scope.
func TestDatabaseMatchesCLI(t *testing.T) {
	f := newDBFixture(t)
	db, cli, sources := f.stores(t)
	ctx := context.Background()
	top, err := closure.Resolve(ctx, cli, f.flake+"#top")
	if err != nil {
		t.Fatal(err)
	}
	sd := cli.StoreDir()
	missing := sd + "/00000000000000000000000000000000-missing"
	for _, q := range []struct {
		paths     []string
		recursive bool
	}{
		{append([]string{top.DrvPath, missing, missing + ".drv"}, top.Paths...), false},
		{top.Paths, true},
		{[]string{top.DrvPath}, true},
	} {
		want, err := cli.PathInfo(ctx, q.paths, q.recursive)
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.PathInfo(ctx, q.paths, q.recursive)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) < len(q.paths) || !reflect.DeepEqual(got, want) {
			t.Errorf("PathInfo(%v, %v):\ndatabase %+v\n     CLI %+v", q.paths, q.recursive, got, want)
		}
	}
	if want := filepath.Join(f.stateDir, "db", "db.sqlite"); len(*sources) != 1 || (*sources)[0].Database != want {
		t.Errorf("sources reported: %+v, want one, the database %s", *sources, want)
	}
	for _, scope := range []sbom.Scope{sbom.Runtime, sbom.BuildTime, sbom.Both} {
		if a, b := document(t, db, f.flake+"#top", scope), document(t, cli, f.flake+"#top", scope); !bytes.Equal(a, b) {
			t.Errorf("%s: the documents differ between the database and the CLI:\n%s\n----\n%s", scope, a, b)
		}
	}
	if len(*sources) != 1 {
		t.Errorf("the database was left: %+v", *sources)
	}
}

// document is the CycloneDX and SPDX JSON of target's closure.
func document(t *testing.T, st *store.Store, target string, scope sbom.Scope) []byte {
	t.Helper()
	ctx := context.Background()
	tgt, err := closure.Resolve(ctx, st, target)
	if err != nil {
		t.Fatal(err)
	}
	b, err := closure.Build(ctx, st, tgt, closure.Options{Scope: scope, Warn: t.Errorf})
	if err != nil {
		t.Fatal(err)
	}
	b.Timestamp, b.ToolName, b.ToolVersion = time.Unix(1700000000, 0).UTC(), "test", "0"
	var buf bytes.Buffer
	for _, format := range []sbom.Format{sbom.CycloneDXJSON, sbom.SPDXJSON} {
		if err := sbom.Encode(&buf, b, format); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

// TestDatabaseFallback: a database this package does not read leaves the
// answer to the CLI, saying why, with the same documents. Nix itself
// refuses a schema it does not know, so the Store is told (through
// NIX_STATE_DIR in its getenv) of a copy of the database that Nix, given
// the original, does not see.
func TestDatabaseFallback(t *testing.T) {
	f := newDBFixture(t)
	tests := []struct {
		name  string
		spoil func(t *testing.T, db string)
		check func(error) bool
	}{
		{"unknown-schema", func(t *testing.T, db string) { writeFile(t, filepath.Join(db, "schema"), "11") },
			func(err error) bool { var se *storedb.SchemaError; return errors.As(err, &se) && se.Version == "11" }},
		{"unreadable", unreadable,
			func(err error) bool { var oe *storedb.OpenError; return errors.As(err, &oe) }},
		{"turned-off", nil, func(err error) bool { return errors.Is(err, store.ErrDatabaseOff) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var sources []store.Source
			opts := []store.Option{store.WithSourceReport(func(s store.Source) { sources = append(sources, s) })}
			if tt.spoil == nil {
				opts = append(opts, store.WithoutDatabase())
			}
			st := f.storeSeeing(t, tt.spoil, opts...)
			_, cli, _ := f.stores(t)
			got := document(t, st, f.flake+"#top", sbom.Both)
			if len(sources) != 1 || sources[0].Database != "" || !tt.check(sources[0].Reason) {
				t.Errorf("sources reported: %+v", sources)
			}
			if want := document(t, cli, f.flake+"#top", sbom.Both); !bytes.Equal(got, want) {
				t.Error("the documents differ from the CLI's")
			}
		})
	}
}

// storeSeeing is a Store of f's store whose getenv names a copy of the
// state directory, spoiled by spoil, while Nix reads the original.
func (f *dbFixture) storeSeeing(t *testing.T, spoil func(t *testing.T, db string), opts ...store.Option) *store.Store {
	t.Helper()
	uri, _, _ := strings.Cut(f.uri, "&state=")
	uri += "&log=" + filepath.Dir(f.stateDir) + "/log"
	copied := filepath.Join(t.TempDir(), "var")
	if err := os.CopyFS(filepath.Join(copied, "db"), os.DirFS(filepath.Join(f.stateDir, "db"))); err != nil {
		t.Fatal(err)
	}
	if spoil != nil {
		spoil(t, filepath.Join(copied, "db"))
	}
	env := append(os.Environ(), "NIX_STATE_DIR="+f.stateDir)
	getenv := func(k string) string {
		if k == "NIX_STATE_DIR" {
			return copied
		}
		return os.Getenv(k)
	}
	st := store.New(append([]store.Option{store.WithStore(uri), store.WithOptions("eval-cache", "false"),
		store.WithEnv(env), store.WithGetenv(getenv)}, opts...)...)
	t.Cleanup(func() { st.Close() })
	return st
}

// unreadable takes the database out of this user's reach, as a daemon's
// is to its users. Root reads whatever the permissions say, so there the
// file is taken away instead: the Store sees the same *storedb.OpenError.
func unreadable(t *testing.T, db string) {
	t.Helper()
	if os.Geteuid() == 0 {
		if err := os.Remove(filepath.Join(db, "db.sqlite")); err != nil {
			t.Fatal(err)
		}
		return
	}
	if err := os.Chmod(db, 0); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Chmod(db, 0o755) })
}

func writeFile(t *testing.T, name, data string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestDocumentsBesideNixWrites makes the SBOM of the fixture again and
// again from the database while another process, nix-store --add, writes
// to the same store: every document is whole and identical to the CLI's,
// and the database is never left for the CLI.
func TestDocumentsBesideNixWrites(t *testing.T) {
	f := newDBFixture(t)
	db, cli, sources := f.stores(t)
	want := document(t, cli, f.flake+"#top", sbom.Runtime)
	dir := t.TempDir()
	script := `for i in $(seq 1 30); do echo "$i" > "$2/f$i"; nix-store --store "$1" --add "$2/f$i" >/dev/null || exit 1; done`
	cmd := exec.Command("/bin/sh", "-c", script, "sh", f.uri, dir)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitErr := make(chan error, 1)
	go func() { waitErr <- cmd.Wait() }()
	docs := 0
	for running := true; running; docs++ {
		select {
		case err := <-waitErr:
			if err != nil {
				t.Fatalf("the nix-store --add loop: %v", err)
			}
			running = false
		default:
		}
		if got := document(t, db, f.flake+"#top", sbom.Runtime); !bytes.Equal(got, want) {
			t.Fatalf("document %d, made while Nix wrote, differs from the CLI's", docs)
		}
	}
	for _, s := range *sources {
		if s.Database == "" {
			t.Errorf("a document was made without the database: %+v", s)
		}
	}
	added, _ := filepath.Glob(filepath.Join(dir, "f*"))
	if docs < 2 || len(added) != 30 {
		t.Errorf("%d documents beside %d additions: want several while Nix wrote", docs, len(added))
	}
}
