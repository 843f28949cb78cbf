package store

import "testing"

func TestParseVersion(t *testing.T) {
	tests := []struct {
		name, out string
		want      Version
		showDrv   string
		jsonFmt   bool
		drvSuffix string
	}{
		{"debian-bookworm", "nix (Nix) 2.8.0\n", Version{2, 8, 0, false, "nix (Nix) 2.8.0"}, "show-derivation", false, ""},
		{"debian-trixie", "nix (Nix) 2.26.3", Version{2, 26, 3, false, "nix (Nix) 2.26.3"}, "derivation show", false, "^*"},
		{"debian-forky", "nix (Nix) 2.34.8\nSystem type: x86_64-linux\n", Version{2, 34, 8, false, "nix (Nix) 2.34.8"}, "derivation show", true, "^*"},
		{"lix", "nix (Lix, like Nix) 2.91.1", Version{2, 91, 1, true, "nix (Lix, like Nix) 2.91.1"}, "derivation show", false, "^*"},
		{"pre-release", "nix (Nix) 2.15pre20230101_abc", Version{2, 15, 0, false, "nix (Nix) 2.15pre20230101_abc"}, "derivation show", false, "^*"},
		{"determinate", "nix (Determinate Nix 3.8.2) 2.30.1", Version{2, 30, 1, false, "nix (Determinate Nix 3.8.2) 2.30.1"}, "derivation show", false, "^*"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseVersion(tt.out)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Fatalf("ParseVersion(%q) = %+v, want %+v", tt.out, got, tt.want)
			}
			c := cliFor(got)
			if s := joinWords(c.showDerivation); s != tt.showDrv {
				t.Errorf("show derivation command = %q, want %q", s, tt.showDrv)
			}
			if (c.jsonFormat != nil) != tt.jsonFmt {
				t.Errorf("json format flags = %v, want present=%v", c.jsonFormat, tt.jsonFmt)
			}
			if c.drvOutputsSuffix != tt.drvSuffix {
				t.Errorf("drv outputs suffix = %q, want %q", c.drvOutputsSuffix, tt.drvSuffix)
			}
		})
	}
	if _, err := ParseVersion("command not found"); err == nil {
		t.Error("ParseVersion accepted output without a version")
	}
}

func joinWords(w []string) string {
	s := ""
	for i, x := range w {
		if i > 0 {
			s += " "
		}
		s += x
	}
	return s
}

// FuzzParseVersion: whatever `nix --version` prints, ParseVersion returns a
// version or an error, never a panic, and a version it returns reads back
// the same from Nix's own format.
func FuzzParseVersion(f *testing.F) {
	for _, s := range []string{"nix (Nix) 2.8.0\n", "nix (Nix) 2.34.8\nSystem type: x86_64-linux\n", "nix (Lix, like Nix) 2.91.1",
		"nix (Nix) 2.15pre20230101_abc", "nix (Determinate Nix 3.8.2) 2.30.1", "nix (Nix) 2.99999999999999999999.1", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, out string) {
		v, err := ParseVersion(out)
		if err != nil {
			return
		}
		back, err := ParseVersion("nix (Nix) " + v.String())
		if err != nil || back.Major != v.Major || back.Minor != v.Minor || back.Patch != v.Patch {
			t.Fatalf("%q parsed as %s, which reads back as %+v, %v", out, v, back, err)
		}
	})
}

func TestParseVersionOutOfRange(t *testing.T) {
	if v, err := ParseVersion("nix (Nix) 2.99999999999999999999.1"); err == nil {
		t.Errorf("a minor version too large for an int parsed as %s", v)
	}
}
