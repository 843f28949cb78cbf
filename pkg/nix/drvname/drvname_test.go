package drvname

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/voidnxsec/nixops-actions/internal/testenv"
)

// parseCases reads testdata/parse-cases.json: [name, pname, version] triples.
func parseCases(t testing.TB) [][3]string {
	data, err := os.ReadFile(filepath.Join("testdata", "parse-cases.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cases [][3]string
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	return cases
}

func TestParse(t *testing.T) {
	for _, c := range parseCases(t) {
		t.Run(c[0], func(t *testing.T) {
			pname, version := Parse(c[0])
			if pname != c[1] || version != c[2] {
				t.Errorf("Parse(%q) = %q, %q; want %q, %q", c[0], pname, version, c[1], c[2])
			}
		})
	}
}

// TestParseAgreesWithNix checks every case against builtins.parseDrvName
// of the installed Nix, so the table cannot drift from Nix.
func TestParseAgreesWithNix(t *testing.T) {
	instantiate := testenv.LookPath(t, "nix-instantiate")
	file, err := filepath.Abs(filepath.Join("testdata", "parse-cases.json"))
	if err != nil {
		t.Fatal(err)
	}
	expr := `map (c: builtins.parseDrvName (builtins.head c)) (builtins.fromJSON (builtins.readFile ` + file + `))`
	out, err := exec.Command(instantiate, "--eval", "--strict", "--json", "-E", expr).Output()
	if err != nil {
		t.Fatalf("nix-instantiate: %v", err)
	}
	var fromNix []struct{ Name, Version string }
	if err := json.Unmarshal(out, &fromNix); err != nil {
		t.Fatalf("nix-instantiate output %s: %v", out, err)
	}
	cases := parseCases(t)
	if len(fromNix) != len(cases) {
		t.Fatalf("Nix parsed %d names, want %d", len(fromNix), len(cases))
	}
	for i, c := range cases {
		if pname, version := Parse(c[0]); pname != fromNix[i].Name || version != fromNix[i].Version {
			t.Errorf("Parse(%q) = %q, %q; Nix says %q, %q", c[0], pname, version, fromNix[i].Name, fromNix[i].Version)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, c := range parseCases(f) {
		f.Add(c[0])
	}
	f.Fuzz(func(t *testing.T, name string) {
		pname, version := Parse(name)
		if version == "" && pname != name {
			t.Errorf("Parse(%q) = %q, %q: without a version the pname is the whole name", name, pname, version)
		}
		if version != "" && pname+"-"+version != name {
			t.Errorf("Parse(%q) = %q, %q: does not split the name", name, pname, version)
		}
	})
}
