package pathinfo

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/voidnxsec/nixops-actions/internal/fuzzcorpus"
)

const (
	topPath  = "/nix/store/5hh8w2yr9jcz9pmd5mdvgc7ixc5mmgmb-nixops-top-2.3.4"
	depPath  = "/nix/store/fjj20dxvg0a33fsd8vzrj414q05q3c4n-nixops-dep-1.0"
	fodPath  = "/nix/store/mavvcjgqkx5bgb2rk5cpbsqlsbin0fnx-nixops-fod-rec"
	srcPath  = "/nix/store/nffi6lgx0hdxnd82g6l1iqm2k4a4xfxp-nixops-src.txt"
	saPath   = "/nix/store/78ww847f7cbci1ria3sm9ajc1aa7h4mn-nixops-sa-0.1"
	missPath = "/nix/store/00000000000000000000000000000000-nixops-missing"
	sig      = "cache.example.org-1:c2lnbmF0dXJl"
)

// store is the set of store objects the synthetic samples describe, built
// by Nix 2.8 on the host (see nix-2.8-array.json) and re-printed in the
// shapes of later Nix versions.
func store(dir string, closureSizes bool) []Info {
	j := func(p string) string { return filepath.Join(dir, filepath.Base(p)) }
	infos := []Info{
		{Path: j(missPath)},
		{Path: j(topPath), Valid: true, NarHash: "sha256-qidzaBNzwN4s/HjmckdBOvMnvmA9bBZy9gx3wfv28xY=", NarSize: 232,
			References: []string{j(depPath), j(srcPath)},
			Deriver:    j("/nix/store/4c0vici3nlrizpnw9g02zkka22kyaapl-nixops-top-2.3.4.drv"), ClosureSize: 480},
		{Path: j(depPath), Valid: true, NarHash: "sha256-e9vJ5kB9nT7UCtxk10a+Y2a19Y7maMawKGYAi771cgI=", NarSize: 120,
			References: []string{}, Deriver: j("/nix/store/ig1ba0fdjm7p69q65m1m139qhw98w8wa-nixops-dep-1.0.drv"),
			Signatures: []string{sig}, ClosureSize: 120},
		{Path: j(fodPath), Valid: true, NarHash: "sha256-IlLUt4yU6Mes5OMxe3i9/mS8jjlwpk620vfCpEPAw/w=", NarSize: 120,
			References: []string{}, Deriver: j("/nix/store/qbfna5gifwjxkn3faz1vp8y032pmwfkg-nixops-fod-rec.drv"),
			CA: "fixed:r:sha256:1z63q11s9hppsav4x9kh767bqr7ypmw7ncg3wjncgs4lijvx8li2", ClosureSize: 120},
		{Path: j(srcPath), Valid: true, NarHash: "sha256-vD9Tx1v0UfAxBjlVk8xvfiXnvKcCW/3Zpxm4YnU+NtI=", NarSize: 128,
			References: []string{}, CA: "text:sha256:0b9aj09dx3gmi3jk7qiivix19xvckxnqj7hy1ykl1m6f6yh310d2", ClosureSize: 128},
	}
	for i := range infos {
		if !closureSizes {
			infos[i].ClosureSize = 0
		}
		if infos[i].Valid && len(infos[i].Signatures) == 0 {
			infos[i].Signatures = []string{}
		}
	}
	return sortedByPath(infos)
}

func sortedByPath(infos []Info) []Info {
	out := append([]Info{}, infos...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j].Path < out[i].Path {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func nix28Array() []Info {
	infos := store("/nix/store", true)[1:] // no missing path
	infos = append(infos, Info{Path: saPath, Valid: true, NarHash: "sha256-yoL37p80zmuflMRWJoRyz+zNXyKBZCyBtxkgLfN+thA=",
		NarSize: 120, References: []string{}, Deriver: "/nix/store/klw08a2j6cjiavlp2vnfmv9kz67fvxwh-nixops-sa-0.1.drv", ClosureSize: 120})
	for i := range infos {
		infos[i].Signatures = nil // Nix 2.8 omits the field when empty
	}
	return sortedByPath(infos)
}

// nix219 omits empty signatures and has no closure sizes.
func nix219() []Info {
	infos := store("/nix/store", false)
	for i := range infos {
		if len(infos[i].Signatures) == 0 {
			infos[i].Signatures = nil
		}
	}
	return infos
}

func TestParse(t *testing.T) {
	tests := []struct {
		file     string
		storeDir string
		want     []Info
	}{
		{"nix-2.8-array.json", "/nix/store", nix28Array()},
		{"nix-2.8-array-missing.json", "/nix/store", []Info{{Path: missPath}}},
		{"nix-2.19-object.json", "/nix/store", nix219()},
		{"nix-2.23-nulls.json", "/nix/store", store("/nix/store", true)},
		{"nix-2.34-format1.json", "/nix/store", store("/nix/store", true)},
		{"nix-2.34-format2.json", "/nix/store", store("/nix/store", true)},
		{"nix-2.34-format2.json", "", store("/nix/store", true)},
		{"nix-2.35-format3.json", "/nix/store", store("/nix/store", true)},
		{"nix-2.33pre-structured-hash.json", "/nix/store", store("/nix/store", true)},
		// The storeDir the JSON names wins over the caller's guess.
		{"nix-2.34-format2-storedir.json", "/nix/store", store("/opt/store", true)},
	}
	for _, tt := range tests {
		t.Run(tt.file+"@"+tt.storeDir, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			got, err := Parse(data, tt.storeDir)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Parse mismatch\n got: %#v\nwant: %#v", got, tt.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, json string
		wantErr    []string // substrings the message must contain
	}{
		{"empty", ``, []string{"empty input"}},
		{"scalar", `42`, []string{"top level", "want list or object, got number"}},
		{"references-object", `{"/nix/store/5hh8w2yr9jcz9pmd5mdvgc7ixc5mmgmb-x":{"narHash":"sha256-qidzaBNzwN4s/HjmckdBOvMnvmA9bBZy9gx3wfv28xY=","narSize":1,"references":{}}}`,
			[]string{`field "references" of /nix/store/5hh8w2yr9jcz9pmd5mdvgc7ixc5mmgmb-x: want list of strings, got object`}},
		{"narsize-string", `[{"path":"/nix/store/5hh8w2yr9jcz9pmd5mdvgc7ixc5mmgmb-x","narHash":"sha256:x","narSize":"1"}]`,
			[]string{`field "narSize" of /nix/store/5hh8w2yr9jcz9pmd5mdvgc7ixc5mmgmb-x: want non-negative integer, got string`}},
		{"narsize-negative", `[{"path":"/p","narHash":"sha256:x","narSize":-1}]`, []string{`field "narSize"`}},
		{"narhash-missing", `[{"path":"/nix/store/5hh8w2yr9jcz9pmd5mdvgc7ixc5mmgmb-x","narSize":1}]`, []string{`field "narHash"`, "missing"}},
		{"narhash-number", `[{"path":"/p","narHash":1,"narSize":1}]`, []string{`field "narHash" of /p`, "got number"}},
		{"path-missing", `[{"narHash":"sha256:x","narSize":1}]`, []string{`field "path" of element 0`}},
		{"element-string", `["x"]`, []string{"element 0 of top-level list: want object, got string"}},
		{"valid-string", `[{"path":"/p","valid":"no"}]`, []string{`field "valid" of /p: want bool, got string`}},
		{"unknown-key", `{"foo":{}}`, []string{`top-level key "foo"`}},
		{"entry-list", `{"/nix/store/5hh8w2yr9jcz9pmd5mdvgc7ixc5mmgmb-x":[]}`, []string{"want object or null, got list"}},
		{"info-list", `{"version":2,"storeDir":"/nix/store","info":[]}`, []string{`field "info" of top level`, "got list"}},
		{"version-5", `{"version":5,"storeDir":"/nix/store","info":{}}`, []string{`field "version"`, "unsupported version 5"}},
		{"entry-version-9", `{"/p":{"version":9,"narHash":"sha256:x","narSize":1}}`, []string{`field "version" of /p`, "unsupported version 9"}},
		{"ca-number", `{"/p":{"narHash":"sha256:x","narSize":1,"ca":3}}`, []string{`field "ca" of /p`, "got number"}},
		{"ca-method", `{"version":2,"info":{"5hh8w2yr9jcz9pmd5mdvgc7ixc5mmgmb-x":{"narHash":"sha256:x","narSize":1,"ca":{"method":"zip","hash":"sha256-IlLUt4yU6Mes5OMxe3i9/mS8jjlwpk620vfCpEPAw/w="}}}}`,
			[]string{`field "ca" of /nix/store/5hh8w2yr9jcz9pmd5mdvgc7ixc5mmgmb-x`, `unknown method "zip"`}},
		{"ca-bad-hash", `{"/p":{"narHash":"sha256:x","narSize":1,"ca":{"method":"nar","hash":"sha256-!!"}}}`, []string{`field "ca" of /p`, `hash "sha256-!!"`}},
		{"narhash-format", `{"/p":{"narHash":{"algorithm":"sha256","format":"base99","hash":"x"},"narSize":1}}`, []string{`field "narHash" of /p`, `unknown hash format "base99"`}},
		{"signatures-number", `{"/p":{"narHash":"sha256:x","narSize":1,"signatures":[1]}}`, []string{`field "signatures" of /p`, "got a number element"}},
		{"signatures-object", `{"/p":{"narHash":"sha256:x","narSize":1,"signatures":{}}}`, []string{`field "signatures" of /p: want list, got object`}},
		{"deriver-list", `{"/p":{"narHash":"sha256:x","narSize":1,"deriver":[]}}`, []string{`field "deriver" of /p: want string, got list`}},
		{"closure-bool", `{"/p":{"narHash":"sha256:x","narSize":1,"closureSize":true}}`, []string{`field "closureSize" of /p`, "got bool"}},
		{"storedir-number", `{"version":2,"storeDir":1,"info":{}}`, []string{`field "storeDir" of top level: want string, got number`}},
		{"truncated", `[{"path":`, []string{"top-level list"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse([]byte(tt.json), "/nix/store")
			if err == nil {
				t.Fatalf("Parse succeeded with %#v, want an error", got)
			}
			for _, want := range tt.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}
			if !strings.HasPrefix(err.Error(), "path-info JSON: ") {
				t.Errorf("error %q does not say it is about path-info JSON", err)
			}
		})
	}
}

func TestNarHashHex(t *testing.T) {
	const hex = "aa2773681373c0de2cfc78e67247413af327be603d6c1672f60c77c1fbf6f316"
	tests := []struct {
		in, want, wantErr string
	}{
		{"sha256-qidzaBNzwN4s/HjmckdBOvMnvmA9bBZy9gx3wfv28xY=", hex, ""},
		{"sha256:05pkyvxw2xqcyrr1cv1xc2z2gwrs853p5rkqzhndxh3k2dl769xa", hex, ""},
		{"sha256:" + hex, hex, ""},
		{"sha256:" + strings.ToUpper(hex), hex, ""},
		{"sha1:0000000000000000000000000000000000000000", "", "want sha256, got sha1"},
		{"sha256-short", "", "NAR hash"},
		{"qidzaBNzwN4s", "", "NAR hash"},
		{"", "", "NAR hash"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := NarHashHex(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("NarHashHex(%q) = %q, %v; want error containing %q", tt.in, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("NarHashHex(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	fuzzcorpus.AddFiles(f, filepath.Join("testdata", "*.json"))
	f.Add([]byte(`{"/p":null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		infos, err := Parse(data, "/nix/store")
		if err != nil {
			return
		}
		for i, info := range infos {
			if !strings.HasPrefix(info.Path, "/") {
				t.Errorf("info %d: path %q is not absolute", i, info.Path)
			}
			if i > 0 && infos[i-1].Path > info.Path {
				t.Errorf("infos not sorted at %d", i)
			}
		}
	})
}
