package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/voidnxsec/nixops-actions/internal/nixchroot"
	"github.com/voidnxsec/nixops-actions/internal/testenv"
	"github.com/voidnxsec/nixops-actions/pkg/nix/derivation"
	"github.com/voidnxsec/nixops-actions/pkg/nix/pathinfo"
)

// fixture is a fresh store in a temp dir with testdata/flake built in it.
type fixture struct {
	s        *Store
	nixStore string // nix-store binary, to cross-check answers
	storeURI string
	flake    string // "path:DIR" of a copy of testdata/flake
	drv      map[string]string
	out      map[string]string // "multi.dev" etc.
}

// newFixture uses a store whose directory is not /nix/store, because
// sandboxed builds (needed for `--store DIR`) are impossible inside a
// chroot: Nix's user namespaces fail there with EPERM.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	nix := testenv.LookPath(t, "nix")
	dir := t.TempDir()
	uri := "local?store=" + dir + "/store&state=" + dir + "/var&log=" + dir + "/log"
	flakeDir := filepath.Join(dir, "flake")
	if err := os.CopyFS(flakeDir, os.DirFS("testdata/flake")); err != nil {
		t.Fatal(err)
	}
	f := &fixture{
		s: New(WithNix(filepath.Dir(nix)), WithStore(uri),
			WithOptions("sandbox", "false", "substituters", ""), WithStderr(logWriter{t})),
		nixStore: filepath.Join(filepath.Dir(nix), "nix-store"),
		storeURI: uri,
		flake:    "path:" + flakeDir,
		drv:      map[string]string{},
		out:      map[string]string{},
	}
	if got := f.s.StoreDir(); got != dir+"/store" {
		t.Fatalf("StoreDir() = %q, want %q", got, dir+"/store")
	}
	ctx := context.Background()
	drv, outs, err := f.s.Realise(ctx, f.flake+"#top")
	if err != nil {
		t.Fatalf("Realise top: %v", err)
	}
	f.drv["top"], f.out["top.out"] = drv, outs["out"]
	// The flake attribute builds multi's default output only; its .drv
	// builds all (and top needed dev anyway).
	if f.drv["multi"], err = f.s.DrvPath(ctx, f.flake+"#multi"); err != nil {
		t.Fatalf("DrvPath multi: %v", err)
	}
	if _, outs, err = f.s.Realise(ctx, f.drv["multi"]); err != nil {
		t.Fatalf("Realise %s: %v", f.drv["multi"], err)
	}
	f.out["multi.out"], f.out["multi.dev"] = outs["out"], outs["dev"]
	return f
}

type logWriter struct{ t *testing.T }

func (w logWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// query asks nix-store (the old, stable CLI) for a sorted path list.
func (f *fixture) query(t *testing.T, args ...string) []string {
	t.Helper()
	out, err := exec.Command(f.nixStore, append([]string{"--store", f.storeURI}, args...)...).Output()
	if err != nil {
		t.Fatalf("nix-store %v: %v", args, err)
	}
	paths := strings.Fields(string(out))
	slices.Sort(paths)
	return paths
}

func TestStore(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	sd := f.s.StoreDir()

	t.Run("realise", func(t *testing.T) {
		for key, suffix := range map[string]string{"top.out": "-top", "multi.out": "-multi-0.1", "multi.dev": "-multi-0.1-dev"} {
			if p := f.out[key]; !strings.HasPrefix(p, sd+"/") || !strings.HasSuffix(p, suffix) {
				t.Errorf("output %s = %q, want %s/…%s", key, p, sd, suffix)
			}
		}
		if len(f.out) != 3 {
			t.Errorf("outputs = %v, want top.out, multi.out, multi.dev", f.out)
		}
		// A flake attribute means its default output, as `nix build` has it.
		drv, outs, err := f.s.Realise(ctx, f.flake+"#multi")
		if err != nil {
			t.Fatal(err)
		}
		if drv != f.drv["multi"] || len(outs) != 1 || outs["out"] != f.out["multi.out"] {
			t.Errorf("Realise(#multi) = %s %v", drv, outs)
		}
	})

	t.Run("references", func(t *testing.T) {
		paths := []string{f.out["top.out"], f.out["multi.out"], f.out["multi.dev"], f.drv["multi"]}
		infos, err := f.s.PathInfo(ctx, paths, false)
		if err != nil {
			t.Fatal(err)
		}
		if len(infos) != len(paths) {
			t.Fatalf("PathInfo returned %d infos for %d paths: %+v", len(infos), len(paths), infos)
		}
		for _, in := range infos {
			if !slices.Contains(paths, in.Path) {
				t.Errorf("PathInfo answered for %s, which was not asked (a .drv must mean itself)", in.Path)
			}
			want := f.query(t, "-q", "--references", in.Path)
			got := slices.Sorted(slices.Values(in.References))
			if !slices.Equal(got, want) {
				t.Errorf("references of %s = %v, nix-store says %v", in.Path, got, want)
			}
			if !in.Valid || in.NarSize <= 0 || !strings.HasPrefix(in.NarHash, "sha256") {
				t.Errorf("info of %s lacks validity, size or hash: %+v", in.Path, in)
			}
			if _, err := pathinfo.NarHashHex(in.NarHash); err != nil {
				t.Errorf("nar hash of %s: %v", in.Path, err)
			}
		}
		byPath := index(infos)
		if d := byPath[f.out["multi.dev"]].Deriver; d != f.drv["multi"] {
			t.Errorf("deriver of multi.dev = %q, want %q", d, f.drv["multi"])
		}
		if ca := byPath[f.drv["multi"]].CA; !strings.HasPrefix(ca, "text:") {
			t.Errorf("CA of a .drv = %q, want text:…", ca)
		}
	})

	t.Run("closure", func(t *testing.T) {
		for _, p := range []string{f.out["top.out"], f.drv["top"]} {
			infos, err := f.s.PathInfo(ctx, []string{p}, true)
			if err != nil {
				t.Fatal(err)
			}
			got := slices.Sorted(func(yield func(string) bool) {
				for _, in := range infos {
					yield(in.Path)
				}
			})
			if want := f.query(t, "-qR", p); !slices.Equal(got, want) {
				t.Errorf("closure of %s = %v\nnix-store -qR says %v", p, got, want)
			}
		}
		infos, _ := f.s.PathInfo(ctx, []string{f.out["top.out"]}, true)
		names := map[string]bool{}
		for _, in := range infos {
			names[strings.SplitN(filepath.Base(in.Path), "-", 2)[1]] = true
		}
		for _, n := range []string{"top", "multi-0.1-dev", "multi-0.1", "lib-2.3", "fixed"} {
			if !names[n] {
				t.Errorf("runtime closure of top lacks %s: %v", n, names)
			}
		}
		if names["tool-1.0"] {
			t.Error("runtime closure of top holds the build-only tool")
		}
	})

	t.Run("missing", func(t *testing.T) {
		missing := sd + "/00000000000000000000000000000000-missing"
		infos, err := f.s.PathInfo(ctx, []string{missing, f.out["top.out"], missing + ".drv"}, false)
		if err != nil {
			t.Fatal(err)
		}
		byPath := index(infos)
		if len(infos) != 3 || byPath[missing].Valid || byPath[missing+".drv"].Valid || !byPath[f.out["top.out"]].Valid {
			t.Errorf("PathInfo(missing, top, missing.drv) = %+v", infos)
		}
		_, err = f.s.PathInfo(ctx, []string{missing}, true)
		var ce *CmdError
		if !errors.As(err, &ce) || !strings.Contains(err.Error(), "path-info") || !strings.Contains(ce.Stderr, "00000000000000000000000000000000-missing") {
			t.Errorf("closure of a missing path: err = %v, want a CmdError with command and stderr", err)
		}
	})

	t.Run("derivations", func(t *testing.T) {
		drvs, err := f.s.Derivations(ctx, []string{f.drv["top"]}, true)
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, p := range f.query(t, "-qR", f.drv["top"]) {
			if strings.HasSuffix(p, ".drv") {
				want = append(want, p)
			}
		}
		if got := slices.Sorted(mapKeys(drvs)); !slices.Equal(got, want) {
			t.Fatalf("derivations = %v, want %v", got, want)
		}
		multi := drvs[f.drv["multi"]]
		if multi == nil {
			t.Fatalf("no derivation %s", f.drv["multi"])
		}
		if multi.Outputs["out"].Path != f.out["multi.out"] || multi.Outputs["dev"].Path != f.out["multi.dev"] {
			t.Errorf("multi outputs = %+v", multi.Outputs)
		}
		if multi.Name != "multi-0.1" || multi.Builder != "/bin/sh" || multi.Env["outputs"] != "out dev" {
			t.Errorf("multi = %+v", multi)
		}
		var inputs []string
		for p := range multi.InputDrvs {
			inputs = append(inputs, strings.SplitN(filepath.Base(p), "-", 2)[1])
		}
		slices.Sort(inputs)
		if want := []string{"fixed.drv", "lib-2.3.drv", "tool-1.0.drv"}; !slices.Equal(inputs, want) {
			t.Errorf("multi input drvs = %v, want %v", inputs, want)
		}
		var fixed derivation.Output
		for p, d := range drvs {
			if strings.HasSuffix(p, "-fixed.drv") {
				fixed = d.Outputs["out"]
			}
		}
		if fixed.Hash != "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824" || !strings.Contains(fixed.HashAlgo, "sha256") {
			t.Errorf("fixed-output = %+v", fixed)
		}
	})

	// The .drv files read from disk and the JSON Nix prints must give the
	// same derivations, for the recursive walk as for single ones.
	t.Run("derivation-files-match-nix", func(t *testing.T) {
		viaNix := New(WithNix(f.s.nix), WithStore(f.storeURI), WithOptions("sandbox", "false"), WithoutDrvFiles())
		for _, recursive := range []bool{false, true} {
			files, err := f.s.Derivations(ctx, []string{f.drv["top"], f.drv["multi"]}, recursive)
			if err != nil {
				t.Fatal(err)
			}
			printed, err := viaNix.Derivations(ctx, []string{f.drv["top"], f.drv["multi"]}, recursive)
			if err != nil {
				t.Fatal(err)
			}
			if len(files) < 2 || !reflect.DeepEqual(files, printed) {
				t.Errorf("recursive=%v: read from files:\n%#v\nprinted by Nix:\n%#v", recursive, files, printed)
			}
		}
		if _, rest := f.s.readDrvFiles([]string{f.drv["top"]}); len(rest) != 0 {
			t.Errorf("%s was not read from disk (the fast path is off for %s)", f.drv["top"], f.storeURI)
		}
	})

	t.Run("drvpath", func(t *testing.T) {
		for _, in := range []string{f.flake + "#top", f.flake, f.out["top.out"], f.drv["top"], f.drv["top"] + "^out"} {
			got, err := f.s.DrvPath(ctx, in)
			if err != nil {
				t.Fatalf("DrvPath(%s): %v", in, err)
			}
			if got != f.drv["top"] {
				t.Errorf("DrvPath(%s) = %s, want %s", in, got, f.drv["top"])
			}
		}
		drv, err := f.s.DrvPath(ctx, f.flake+"#unbuilt")
		if err != nil {
			t.Fatal(err)
		}
		drvs, err := f.s.Derivations(ctx, []string{drv}, false)
		if err != nil {
			t.Fatal(err)
		}
		out := drvs[drv].Outputs["out"].Path
		infos, err := f.s.PathInfo(ctx, []string{out}, false)
		if err != nil {
			t.Fatal(err)
		}
		if len(infos) != 1 || infos[0].Valid {
			t.Errorf("DrvPath built %s: %+v", out, infos)
		}
	})

	// Evaluation never builds: import from derivation is refused, with
	// ErrImportFromDerivation, and ifd-gen stays unbuilt.
	t.Run("import-from-derivation", func(t *testing.T) {
		_, err := f.s.DrvPath(ctx, f.flake+"#ifd")
		if !errors.Is(err, ErrImportFromDerivation) {
			t.Errorf("DrvPath(#ifd): %v, want ErrImportFromDerivation", err)
		}
		if _, err := f.s.Eval(ctx, f.flake+"#ifd", "d: d.name"); !errors.Is(err, ErrImportFromDerivation) {
			t.Errorf("Eval(#ifd): %v, want ErrImportFromDerivation", err)
		}
		out, err := f.s.Eval(ctx, f.flake+"#ifd-gen", "d: d.outPath")
		if err != nil {
			t.Fatal(err)
		}
		gen := strings.Trim(strings.TrimSpace(string(out)), `"`)
		if invalid := f.query(t, "--check-validity", "--print-invalid", gen); len(invalid) != 1 {
			t.Errorf("evaluating #ifd built %s", gen)
		}
	})

	t.Run("eval", func(t *testing.T) {
		got, err := f.s.Eval(ctx, f.flake+"#multi", "d: { inherit (d) name outputs; }")
		if err != nil {
			t.Fatal(err)
		}
		if want := `{"name":"multi-0.1","outputs":["out","dev"]}`; strings.TrimSpace(string(got)) != want {
			t.Errorf("Eval = %s, want %s", got, want)
		}
	})
}

// TestBatch counts Nix processes through wrappers that log each run.
func TestBatch(t *testing.T) {
	f := newFixture(t)
	dir, log := callLog(t)
	closure := f.query(t, "-qR", f.out["top.out"], f.drv["top"])
	outs, drvs := count(closure, false), count(closure, true)
	// Nix before 2.13 fails on a missing .drv given to path-info
	// --derivation, so the .drv paths are first checked with nix-store;
	// the version is read from nix-store itself, not by this package.
	checks := nixStoreMinor(t, f.nixStore) < 13
	// calls is `nix --version`, then one run per chunk of each kind.
	calls := func(batch int) int {
		n := 1 + ceil(outs, batch) + ceil(drvs, batch)
		if checks {
			n += ceil(drvs, batch)
		}
		return n
	}
	tests := []struct {
		name  string
		batch int
		calls int
	}{
		{"one-call-per-kind", 0, calls(DefaultBatch)},
		{"chunks-of-3", 3, calls(3)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			os.Remove(log)
			s := New(WithNix(dir), WithStore(f.storeURI), WithBatch(tt.batch), WithoutDatabase())
			infos, err := s.PathInfo(context.Background(), closure, false)
			if err != nil {
				t.Fatal(err)
			}
			if len(infos) != len(closure) {
				t.Errorf("got %d infos for %d paths", len(infos), len(closure))
			}
			data, _ := os.ReadFile(log)
			wantChecks := 0
			if checks {
				wantChecks = ceil(drvs, cmp.Or(tt.batch, DefaultBatch))
			}
			if n := strings.Count(string(data), "--check-validity"); n != wantChecks {
				t.Errorf("ran nix-store --check-validity %d times, want %d:\n%s", n, wantChecks, data)
			}
			if n := strings.Count(string(data), "\n"); n != tt.calls {
				t.Errorf("ran nix %d times, want %d:\n%s", n, tt.calls, data)
			}
		})
	}
}

// TestNixMissing: the advice (the setup-nix action) is the action's to
// give, and cmd/nixops-sbom's tests check it.
func TestNixMissing(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "bin")
	s := New(WithNix(bin))
	_, err := s.Version(context.Background())
	if !errors.Is(err, ErrNixMissing) || !strings.Contains(err.Error(), filepath.Join(bin, "nix")) {
		t.Fatalf("Version without nix: %v, want ErrNixMissing naming the program looked for", err)
	}
	if _, err := s.PathInfo(context.Background(), []string{"/nix/store/x"}, false); !errors.Is(err, ErrNixMissing) {
		t.Errorf("PathInfo without nix: %v", err)
	}
}

// TestVersion proves, inside a chroot, that the chroot's Nix is the one used.
func TestVersion(t *testing.T) {
	nix := testenv.LookPath(t, "nix")
	v, err := New(WithNix(nix)).Version(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("nix version: %s (%s)", v, v.Raw)
	if v.Major != 2 || v.Minor < 8 {
		t.Errorf("version %+v: this package supports Nix 2.8 and newer", v)
	}
	if want := os.Getenv(nixchroot.VersionVar); want != "" && v.String() != want {
		t.Errorf("nix says %s, but the chroot's nix-bin package is %s", v, want)
	}
}

// TestNixVersions reruns this package's tests inside the Nix chroots.
func TestNixVersions(t *testing.T) {
	nixchroot.Run(t, ".")
}

func index(infos []pathinfo.Info) map[string]pathinfo.Info {
	m := map[string]pathinfo.Info{}
	for _, in := range infos {
		m[in.Path] = in
	}
	return m
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func count(paths []string, drvs bool) int {
	n := 0
	for _, p := range paths {
		if strings.HasSuffix(p, ".drv") == drvs {
			n++
		}
	}
	return n
}

func ceil(n, d int) int { return (n + d - 1) / d }

// nixStoreMinor is the minor version `nix-store --version` prints
// ("nix-store (Nix) 2.8.0").
func nixStoreMinor(t *testing.T, nixStore string) int {
	t.Helper()
	out, err := exec.Command(nixStore, "--version").Output()
	if err != nil {
		t.Fatal(err)
	}
	var major, minor int
	fields := strings.Fields(string(out))
	if len(fields) == 0 {
		t.Fatalf("nix-store --version printed %q", out)
	}
	if _, err := fmt.Sscanf(fields[len(fields)-1], "%d.%d", &major, &minor); err != nil || major != 2 {
		t.Fatalf("nix-store --version printed %q: %v", out, err)
	}
	return minor
}
