package sbom

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func validBOM() *BOM {
	return &BOM{
		Roots: []string{"a"},
		Components: []Component{
			{Ref: "a", Type: "application", Name: "a"},
			{Ref: "b", Type: "library", Name: "b"},
		},
		Dependencies: map[string][]string{"a": {"b"}},
		Timestamp:    time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC),
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*BOM)
		want   []string // substrings of the error; none: valid
	}{
		{"valid", func(*BOM) {}, nil},
		{"self-reference is allowed", func(b *BOM) { b.Dependencies["a"] = []string{"a", "b"} }, nil},
		{"duplicate ref", func(b *BOM) { b.Components[1].Ref = "a" }, []string{`"a": Ref used twice`}},
		{"empty ref", func(b *BOM) { b.Components[1].Ref = "" }, []string{`component 1 ("b"): empty Ref`}},
		{"empty name", func(b *BOM) { b.Components[1].Name = "" }, []string{`"b": empty Name`}},
		{"unknown type", func(b *BOM) { b.Components[1].Type = "lib" }, []string{`"b": Type "lib" is not a CycloneDX component type`}},
		{"unknown scope", func(b *BOM) { b.Components[1].Scope = "test" }, []string{`"b": Scope "test"`}},
		{"unknown hash", func(b *BOM) { b.Components[1].Hashes = []Hash{{Alg: "sha256", Hex: strings.Repeat("0", 64)}} }, []string{`hash algorithm "sha256" unknown`}},
		{"short digest", func(b *BOM) { b.Components[1].Hashes = []Hash{{Alg: "SHA-256", Hex: "abcd"}} }, []string{`SHA-256 digest "abcd" is not 64 lower-case hex`}},
		{"upper-case digest", func(b *BOM) { b.Components[1].Hashes = []Hash{{Alg: "SHA-1", Hex: strings.Repeat("A", 40)}} }, []string{"is not 40 lower-case hex"}},
		{"non-hex digest", func(b *BOM) { b.Components[1].Hashes = []Hash{{Alg: "SHA-1", Hex: strings.Repeat("g", 40)}} }, []string{"is not 40 lower-case hex"}},
		{"empty license", func(b *BOM) { b.Components[1].Licenses = []License{{}} }, []string{"neither ID nor Name"}},
		{"compound license id", func(b *BOM) { b.Components[1].Licenses = []License{{ID: "MIT OR X11"}} }, []string{"LicenseExpression"}},
		{"embedded without parent", func(b *BOM) { b.Components[1].Embedded = true }, []string{`"b": embedded but Parent is empty`}},
		{"parent unknown", func(b *BOM) { b.Components[1].Embedded, b.Components[1].Parent = true, "zz" }, []string{`Parent "zz" is not a component`}},
		{"parent but not embedded", func(b *BOM) { b.Components[1].Parent = "a" }, []string{"Embedded is false"}},
		{"own parent", func(b *BOM) { b.Components[1].Embedded, b.Components[1].Parent = true, "b" }, []string{"is its own Parent"}},
		{"no roots", func(b *BOM) { b.Roots = nil }, []string{"no Roots"}},
		{"unknown root", func(b *BOM) { b.Roots = []string{"a", "zz"} }, []string{`root "zz" is not a component`}},
		{"duplicate root", func(b *BOM) { b.Roots = []string{"a", "a"} }, []string{`root "a" is listed twice`}},
		{"unknown dependency", func(b *BOM) { b.Dependencies["a"] = []string{"zz"} }, []string{`dependency "a" -> "zz"`}},
		{"unknown dependent", func(b *BOM) { b.Dependencies["zz"] = []string{"a"} }, []string{`dependencies of "zz"`}},
		{"build-only not a dependency", func(b *BOM) { b.BuildOnly = map[string][]string{"b": {"a"}} }, []string{`build-only edge "b" -> "a" is not in Dependencies`}},
		{"zero timestamp", func(b *BOM) { b.Timestamp = time.Time{} }, []string{"Timestamp is zero"}},
		{"several problems at once", func(b *BOM) { b.Roots = nil; b.Components[0].Type = "" }, []string{"2 problems", "no Roots", `"a": Type ""`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := validBOM()
			tt.mutate(b)
			err := Validate(b)
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("Validate accepted the BOM")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			for _, f := range Formats {
				var buf bytes.Buffer
				if Encode(&buf, b, f) == nil || buf.Len() > 0 {
					t.Errorf("Encode %s: no error or %d bytes written for an invalid BOM", f, buf.Len())
				}
			}
		})
	}
}

func TestValidateNil(t *testing.T) {
	if err := Validate(nil); err == nil {
		t.Error("Validate(nil) = nil")
	}
}

func TestValidateLimitsProblems(t *testing.T) {
	b := validBOM()
	for i := 0; i < 50; i++ {
		b.Dependencies["a"] = append(b.Dependencies["a"], "missing")
	}
	err := Validate(b)
	if err == nil || !strings.Contains(err.Error(), "50 problems (showing the first 20)") {
		t.Fatalf("err = %v", err)
	}
	if n := strings.Count(err.Error(), "\n"); n != maxProblems {
		t.Errorf("error has %d lines of problems, want %d", n, maxProblems)
	}
}

func TestFixturesAreValid(t *testing.T) {
	for _, name := range fixtures(t) {
		if err := Validate(loadBOM(t, name)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}
