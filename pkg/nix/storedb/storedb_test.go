package storedb_test

import (
	"context"
	"encoding/json"
	"errors"
	"github.com/voidnxsec/nixops-actions/pkg/nix/storedb"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/voidnxsec/nixops-actions/internal/nixchroot"
	"github.com/voidnxsec/nixops-actions/internal/testenv"
	"github.com/voidnxsec/nixops-actions/pkg/nix/pathinfo"
	"github.com/voidnxsec/nixops-actions/pkg/nix/store"
)

// fixture is a fresh store in a temp dir with testdata/flake built in it,
// a path added without deriver, and signatures on part of the closure.
type fixture struct {
	cli   *store.Store
	nix   string // the nix binary
	uri   string
	state string // the store's state directory, holding db/
	drv   map[string]string
	out   map[string]string // "multi.dev" etc.
	added string            // a file added with nix-store --add
}

// shared is the fixture of the tests that only read its store, built once.
var shared struct {
	sync.Mutex
	dir string // removed by TestMain
	f   *fixture
	err string
}

// sharedFixture returns the read-only tests' fixture, with a client
// logging to t.
func sharedFixture(t *testing.T) *fixture {
	t.Helper()
	testenv.LookPath(t, "nix")
	shared.Lock()
	defer shared.Unlock()
	if shared.f == nil && shared.err == "" {
		var err error
		if shared.dir, err = os.MkdirTemp("", "storedb-fixture-"); err != nil {
			t.Fatal(err)
		}
		// Set until the build returns: newFixture stops t on failure.
		shared.err = "building the shared fixture failed in " + t.Name()
		shared.f = newFixture(t, shared.dir)
		shared.err = ""
	}
	if shared.err != "" {
		t.Fatal(shared.err)
	}
	f := *shared.f
	f.cli = f.client(t)
	return &f
}

// newFixture builds into dir a store whose directory is not /nix/store,
// because sandboxed builds (needed for a store elsewhere) are impossible
// inside a chroot.
func newFixture(t *testing.T, dir string) *fixture {
	t.Helper()
	nix := testenv.LookPath(t, "nix")
	f := &fixture{
		nix:   nix,
		uri:   "local?store=" + dir + "/store&state=" + dir + "/var&log=" + dir + "/log",
		state: filepath.Join(dir, "var"),
		drv:   map[string]string{},
		out:   map[string]string{},
	}
	f.cli = f.client(t)
	flake := filepath.Join(dir, "flake")
	if err := os.CopyFS(flake, os.DirFS("testdata/flake")); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	drv, outs, err := f.cli.Realise(ctx, "path:"+flake+"#top")
	if err != nil {
		t.Fatalf("building top: %v", err)
	}
	f.drv["top"], f.out["top.out"] = drv, outs["out"]
	// The .drv path builds every output of multi, doc included.
	if f.drv["multi"], err = f.cli.DrvPath(ctx, "path:"+flake+"#multi"); err != nil {
		t.Fatal(err)
	}
	if _, outs, err = f.cli.Realise(ctx, f.drv["multi"]); err != nil {
		t.Fatal(err)
	}
	for name, p := range outs {
		f.out["multi."+name] = p
	}
	if f.drv["unbuilt"], err = f.cli.DrvPath(ctx, "path:"+flake+"#unbuilt"); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "added.txt")
	if err := os.WriteFile(file, []byte("added without a derivation\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f.added = strings.TrimSpace(f.run(t, "nix-store", "--store", f.uri, "--add", file))
	f.sign(t, dir, "test-1", f.out["top.out"], "-r")
	f.sign(t, dir, "test-2", f.out["top.out"])
	return f
}

// client is the CLI client of the fixture's store, logging to t; it
// never reads the database, being the oracle of this package's answers.
func (f *fixture) client(t *testing.T) *store.Store {
	return store.New(store.WithNix(filepath.Dir(f.nix)), store.WithStore(f.uri),
		store.WithOptions("sandbox", "false", "substituters", ""), store.WithStderr(logWriter{t}), store.WithoutDatabase())
}

// sign signs paths with a fresh key named name.
func (f *fixture) sign(t *testing.T, dir, name string, args ...string) {
	t.Helper()
	key := filepath.Join(dir, name+".key")
	secret := f.run(t, "nix", "--extra-experimental-features", "nix-command", "key", "generate-secret", "--key-name", name)
	if err := os.WriteFile(key, []byte(secret), 0o600); err != nil {
		t.Fatal(err)
	}
	f.run(t, "nix", append([]string{"--extra-experimental-features", "nix-command", "store", "sign", "--store", f.uri, "--key-file", key}, args...)...)
}

// run runs a program of the Nix installation under test.
func (f *fixture) run(t *testing.T, prog string, args ...string) string {
	t.Helper()
	return testenv.Run(t, filepath.Join(filepath.Dir(f.nix), prog), args...)
}

func (f *fixture) open(t *testing.T, opts ...storedb.Option) *storedb.DB {
	t.Helper()
	db, err := storedb.Open(context.Background(), f.state, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

type logWriter struct{ t *testing.T }

func (w logWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// TestMatchesCLI requires the database and `nix path-info --json` (through
// pkg/nix/store) to give identical infos, for closures and single paths,
// outputs and derivations, and checks that the store holds every kind of
// object the comparison is meant to cover.
func TestMatchesCLI(t *testing.T) {
	f := sharedFixture(t)
	db := f.open(t)
	ctx := context.Background()
	missing := filepath.Dir(f.added) + "/00000000000000000000000000000000-missing"
	queries := []struct {
		name      string
		paths     []string
		recursive bool
	}{
		{"runtime-closure", []string{f.out["top.out"]}, true},
		{"drv-closure", []string{f.drv["top"]}, true},
		{"several-closures", []string{f.out["multi.doc"], f.added, f.out["multi.out"]}, true},
		{"single-paths", []string{f.out["top.out"], f.out["multi.out"], f.out["multi.dev"], f.drv["multi"], f.drv["unbuilt"], f.added, missing}, false},
	}
	for _, q := range queries {
		t.Run(q.name, func(t *testing.T) {
			want, err := f.cli.PathInfo(ctx, q.paths, q.recursive)
			if err != nil {
				t.Fatal(err)
			}
			got, err := db.PathInfo(ctx, q.paths, q.recursive)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) < len(q.paths) {
				t.Fatalf("%d infos for %d paths", len(got), len(q.paths))
			}
			if !reflect.DeepEqual(normalized(got), normalized(want)) {
				t.Errorf("database and CLI differ:\n%s", infoDiff(normalized(got), normalized(want)))
			}
			f.checkExtras(t, db, q.paths, q.recursive)
		})
	}
	t.Run("coverage", func(t *testing.T) { f.checkCoverage(t, db) })
}

// normalized sorts infos by path and makes an empty signature list nil:
// Nix 2.8 leaves the field out, later versions print [].
func normalized(infos []pathinfo.Info) []pathinfo.Info {
	out := slices.Clone(infos)
	slices.SortFunc(out, func(a, b pathinfo.Info) int { return strings.Compare(a.Path, b.Path) })
	for i := range out {
		if len(out[i].Signatures) == 0 {
			out[i].Signatures = nil
		}
	}
	return out
}

func infoDiff(got, want []pathinfo.Info) string {
	var b strings.Builder
	byPath := map[string]pathinfo.Info{}
	for _, in := range want {
		byPath[in.Path] = in
	}
	for _, in := range got {
		if w, ok := byPath[in.Path]; !ok || !reflect.DeepEqual(in, w) {
			b.WriteString("database: " + jsonString(in) + "\n     CLI: " + jsonString(w) + "\n")
		}
		delete(byPath, in.Path)
	}
	for _, w := range byPath {
		b.WriteString("only the CLI: " + jsonString(w) + "\n")
	}
	return b.String()
}

func jsonString(v any) string {
	data, _ := json.Marshal(v)
	return string(data)
}

// checkExtras compares what Objects adds to pathinfo.Info with the
// registrationTime and ultimate fields `nix path-info --json` prints.
func (f *fixture) checkExtras(t *testing.T, db *storedb.DB, paths []string, recursive bool) {
	t.Helper()
	objs, err := db.Objects(context.Background(), paths, recursive)
	if err != nil {
		t.Fatal(err)
	}
	printed := f.printedExtras(t, paths, recursive)
	for _, o := range objs {
		if !o.Valid {
			continue
		}
		p, ok := printed[o.Path]
		if !ok {
			t.Errorf("nix path-info printed nothing for %s", o.Path)
			continue
		}
		if o.RegistrationTime.Unix() != p.RegistrationTime || o.Ultimate != p.Ultimate {
			t.Errorf("%s: database says registered %d, ultimate %v; nix path-info says %d, %v",
				o.Path, o.RegistrationTime.Unix(), o.Ultimate, p.RegistrationTime, p.Ultimate)
		}
	}
}

type extras struct {
	Path             string `json:"path"`
	RegistrationTime int64  `json:"registrationTime"`
	Ultimate         bool   `json:"ultimate"`
}

// printedExtras runs `nix path-info --json` itself, pkg/nix/store having
// no use for these two fields, and reads the list (Nix <= 2.18) or the
// object keyed by path (later; --json-format 1 where 2.34 asks for it).
// Derivations are asked for with --derivation (a bare .drv means its
// outputs to Nix 2.8), missing paths not at all.
func (f *fixture) printedExtras(t *testing.T, paths []string, recursive bool) map[string]extras {
	t.Helper()
	v, err := f.cli.Version(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"--extra-experimental-features", "nix-command", "path-info", "--store", f.uri, "--json"}
	if v.AtLeast(2, 34) {
		args = append(args, "--json-format", "1")
	}
	if recursive {
		args = append(args, "-r")
	}
	var drvs, others []string
	for _, p := range paths {
		switch {
		case strings.Contains(p, "00000000000000000000000000000000"):
		case strings.HasSuffix(p, ".drv"):
			drvs = append(drvs, p)
		default:
			others = append(others, p)
		}
	}
	got := map[string]extras{}
	for _, q := range []struct {
		flags []string
		paths []string
	}{{nil, others}, {[]string{"--derivation"}, drvs}} {
		if len(q.paths) == 0 {
			continue
		}
		out := []byte(f.run(t, "nix", append(append(append(args, q.flags...), "--"), q.paths...)...))
		var list []extras
		if err := json.Unmarshal(out, &list); err == nil {
			for _, e := range list {
				got[e.Path] = e
			}
			continue
		}
		var keyed map[string]extras
		if err := json.Unmarshal(out, &keyed); err != nil {
			t.Fatalf("nix path-info printed neither a list nor an object keyed by path: %v\n%s", err, out)
		}
		for p, e := range keyed {
			got[p] = e
		}
	}
	return got
}

// checkCoverage makes sure the comparison saw every kind of field: a
// self-reference, both fixed-output kinds, a text CA, no deriver,
// several signatures, an output nothing refers to, a build-only input.
func (f *fixture) checkCoverage(t *testing.T, db *storedb.DB) {
	objs, err := db.Objects(context.Background(), []string{f.out["top.out"]}, true)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]storedb.Object{}
	for _, o := range objs {
		byName[strings.SplitN(filepath.Base(o.Path), "-", 2)[1]] = o
	}
	check := func(name string, ok bool, what string) {
		if !ok {
			t.Errorf("%s: want %s, got %+v", name, what, byName[name])
		}
	}
	lib := byName["lib-2.3"]
	check("lib-2.3", slices.Contains(lib.References, lib.Path), "a reference to itself")
	check("flat", strings.HasPrefix(byName["flat"].CA, "fixed:sha256:"), "a flat fixed-output CA")
	check("tree", strings.HasPrefix(byName["tree"].CA, "fixed:r:sha256:"), "a recursive fixed-output CA")
	check("note.txt", strings.HasPrefix(byName["note.txt"].CA, "text:sha256:") && byName["note.txt"].Deriver == "", "a text CA and no deriver")
	check("top", len(byName["top"].Signatures) == 2 && byName["top"].Ultimate, "two signatures, built here")
	check("lib-2.3", len(lib.Signatures) == 1 && strings.HasPrefix(lib.Signatures[0], "test-1:"), "the signature of key test-1")
	check("multi-0.1-dev", byName["multi-0.1-dev"].Deriver == f.drv["multi"], "multi's deriver")
	for _, absent := range []string{"tool-1.0", "multi-0.1-doc"} {
		if _, ok := byName[absent]; ok {
			t.Errorf("runtime closure of top holds %s", absent)
		}
	}
	if len(objs) != 7 {
		t.Errorf("runtime closure of top has %d paths, want top, multi-0.1{,-dev}, lib-2.3, note.txt, flat, tree", len(objs))
	}
	if reg := byName["top"].RegistrationTime; time.Since(reg) > time.Hour || time.Since(reg) < 0 {
		t.Errorf("top registered at %v, not just now", reg)
	}
}

// TestDerivationOutputs compares the outputs the database records with the
// ones the .drv files name, for every derivation of top's build closure,
// and one never built.
func TestDerivationOutputs(t *testing.T) {
	f := sharedFixture(t)
	db := f.open(t)
	ctx := context.Background()
	drvs, err := f.cli.Derivations(ctx, []string{f.drv["top"], f.drv["unbuilt"]}, true)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]string{}
	var paths []string
	for p, d := range drvs {
		paths = append(paths, p)
		want[p] = map[string]string{}
		for name, o := range d.Outputs {
			want[p][name] = o.Path
		}
	}
	missing := filepath.Dir(f.added) + "/00000000000000000000000000000000-missing.drv"
	got, err := db.DerivationOutputs(ctx, append(paths, missing, f.out["top.out"]))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("database: %v\n.drv files: %v", got, want)
	}
	multi := got[f.drv["multi"]]
	if len(drvs) != 7 || len(multi) != 3 || multi["doc"] != f.out["multi.doc"] || multi["dev"] != f.out["multi.dev"] {
		t.Errorf("want 7 derivations, multi with out, dev and doc as built; got %d: %v", len(drvs), multi)
	}
}

// TestMissing asks for paths the store does not hold.
func TestMissing(t *testing.T) {
	f := sharedFixture(t)
	db := f.open(t)
	ctx := context.Background()
	missing := filepath.Dir(f.added) + "/00000000000000000000000000000000-missing"
	infos, err := db.PathInfo(ctx, []string{missing, f.added, missing}, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(infos) != 2 || infos[0].Path != missing || infos[0].Valid || infos[1].Path != f.added || !infos[1].Valid {
		t.Errorf("PathInfo(missing, added, missing) = %+v", infos)
	}
	_, err = db.PathInfo(ctx, []string{f.added, missing}, true)
	var ip *storedb.InvalidPathError
	if !errors.As(err, &ip) || ip.Path != missing {
		t.Errorf("closure of a missing path: err = %v, want *InvalidPathError naming it", err)
	}
	if infos, err := db.PathInfo(ctx, nil, true); err != nil || len(infos) != 0 {
		t.Errorf("closure of nothing = %v, %v", infos, err)
	}
}

// TestNixVersions reruns this package's tests inside the Nix chroots,
// whose Nix versions write the database.
func TestNixVersions(t *testing.T) {
	nixchroot.Run(t, ".")
}

// copyState copies the database directory of state into a new state
// directory, for tests that change or lock it. The -shm file is left
// behind: it belongs to the processes that have the original open, and
// SQLite rebuilds it from the log.
func copyState(t *testing.T, state string) string {
	t.Helper()
	dst := t.TempDir()
	src := filepath.Join(state, "db")
	err := os.CopyFS(filepath.Join(dst, "db"), filteredFS{os.DirFS(src), func(name string) bool {
		return !strings.HasSuffix(name, "-shm")
	}})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// filteredFS hides the files keep refuses.
type filteredFS struct {
	fs.FS
	keep func(name string) bool
}

func (f filteredFS) ReadDir(name string) ([]fs.DirEntry, error) {
	entries, err := fs.ReadDir(f.FS, name)
	return slices.DeleteFunc(entries, func(e fs.DirEntry) bool { return !f.keep(e.Name()) }), err
}
