package nixinstall

import (
	"errors"
	"strings"
	"testing"
)

func hash(c string) string { return strings.Repeat(c, 64) }

func TestParseTable(t *testing.T) {
	table, err := ParseTable([]byte(`{"versions":{
		"2.30.1":{"sha256":{"x86_64-linux":"` + hash("a") + `","aarch64-linux":"` + hash("b") + `","aarch64-darwin":"` + hash("c") + `"},"source":"https://releases.nixos.org/nix/nix-2.30.1/*.sha256"},
		"2.31.0":{"sha256":{"x86_64-linux":"` + hash("d") + `"},"source":"install script"},
		"2.4.0":{"sha256":{"x86_64-linux":"` + hash("e") + `","aarch64-linux":"` + hash("f") + `","aarch64-darwin":"` + hash("1") + `"},"source":"s"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	// 2.31.0 lacks systems; 2.30.1 beats 2.4.0 as numbers, not strings.
	if got := table.Newest(); got != "2.30.1" {
		t.Errorf("Newest = %s, want 2.30.1", got)
	}
	if h, err := table.SHA256("2.31.0", "x86_64-linux"); err != nil || h != hash("d") {
		t.Errorf("SHA256 = %s, %v", h, err)
	}
	_, err = table.SHA256("2.31.0", "aarch64-darwin")
	var ue *UnknownError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "verified versions for aarch64-darwin: 2.30.1, 2.4.0") {
		t.Errorf("unknown version: %v", err)
	}
}

func TestParseTableRejects(t *testing.T) {
	for _, tc := range []struct{ js, want string }{
		{`{"versions":{"2.30":{"sha256":{},"source":"s"}}}`, `version "2.30" is not MAJOR.MINOR.PATCH`},
		{`{"versions":{"2.30.0":{"sha256":{"x86_64-darwin":"` + hash("a") + `"},"source":"s"}}}`, `system "x86_64-darwin" is not one of`},
		{`{"versions":{"2.30.0":{"sha256":{"x86_64-linux":"` + strings.ToUpper(hash("a")) + `"},"source":"s"}}}`, "not a SHA-256 in 64 lower-case hex digits"},
		{`{"versions":{"2.30.0":{"sha256":{"x86_64-linux":"` + hash("a") + `"}}}}`, "no source"},
		{`{"versions":{},"extra":1}`, "unknown field"},
		{`{}`, `no "versions"`},
	} {
		if _, err := ParseTable([]byte(tc.js)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseTable(%s) = %v, want %q", tc.js, err, tc.want)
		}
	}
}

func TestSystem(t *testing.T) {
	for _, tc := range []struct{ goos, goarch, want string }{
		{"linux", "amd64", "x86_64-linux"}, {"linux", "arm64", "aarch64-linux"}, {"darwin", "arm64", "aarch64-darwin"},
	} {
		if got, err := System(tc.goos, tc.goarch); err != nil || got != tc.want {
			t.Errorf("System(%s, %s) = %s, %v", tc.goos, tc.goarch, got, err)
		}
	}
	if _, err := System("darwin", "amd64"); !errors.Is(err, ErrIntelMac) || !strings.Contains(err.Error(), "Apple silicon") || !strings.Contains(err.Error(), "2.35 was the last") {
		t.Errorf("Intel macOS: %v", err)
	}
	if _, err := System("windows", "amd64"); err == nil || !strings.Contains(err.Error(), "windows/amd64") {
		t.Errorf("windows: %v", err)
	}
	if got := TarballURL("https://releases.nixos.org/nix/", "2.30.1", "aarch64-darwin"); got != "https://releases.nixos.org/nix/nix-2.30.1/nix-2.30.1-aarch64-darwin.tar.xz" {
		t.Errorf("TarballURL = %s", got)
	}
}
