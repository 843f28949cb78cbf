package sbom

import (
	"slices"
	"strings"
	"testing"
)

func TestPresentStorePaths(t *testing.T) {
	b := loadBOM(t, "runtime-deps")
	b.Components[0].NarSize = 0 // as for a path Nix did not find
	got := b.PresentStorePaths()
	want := []string{"/nix/store/ddwyrxif62r8n6xclvskjyy6szdhvj60-glibc-2.39-52", "/nix/store/mkx1p8vbd2q3lfh0xqc8kzmgz6x3wddf-libidn2-2.3.7"}
	if !slices.Equal(got, want) {
		t.Errorf("PresentStorePaths() = %v, want %v", got, want)
	}
}

// TestAddEmbedded hangs two packages under hello and one under glibc: each
// takes its parent's scope, the parent depends on it, the order is the
// canonical one and the result validates.
func TestAddEmbedded(t *testing.T) {
	b := loadBOM(t, "runtime-deps")
	hello, glibc := b.Components[0], b.Components[1]
	b.Components[1].Scope = BuildTime
	pkg := func(parent Component, purl string) Component {
		return Component{Ref: parent.Ref + "#" + purl, Type: "library", Name: purl, PURL: purl, Embedded: true, Parent: parent.Ref}
	}
	found := map[string][]Component{
		hello.StorePath: {pkg(hello, "pkg:golang/z@v1"), pkg(hello, "pkg:golang/a@v1")},
		glibc.StorePath: {pkg(glibc, "pkg:generic/x@1")},
	}
	if err := b.AddEmbedded(found); err != nil {
		t.Fatal(err)
	}
	var refs []string
	for _, c := range b.Components {
		refs = append(refs, c.Ref)
		if c.Embedded && c.Parent == glibc.Ref && c.Scope != BuildTime || c.Embedded && c.Parent == hello.Ref && c.Scope != hello.Scope {
			t.Errorf("%s has scope %q, not its parent's", c.Ref, c.Scope)
		}
	}
	if !slices.IsSorted(refs) || len(refs) != 6 {
		t.Errorf("components %v: want 6, sorted by ref", refs)
	}
	wantHello := append(slices.Clone(loadBOM(t, "runtime-deps").Dependencies[hello.Ref]), hello.Ref+"#pkg:golang/a@v1", hello.Ref+"#pkg:golang/z@v1")
	slices.Sort(wantHello)
	if got := b.Dependencies[hello.Ref]; !slices.Equal(got, wantHello) {
		t.Errorf("hello depends on %v, want %v", got, wantHello)
	}
	if deps, ok := b.Dependencies[glibc.Ref+"#pkg:generic/x@1"]; !ok || len(deps) != 0 {
		t.Errorf("an embedded package has dependencies %v (present %v), want an empty entry", deps, ok)
	}
	if err := Validate(b); err != nil {
		t.Errorf("Validate: %v", err)
	}
}

func TestAddEmbeddedUnknownPath(t *testing.T) {
	b := loadBOM(t, "runtime-deps")
	err := b.AddEmbedded(map[string][]Component{"/nix/store/00000000000000000000000000000000-x": {{Ref: "x#y", Embedded: true}}})
	if err == nil || !strings.Contains(err.Error(), "00000000000000000000000000000000-x") {
		t.Errorf("AddEmbedded for a path not in the BOM: %v", err)
	}
}
