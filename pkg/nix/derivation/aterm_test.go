package derivation

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/voidnxsec/nixops-actions/internal/fuzzcorpus"
)

// TestParseATermEscapes checks the string escapes Nix writes (", \, tab,
// newline, CR); go-nix's parser kept the backslash of \" and so disagreed
// with Nix's own JSON.
func TestParseATermEscapes(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "aterm-escapes.drv"))
	if err != nil {
		t.Fatal(err)
	}
	const p = "/nix/store/0jq4fnwwyzv2sj1wwhsvbq8jcfbh7rs2-esc.drv"
	got, err := ParseATerm(data, p)
	if err != nil {
		t.Fatal(err)
	}
	out := "/nix/store/w06wg5yc43g7yimxqhylg7d36aphn09j-esc"
	want := &Derivation{Path: p, Name: "esc", Outputs: map[string]Output{"out": {Path: out}},
		InputSrcs: []string{"/nix/store/nffi6lgx0hdxnd82g6l1iqm2k4a4xfxp-src"},
		InputDrvs: map[string][]string{"/nix/store/1jc1xgvq3dnp4v1vy3xbgi0cvs5srini-b.drv": {"dev", "out"}},
		System:    "x86_64-linux", Builder: "/bin/sh",
		Args: []string{"-c", "echo \"$name\" \\\\ a\tb\nc\rd > $out"},
		Env:  map[string]string{"builder": "/bin/sh", "name": "esc", "out": out, "quote": "say \"hi\"\nthere\\\\"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ParseATerm\n got: %#v\nwant: %#v", got, want)
	}
}

func TestParseATermErrors(t *testing.T) {
	tests := []struct{ name, text, want string }{
		{"empty", ``, `want "Derive("`},
		{"dynamic-derivation", `DrvWithVersion("xp-dyn-drv",[],[],[],"s","b",[],[])`, `want "Derive("`},
		{"unterminated-string", `Derive([("out","/nix/store/x`, "unterminated string"},
		{"missing-field", `Derive([],[],[],"s","b",[])`, `want ","`},
		{"trailing", `Derive([],[],[],"s","b",[],[])x`, "trailing data"},
		{"bad-list", `Derive([("out","p","","")("dev","q","","")],[],[],"s","b",[],[])`, `want "]"`},
		{"env-json-bad", `Derive([],[],[],"s","b",[],[("__json","nope")])`, "__json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := ParseATerm([]byte(tt.text), "/nix/store/a-x.drv")
			if err == nil {
				t.Fatalf("ParseATerm succeeded with %#v, want an error", d)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
		})
	}
}

func FuzzParseATerm(f *testing.F) {
	fuzzcorpus.AddFiles(f, filepath.Join("testdata", "*.drv"))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := ParseATerm(data, "/nix/store/a-x.drv")
		if err != nil {
			return
		}
		if d.Outputs == nil || d.InputDrvs == nil || d.Env == nil || d.InputSrcs == nil || d.Args == nil {
			t.Errorf("derivation has nil fields: %#v", d)
		}
	})
}
