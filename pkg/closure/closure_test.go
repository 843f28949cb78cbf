package closure_test

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/nix-community/go-nix/pkg/nixbase32"

	"github.com/voidnxsec/nixops-actions/internal/nixchroot"
	"github.com/voidnxsec/nixops-actions/internal/testenv"
	"github.com/voidnxsec/nixops-actions/pkg/closure"
	"github.com/voidnxsec/nixops-actions/pkg/nix/store"
	"github.com/voidnxsec/nixops-actions/pkg/sbom"
)

// fixture is the example flake built into a store of the test's own. The
// store directory moves (local?store=) rather than the store's root
// (--store DIR), since the latter needs a sandbox to build, which a chroot
// holding another Nix version cannot give.
type fixture struct {
	uri   string
	flake string // installable of the example package
	st    *store.Store
	out   string // the built output of the installable
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	testenv.LookPath(t, "nix")
	src, err := filepath.Abs("testdata/flake")
	if err != nil {
		t.Fatal(err)
	}
	flakeDir := filepath.Join(t.TempDir(), "flake")
	if err := os.CopyFS(flakeDir, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	f := &fixture{uri: "local?store=" + dir + "/store&state=" + dir + "/var&log=" + dir + "/log", flake: "path:" + flakeDir + "#default"}
	// Every test's flake has the same content, so Nix's evaluation cache
	// would answer with a .drv path of another test's store.
	f.st = store.New(store.WithStore(f.uri), store.WithOptions("eval-cache", "false"))
	nix(t, "build", "--store", f.uri, "--no-link", f.flake)
	f.out = strings.TrimSpace(nix(t, "eval", "--store", f.uri, "--raw", f.flake+".outPath"))
	return f
}

func nix(t *testing.T, args ...string) string {
	t.Helper()
	args = append([]string{"--extra-experimental-features", "nix-command flakes", "--option", "eval-cache", "false"}, args...)
	return testenv.Run(t, "nix", args...)
}

func nixStore(t *testing.T, f *fixture, args ...string) []string {
	t.Helper()
	out, err := exec.Command("nix-store", append([]string{"--store", f.uri}, args...)...).Output()
	if err != nil {
		t.Fatalf("nix-store %v: %v", args, err)
	}
	return strings.Fields(string(out))
}

// name strips the store directory and hash: the stable part a reader checks.
func name(ref string) string {
	ref = filepath.Base(ref)
	if i := strings.IndexByte(ref, '-'); i == 32 {
		return ref[33:]
	}
	return ref
}

func byName(b *sbom.BOM) map[string]sbom.Component {
	m := map[string]sbom.Component{}
	for _, c := range b.Components {
		m[name(c.Ref)] = c
	}
	return m
}

func namedDeps(deps map[string][]string) map[string][]string {
	m := map[string][]string{}
	for k, v := range deps {
		if len(v) == 0 {
			continue
		}
		var names []string
		for _, r := range v {
			names = append(names, name(r))
		}
		slices.Sort(names)
		m[name(k)] = names
	}
	return m
}

// TestClosure checks each scope against answers worked out by hand from
// testdata/flake/flake.nix: greeting keeps a reference to libgreet's lib
// output only, and needs libgreet's dev, greet-tool, its source and a patch
// to build.
func TestClosure(t *testing.T) {
	f := newFixture(t)
	buildDeps := []string{"CVE-2024-12345.patch", "greet-tool-0.5", "greeting-1.2.tar", "libgreet-2.0.1-dev", "libgreet-2.0.1-lib"}
	tests := []struct {
		scope     sbom.Scope
		scopes    map[string]sbom.Scope
		deps      map[string][]string
		buildOnly map[string][]string
	}{
		{
			scope:  sbom.Runtime,
			scopes: map[string]sbom.Scope{"greeting-1.2": sbom.Runtime, "libgreet-2.0.1-lib": sbom.Runtime},
			deps:   map[string][]string{"greeting-1.2": {"libgreet-2.0.1-lib"}},
		},
		{
			scope: sbom.BuildTime,
			scopes: map[string]sbom.Scope{"greeting-1.2": sbom.BuildTime, "libgreet-2.0.1-lib": sbom.BuildTime, "libgreet-2.0.1-dev": sbom.BuildTime,
				"greet-tool-0.5": sbom.BuildTime, "greeting-1.2.tar": sbom.BuildTime, "CVE-2024-12345.patch": sbom.BuildTime},
			deps:      map[string][]string{"greeting-1.2": buildDeps},
			buildOnly: map[string][]string{"greeting-1.2": buildDeps},
		},
		{
			scope: sbom.Both,
			scopes: map[string]sbom.Scope{"greeting-1.2": sbom.Both, "libgreet-2.0.1-lib": sbom.Both, "libgreet-2.0.1-dev": sbom.BuildTime,
				"greet-tool-0.5": sbom.BuildTime, "greeting-1.2.tar": sbom.BuildTime, "CVE-2024-12345.patch": sbom.BuildTime},
			deps:      map[string][]string{"greeting-1.2": buildDeps},
			buildOnly: map[string][]string{"greeting-1.2": {"CVE-2024-12345.patch", "greet-tool-0.5", "greeting-1.2.tar", "libgreet-2.0.1-dev"}},
		},
	}
	// The same answers whether derivations are read from the .drv files or
	// from what this Nix version prints.
	stores := map[string]*store.Store{
		"drv-files": f.st,
		"nix-json":  store.New(store.WithStore(f.uri), store.WithOptions("eval-cache", "false"), store.WithoutDrvFiles()),
	}
	for _, tt := range tests {
		for mode, st := range stores {
			t.Run(string(tt.scope)+"/"+mode, func(t *testing.T) {
				ctx := context.Background()
				opts := closure.Options{Scope: tt.scope, Meta: true, Warn: t.Errorf}
				tgt, err := closure.ResolveFor(ctx, st, f.flake, opts)
				if err != nil {
					t.Fatal(err)
				}
				b, err := closure.Build(ctx, st, tgt, opts)
				if err != nil {
					t.Fatal(err)
				}
				got := map[string]sbom.Scope{}
				for n, c := range byName(b) {
					got[n] = c.Scope
				}
				if !equalMaps(got, tt.scopes) {
					t.Errorf("components and scopes:\n got %v\nwant %v", got, tt.scopes)
				}
				if d := namedDeps(b.Dependencies); !equalLists(d, tt.deps) {
					t.Errorf("dependencies:\n got %v\nwant %v", d, tt.deps)
				}
				if d := namedDeps(b.BuildOnly); !equalLists(d, tt.buildOnly) {
					t.Errorf("build-only edges:\n got %v\nwant %v", d, tt.buildOnly)
				}
				if want := []string{filepath.Base(f.out)}; !slices.Equal(b.Roots, want) {
					t.Errorf("roots = %v, want %v", b.Roots, want)
				}
			})
		}
	}
}

// TestRuntimeMatchesNixStore compares the runtime closure and its edges
// with what nix-store itself answers.
func TestRuntimeMatchesNixStore(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	tgt, err := closure.Resolve(ctx, f.st, f.out)
	if err != nil {
		t.Fatal(err)
	}
	b, err := closure.Build(ctx, f.st, tgt, closure.Options{Scope: sbom.Runtime})
	if err != nil {
		t.Fatal(err)
	}
	want := nixStore(t, f, "-qR", f.out)
	var got []string
	for _, c := range b.Components {
		got = append(got, c.StorePath)
		refs := nixStore(t, f, "-q", "--references", c.StorePath)
		refs = slices.DeleteFunc(refs, func(r string) bool { return r == c.StorePath })
		for i := range refs {
			refs[i] = filepath.Base(refs[i])
		}
		slices.Sort(refs)
		if !slices.Equal(b.Dependencies[c.Ref], refs) && !(len(refs) == 0 && len(b.Dependencies[c.Ref]) == 0) {
			t.Errorf("%s depends on %v, nix-store says %v", c.Ref, b.Dependencies[c.Ref], refs)
		}
		h := nixStore(t, f, "-q", "--hash", c.StorePath)[0]
		raw, err := nixbase32.DecodeString(strings.TrimPrefix(h, "sha256:"))
		if err != nil {
			t.Fatal(err)
		}
		if len(c.Hashes) == 0 || c.Hashes[0] != (sbom.Hash{Alg: "SHA-256", Hex: hex.EncodeToString(raw)}) {
			t.Errorf("%s hashes = %v, nix-store says %s", c.Ref, c.Hashes, h)
		}
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("closure:\n got %v\nwant %v", got, want)
	}
}

// TestMetadata checks what only the Nix language knows, as flake.nix sets
// it: from the target's one evaluation (ResolveFor), and from the second
// one Build makes for a target resolved without the walk (Resolve).
func TestMetadata(t *testing.T) {
	f := newFixture(t)
	opts := closure.Options{Scope: sbom.Both, Meta: true, Warn: t.Errorf}
	resolvers := map[string]func(context.Context) (*closure.Target, error){
		"one evaluation": func(ctx context.Context) (*closure.Target, error) {
			return closure.ResolveFor(ctx, f.st, f.flake, opts)
		},
		"two evaluations": func(ctx context.Context) (*closure.Target, error) { return closure.Resolve(ctx, f.st, f.flake) },
	}
	for name, resolve := range resolvers {
		t.Run(name, func(t *testing.T) { checkMetadata(t, f, resolve, opts) })
	}
}

func checkMetadata(t *testing.T, f *fixture, resolve func(context.Context) (*closure.Target, error), opts closure.Options) {
	ctx := context.Background()
	tgt, err := resolve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b, err := closure.Build(ctx, f.st, tgt, opts)
	if err != nil {
		t.Fatal(err)
	}
	c := byName(b)
	g := c["greeting-1.2"]
	drv := filepath.Base(tgt.DrvPath)
	checks := []struct{ what, got, want string }{
		{"greeting name", g.Name, "greeting"},
		{"greeting version", g.Version, "1.2"},
		{"greeting type", g.Type, "application"},
		{"greeting purl", g.PURL, "pkg:nix/greeting@1.2?drvpath=" + drv + "&output=out"},
		{"greeting cpe", g.CPE, "cpe:2.3:a:example:greeting:1.2:*:*:*:*:*:*:*"},
		{"greeting homepage", g.Homepage, "https://example.org/greeting"},
		{"greeting licenses", licenses(g), "MIT,Apache-2.0"},
		{"greeting maintainers", strings.Join(g.Maintainers, ","), "ada"},
		{"greeting patches", strings.Join(g.Patches, ","), "CVE-2024-12345.patch"},
		{"greeting sources", strings.Join(g.SourceURLs, ","), "https://example.org/greeting/greeting-1.2.tar"},
		{"lib name", c["libgreet-2.0.1-lib"].Name, "libgreet"},
		{"lib output", c["libgreet-2.0.1-lib"].Output, "lib"},
		{"lib licenses", licenses(c["libgreet-2.0.1-lib"]), "Zlib"},
		{"dev licenses", licenses(c["libgreet-2.0.1-dev"]), "Zlib"},
		{"tool licenses", licenses(c["greet-tool-0.5"]), "MIT"},
		{"source type", c["greeting-1.2.tar"].Type, "file"},
		{"source url", strings.Join(c["greeting-1.2.tar"].SourceURLs, ","), "https://example.org/greeting/greeting-1.2.tar"},
		{"source hash", hashes(c["greeting-1.2.tar"]), "SHA-256:d9b4464c95ff5cba1a6e63045c898948d30d86dc33e9c1eed0f41e619e539929"},
		{"patch type", c["CVE-2024-12345.patch"].Type, "file"},
		{"patch licenses (none declared)", licenses(c["CVE-2024-12345.patch"]), ""},
	}
	for _, ck := range checks {
		if ck.got != ck.want {
			t.Errorf("%s = %q, want %q", ck.what, ck.got, ck.want)
		}
	}
}

// TestMetadataFallbacks: metadata that fails in parts loses only those
// parts (testdata/flake#brittle); metadata Nix cannot evaluate at all
// (#aborting) loses the metadata with a warning, and the one evaluation
// is retried without the walk so the target still resolves.
func TestMetadataFallbacks(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	flake := strings.TrimSuffix(f.flake, "#default")
	var warnings []string
	opts := closure.Options{Scope: sbom.BuildTime, Meta: true, Warn: func(format string, args ...any) {
		warnings = append(warnings, fmt.Sprintf(format, args...))
	}}
	build := func(attr string) map[string]sbom.Component {
		tgt, err := closure.ResolveFor(ctx, f.st, flake+"#"+attr, opts)
		if err != nil {
			t.Fatal(err)
		}
		b, err := closure.Build(ctx, f.st, tgt, opts)
		if err != nil {
			t.Fatal(err)
		}
		return byName(b)
	}
	c := build("brittle")
	checks := []struct{ what, got, want string }{
		{"brittle licenses", licenses(c["brittle-0.1"]), "Apache-2.0,"},
		{"brittle unfree", fmt.Sprint(c["brittle-0.1"].Unfree), "true"},
		{"brittle known vulnerabilities", strings.Join(c["brittle-0.1"].Insecure, "|"), "CVE-2020-0001|Unmaintained upstream since 2020."},
		{"greet-tool free", fmt.Sprint(c["greet-tool-0.5"].Unfree), "false"},
		{"brittle homepage", c["brittle-0.1"].Homepage, "https://example.org/brittle"},
		{"brittle description", c["brittle-0.1"].Description, ""},
		{"greet-tool licenses, beside a dependency without drvPath", licenses(c["greet-tool-0.5"]), "MIT"},
		{"warnings", strings.Join(warnings, "\n"), ""},
	}
	c = build("aborting")
	checks = append(checks, []struct{ what, got, want string }{
		{"aborting name", c["aborting-0.1"].Name, "aborting"},
		{"aborting licenses", licenses(c["aborting-0.1"]), ""},
	}...)
	for _, ck := range checks {
		if ck.got != ck.want {
			t.Errorf("%s = %q, want %q", ck.what, ck.got, ck.want)
		}
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "metadata of "+flake+"#aborting") || !strings.Contains(warnings[0], "no metadata here") {
		t.Errorf("warnings = %q, want one about the metadata of #aborting, with what Nix said", warnings)
	}
}

// TestResolve: every kind of target resolves to the same derivation and
// paths: the flake installable, its output's store path, a result link,
// a relative link to that link, and the .drv (all its outputs).
func TestResolve(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	drv := strings.TrimSpace(nix(t, "eval", "--store", f.uri, "--raw", strings.TrimSuffix(f.flake, "#default")+"#default.drvPath"))
	dir := t.TempDir()
	if err := os.Symlink(f.out, filepath.Join(dir, "result")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("result", filepath.Join(dir, "chain")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		spec  string
		flake bool
		paths []string
	}{
		{f.flake, true, []string{f.out}},
		{f.out, false, []string{f.out}},
		{filepath.Join(dir, "result"), false, []string{f.out}},
		{filepath.Join(dir, "chain"), false, []string{f.out}},
		{drv, false, []string{f.out}}, // greeting has one output
	}
	for _, tt := range tests {
		tgt, err := closure.Resolve(ctx, f.st, tt.spec)
		if err != nil {
			t.Errorf("Resolve(%s): %v", tt.spec, err)
			continue
		}
		if tgt.Spec != tt.spec || tgt.Flake != tt.flake || tgt.DrvPath != drv || !slices.Equal(tgt.Paths, tt.paths) {
			t.Errorf("Resolve(%s) = %+v, want flake %v, derivation %s, paths %v", tt.spec, tgt, tt.flake, drv, tt.paths)
		}
	}
}

// TestResolveChrootLink: a result link into a store at another root
// (--store DIR) dangles on this machine and is still read.
func TestResolveChrootLink(t *testing.T) {
	root := t.TempDir()
	file := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(file, []byte("notes\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p := strings.TrimSpace(testenv.Run(t, testenv.LookPath(t, "nix-store"), "--store", root, "--add", file))
	link := filepath.Join(t.TempDir(), "result")
	if err := os.Symlink(p, link); err != nil {
		t.Fatal(err)
	}
	tgt, err := closure.Resolve(context.Background(), store.New(store.WithStore(root)), link)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(tgt.Paths, []string{p}) || tgt.DrvPath != "" {
		t.Errorf("Resolve(link to %s) = %+v, want its path and no derivation", p, tgt)
	}
}

// TestTargetErrors: each problem comes as a *TargetError naming the
// target, with a sentinel the caller can tell apart, and in words of its
// own: the library knows nothing of the action's inputs.
func TestTargetErrors(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	missing := filepath.Dir(f.out) + "/00000000000000000000000000000000-missing-1.0"
	tests := []struct {
		target string
		want   error
	}{
		{"", closure.ErrNoTarget},
		{missing, closure.ErrNotInStore},
		{strings.TrimSuffix(f.flake, "#default") + "#nosuch", closure.ErrEval},
		{filepath.Dir(f.out) + "/not-a-store-path", nil},
	}
	for _, tt := range tests {
		_, err := closure.Resolve(ctx, f.st, tt.target)
		checkTargetError(t, err, tt.target, tt.want)
	}
	// An evaluated target that was never built has no runtime closure.
	unbuilt := strings.TrimSuffix(f.flake, "#default") + "#greeting-docs"
	tgt, err := closure.Resolve(ctx, f.st, unbuilt)
	if err != nil {
		t.Fatal(err)
	}
	_, err = closure.Build(ctx, f.st, tgt, closure.Options{Scope: sbom.Runtime})
	checkTargetError(t, err, unbuilt, closure.ErrNotBuilt)
}

// checkTargetError wants a *TargetError for spec that is want (any error
// when want is nil) and names no action input.
func checkTargetError(t *testing.T, err error, spec string, want error) {
	t.Helper()
	var te *closure.TargetError
	if !errors.As(err, &te) || te.Spec != spec || want != nil && !errors.Is(err, want) {
		t.Errorf("target %q: error %v, want a *TargetError for it that is %v", spec, err, want)
		return
	}
	for _, word := range []string{`input "`, "closure: ", "target: "} {
		if strings.Contains(err.Error(), word) {
			t.Errorf("target %q: error %q speaks of action inputs (%q)", spec, err, word)
		}
	}
}

// TestImportFromDerivation: a target whose evaluation would build
// something first (testdata/flake#ifd reads a file ifd-gen builds) is
// refused with store.ErrImportFromDerivation, and nothing is built. Built
// beforehand, its store path gives the runtime closure.
func TestImportFromDerivation(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	flake := strings.TrimSuffix(f.flake, "#default")
	gen := strings.TrimSpace(nix(t, "eval", "--store", f.uri, "--raw", flake+"#ifd-gen.outPath"))
	for _, scope := range []sbom.Scope{sbom.BuildTime, sbom.Runtime} {
		opts := closure.Options{Scope: scope, Meta: true, Warn: t.Logf}
		tgt, err := closure.ResolveFor(ctx, f.st, flake+"#ifd", opts)
		if err == nil {
			_, err = closure.Build(ctx, f.st, tgt, opts)
		}
		checkTargetError(t, err, flake+"#ifd", store.ErrImportFromDerivation)
	}
	if invalid := nixStore(t, f, "--check-validity", "--print-invalid", gen); len(invalid) != 1 {
		t.Errorf("evaluating #ifd built %s", gen)
	}
	// What the action advises: build it, then give the store path.
	nix(t, "build", "--store", f.uri, "--no-link", flake+"#ifd")
	out := strings.TrimSpace(nix(t, "eval", "--store", f.uri, "--raw", flake+"#ifd.outPath"))
	tgt, err := closure.Resolve(ctx, f.st, out)
	if err != nil {
		t.Fatal(err)
	}
	b, err := closure.Build(ctx, f.st, tgt, closure.Options{Scope: sbom.Both})
	if err != nil {
		t.Fatal(err)
	}
	if c := byName(b)["ifd-9.9"]; c.Name != "ifd" || c.Version != "9.9" {
		t.Errorf("component of the built IFD target: %+v", c)
	}
}

// TestNixVersions runs this package's tests again under Nix 2.26 and 2.34.
func TestNixVersions(t *testing.T) {
	nixchroot.Run(t, ".")
}

func licenses(c sbom.Component) string {
	var ids []string
	for _, l := range c.Licenses {
		ids = append(ids, l.ID)
	}
	return strings.Join(ids, ",")
}

func hashes(c sbom.Component) string {
	var hs []string
	for _, h := range c.Hashes {
		hs = append(hs, h.Alg+":"+h.Hex)
	}
	return strings.Join(hs, ",")
}

func equalMaps[V comparable](a, b map[string]V) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if bv, ok := b[k]; !ok || bv != v {
			return false
		}
	}
	return true
}

func equalLists(a, b map[string][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !slices.Equal(v, b[k]) {
			return false
		}
	}
	return true
}

// TestStructuredAttrs: with __structuredAttrs, pname and version are only
// in the derivation's JSON attributes; without the meta evaluation they
// must still be found there.
func TestStructuredAttrs(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	installable := strings.TrimSuffix(f.flake, "#default") + "#structured"
	nix(t, "build", "--store", f.uri, "--no-link", installable)
	tgt, err := closure.Resolve(ctx, f.st, installable)
	if err != nil {
		t.Fatal(err)
	}
	b, err := closure.Build(ctx, f.st, tgt, closure.Options{Scope: sbom.Runtime})
	if err != nil {
		t.Fatal(err)
	}
	c := byName(b)["structured-pkg"]
	if c.Name != "structured" || c.Version != "0.3" {
		t.Errorf("name, version = %q, %q; want structured, 0.3", c.Name, c.Version)
	}
}
