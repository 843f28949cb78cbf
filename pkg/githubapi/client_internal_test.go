package githubapi

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestRoots: the upload root follows from the API root on github.com, on
// GitHub Enterprise Cloud with data residency (api.SUBDOMAIN.ghe.com) and
// on GitHub Enterprise Server.
func TestRoots(t *testing.T) {
	cases := []struct{ api, upload, wantAPI, wantUpload string }{
		{"", "", "https://api.github.com/", "https://uploads.github.com/"},
		{"https://api.github.com", "", "https://api.github.com/", "https://uploads.github.com/"},
		{"https://api.octo.ghe.com/", "", "https://api.octo.ghe.com/", "https://uploads.octo.ghe.com/"},
		{"https://ghe.example.com/api/v3", "", "https://ghe.example.com/api/v3/", "https://ghe.example.com/api/uploads/"},
		{"http://127.0.0.1:8080/prefix/api/v3/", "", "http://127.0.0.1:8080/prefix/api/v3/", "http://127.0.0.1:8080/prefix/api/uploads/"},
		{"https://gh.internal/rest", "https://up.internal/", "https://gh.internal/rest/", "https://up.internal/"},
	}
	for _, c := range cases {
		api, upload, err := roots(c.api, c.upload)
		if err != nil {
			t.Errorf("roots(%q, %q): %v", c.api, c.upload, err)
			continue
		}
		if api.String() != c.wantAPI || upload.String() != c.wantUpload {
			t.Errorf("roots(%q, %q) = %s, %s; want %s, %s", c.api, c.upload, api, upload, c.wantAPI, c.wantUpload)
		}
	}
	for _, bad := range []string{"https://gh.internal/rest", "ghe.example.com/api/v3", "ftp://x/api/v3", "https://x/api/v3?a=b"} {
		if _, _, err := roots(bad, ""); err == nil {
			t.Errorf("roots(%q) accepted", bad)
		}
	}
}

// TestTruncateComment: a body over the limit is cut at a line end, to at
// most the limit in characters (not bytes), with a last line saying how
// much was left out; a body within it is untouched.
func TestTruncateComment(t *testing.T) {
	line := "| pkg:nix/glibc@2.40 | 2.39 → 2.40 | LGPL-2.1-or-later | ✓ |" // 60 characters, more bytes
	body := strings.Repeat(line+"\n", 2000)
	got, cut := truncateComment(body, MaxCommentLength)
	if !cut || utf8.RuneCountInString(got) > MaxCommentLength {
		t.Fatalf("cut %v, %d characters", cut, utf8.RuneCountInString(got))
	}
	kept, note, ok := strings.Cut(got, "\n\n**")
	if !ok || !strings.HasPrefix(note, "9") || !strings.Contains(note, "of 2001 lines") || !strings.Contains(note, "65536 characters") {
		t.Errorf("note %q", note)
	}
	if !strings.HasPrefix(body, kept+"\n") || !strings.HasSuffix(kept, "✓ |") {
		t.Errorf("not cut at a line end: ...%q", kept[len(kept)-40:])
	}
	if got, cut := truncateComment("short\n", MaxCommentLength); cut || got != "short\n" {
		t.Errorf("a short body became %q", got)
	}
	one := strings.Repeat("é", 70000)
	if got, _ := truncateComment(one, MaxCommentLength); utf8.RuneCountInString(got) > MaxCommentLength || !utf8.ValidString(got) {
		t.Errorf("one long line: %d characters, valid %v", utf8.RuneCountInString(got), utf8.ValidString(got))
	}
}

func TestBatch(t *testing.T) {
	for n, want := range map[int]string{0: "[0]", 1: "[1]", 50: "[50]", 51: "[50 1]", 150: "[50 50 50]"} {
		var sizes []int
		for _, b := range batch(make([]int, n), 50) {
			sizes = append(sizes, len(b))
		}
		if fmt.Sprint(sizes) != want {
			t.Errorf("batch(%d) sizes %v, want %s", n, sizes, want)
		}
	}
}
