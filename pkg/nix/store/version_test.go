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
