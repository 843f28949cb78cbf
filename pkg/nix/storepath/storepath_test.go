package storepath_test

import (
	"os/exec"
	"strings"
	"testing"

	gonix "github.com/nix-community/go-nix/pkg/storepath"

	"github.com/voidnxsec/nixops-actions/internal/nixchroot"
	"github.com/voidnxsec/nixops-actions/internal/testenv"
	"github.com/voidnxsec/nixops-actions/pkg/nix/storepath"
)

const hash = "5hh8w2yr9jcz9pmd5mdvgc7ixc5mmgmb"

// baseCases are store path basenames and whether Nix takes them as one.
var baseCases = []struct {
	base string
	ok   bool
}{
	{hash + "-hello-2.12", true},
	{hash + "-hello-2.12.drv", true},
	{hash + "-ok+-._?=", true},
	{hash + "-.dot", true},
	{hash + "--lead", true},
	{hash + "-" + strings.Repeat("a", 211), true},
	{hash + "-" + strings.Repeat("a", 212), false},
	{hash + "-a b", false},
	{hash + "-x@y", false},
	{hash + "-", false},
	{hash, false},
	{"eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee-x", false}, // e is not nixbase32
	{"5hh8w2yr9jcz9pmd5m-x", false},
	{strings.ToUpper(hash) + "-x", false},
}

func TestParseBase(t *testing.T) {
	for _, tt := range baseCases {
		hash, name, err := storepath.ParseBase(tt.base)
		if (err == nil) != tt.ok {
			t.Errorf("ParseBase(%q): error %v, want ok=%v", tt.base, err, tt.ok)
			continue
		}
		if err == nil && hash+"-"+name != tt.base {
			t.Errorf("ParseBase(%q) = %q, %q: does not split it", tt.base, hash, name)
		}
	}
}

// TestParseBaseAgreesWithNix asks the installed Nix about every case: a
// path of the right shape is only "not valid" in the empty dummy store,
// a wrong one is refused with "illegal", "too short" or "too long".
func TestParseBaseAgreesWithNix(t *testing.T) {
	nixStore := testenv.LookPath(t, "nix-store")
	for _, tt := range baseCases {
		if tt.base == hash+"-" {
			continue // Nix reads /nix/store/<hash>- as a path below <hash>
		}
		out, _ := exec.Command(nixStore, "--store", "dummy://", "-q", "--hash", storepath.DefaultStoreDir+"/"+tt.base).CombinedOutput()
		nixOK := strings.Contains(string(out), "is not valid")
		if !nixOK && !strings.Contains(string(out), "store path") {
			t.Fatalf("nix-store on %q said %s: neither a missing path nor a refused name", tt.base, out)
		}
		if _, _, err := storepath.ParseBase(tt.base); (err == nil) != nixOK {
			t.Errorf("ParseBase(%q): error %v, but Nix says %s", tt.base, err, strings.TrimSpace(string(out)))
		}
	}
}

// TestParseAgreesWithGoNix compares with go-nix's reading of /nix/store
// paths, an independent implementation (which has no length limit).
func TestParseAgreesWithGoNix(t *testing.T) {
	for _, tt := range baseCases {
		full := storepath.DefaultStoreDir + "/" + tt.base
		if len(tt.base) > 240 {
			continue
		}
		p, err := storepath.Parse(storepath.DefaultStoreDir, full)
		theirs, gerr := gonix.FromAbsolutePath(full)
		if (err == nil) != (gerr == nil) {
			t.Errorf("%s: Parse error %v, go-nix error %v", full, err, gerr)
			continue
		}
		if err == nil && (p.Name != theirs.Name || p.String() != theirs.Absolute()) {
			t.Errorf("%s: Parse = %+v, go-nix %s named %q", full, p, theirs.Absolute(), theirs.Name)
		}
	}
}

func TestParse(t *testing.T) {
	p, err := storepath.Parse("/opt/store", "/opt/store/"+hash+"-hello-2.12.drv")
	if err != nil || p.Dir != "/opt/store" || p.Hash != hash || p.Name != "hello-2.12.drv" || !p.IsDerivation() {
		t.Fatalf("Parse = %+v, %v", p, err)
	}
	if p.Base() != hash+"-hello-2.12.drv" || p.String() != "/opt/store/"+hash+"-hello-2.12.drv" {
		t.Errorf("Base, String = %q, %q", p.Base(), p.String())
	}
	for _, bad := range []string{
		"/nix/store/" + hash + "-hello",     // another store directory
		"/opt/store/" + hash + "-hello/bin", // below a store path
		"/opt/store",
		"/opt/storex/" + hash + "-hello",
	} {
		if _, err := storepath.Parse("/opt/store", bad); err == nil {
			t.Errorf("Parse(/opt/store, %q) succeeded", bad)
		}
	}
}

func TestSplit(t *testing.T) {
	for _, tt := range []struct{ in, path, rest string }{
		{"/nix/store/" + hash + "-hello/bin/hello", "/nix/store/" + hash + "-hello", "/bin/hello"},
		{"/nix/store/" + hash + "-hello", "/nix/store/" + hash + "-hello", ""},
		{"/nix/store/" + hash + "-hello/", "/nix/store/" + hash + "-hello", "/"},
	} {
		p, rest, err := storepath.Split(storepath.DefaultStoreDir, tt.in)
		if err != nil || p.String() != tt.path || rest != tt.rest {
			t.Errorf("Split(%q) = %s, %q, %v; want %s, %q", tt.in, p, rest, err, tt.path, tt.rest)
		}
	}
	for _, bad := range []string{"/nix/store/x/bin", "/usr/bin/env", "/nix/store"} {
		if _, _, err := storepath.Split(storepath.DefaultStoreDir, bad); err == nil {
			t.Errorf("Split(%q) succeeded", bad)
		}
	}
}

func TestName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/nix/store/" + hash + "-nixops-top-2.3.4", "nixops-top-2.3.4"},
		{hash + "-hello-1.0", "hello-1.0"},
		{"/nix/store/4c0vici3nlrizpnw9g02zkka22kyaapl-nixops-top-2.3.4.drv", "nixops-top-2.3.4.drv"},
		{"/opt/store/" + hash + "-x", "x"},
		// Not a store path basename: returned as is.
		{"/nix/store/" + hash, hash},
		{"/nix/store/" + hash + "-", ""}, // hash prefix, empty name
		{"/nix/store/eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee-x", "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee-x"}, // 'e' is not nixbase32
		{"hello-1.0", "hello-1.0"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := storepath.Name(tt.in); got != tt.want {
			t.Errorf("Name(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestJoin(t *testing.T) {
	for _, tt := range []struct{ dir, p, want string }{
		{"/nix/store", "/other/store/a-x", "/other/store/a-x"},
		{"/nix/store", "a-x", "/nix/store/a-x"},
		{"/s/", "a-x.drv", "/s/a-x.drv"},
	} {
		if got := storepath.Join(tt.dir, tt.p); got != tt.want {
			t.Errorf("Join(%q, %q) = %q, want %q", tt.dir, tt.p, got, tt.want)
		}
	}
}

func FuzzParseBase(f *testing.F) {
	for _, tt := range baseCases {
		f.Add(tt.base)
	}
	f.Fuzz(func(t *testing.T, base string) {
		hash, name, err := storepath.ParseBase(base)
		if err != nil {
			return
		}
		if hash+"-"+name != base || storepath.Name(base) != name {
			t.Errorf("ParseBase(%q) = %q, %q; Name gives %q", base, hash, name, storepath.Name(base))
		}
		p, err := storepath.Parse("/nix/store", "/nix/store/"+base)
		if err != nil || p.Base() != base {
			t.Errorf("Parse of a valid basename %q: %+v, %v", base, p, err)
		}
	})
}

// TestNixVersions asks Nix 2.26 and 2.34 the same questions.
func TestNixVersions(t *testing.T) {
	nixchroot.Run(t, ".")
}
