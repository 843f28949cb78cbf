package pathinfo

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"testing"

	"github.com/voidnxsec/nixops-actions/pkg/nix/storepath"
)

// slowParse is Parse without the typed fast path.
func slowParse(t *testing.T, data []byte, storeDir string) ([]Info, error) {
	t.Helper()
	data = bytes.TrimSpace(data)
	var infos []Info
	var err error
	if data[0] == '[' {
		infos, err = parseList(data, storeDir)
	} else {
		infos, err = parseObject(data, storeDir)
	}
	sort.SliceStable(infos, func(i, j int) bool { return infos[i].Path < infos[j].Path })
	return infos, err
}

// TestFastParseAgrees checks the typed decode against the field-by-field
// reader on every sample: same result where it answers, and no answer for
// the shapes it leaves to the reader.
func TestFastParseAgrees(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no samples: %v", err)
	}
	answered := 0
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			fast, ok := fastParse(bytes.TrimSpace(data), storepath.DefaultStoreDir)
			if !ok {
				return
			}
			answered++
			slow, err := slowParse(t, data, storepath.DefaultStoreDir)
			if err != nil {
				t.Fatalf("fast path accepted what the reader refuses: %v", err)
			}
			if !reflect.DeepEqual(fast, slow) {
				t.Errorf("fast and slow differ\nfast: %#v\nslow: %#v", fast, slow)
			}
		})
	}
	if answered == 0 {
		t.Error("the fast path answered for no sample")
	}
}

func TestFastParseDeclines(t *testing.T) {
	tests := []struct{ name, json string }{
		{"structured-narhash", `[{"path":"/nix/store/a-x","narHash":{"algorithm":"sha256","format":"base64","hash":"x"},"narSize":1}]`},
		{"ca-object", `{"/nix/store/a-x":{"narHash":"sha256:x","narSize":1,"ca":{"method":"nar","hash":"sha256-x"}}}`},
		{"wrapper", `{"version":2,"storeDir":"/nix/store","info":{}}`},
		{"entry-version", `[{"path":"/nix/store/a-x","narHash":"sha256:x","narSize":1,"version":9}]`},
		{"negative-size", `[{"path":"/nix/store/a-x","narHash":"sha256:x","narSize":-1}]`},
		{"missing-hash", `[{"path":"/nix/store/a-x","narSize":1}]`},
		{"sig-objects", `[{"path":"/nix/store/a-x","narHash":"sha256:x","narSize":1,"signatures":[{"keyName":"k","sig":"s"}]}]`},
		{"no-path", `[{"narHash":"sha256:x","narSize":1}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if infos, ok := fastParse([]byte(tt.json), storepath.DefaultStoreDir); ok {
				t.Errorf("fast path answered %#v, want it to leave this shape to the reader", infos)
			}
		})
	}
}
