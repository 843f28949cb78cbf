package markdown_test

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/voidnxsec/nixops-actions/pkg/markdown"
)

func TestTable(t *testing.T) {
	tb := markdown.NewTable(
		markdown.Column{Name: "store path", Align: markdown.Left},
		markdown.Column{Name: "NAR size", Align: markdown.Right},
	)
	tb.Row(markdown.Code("glibc-2.40"), "31.5 MiB")
	tb.Row(markdown.Code("zlib"), "0.1 MiB")
	tb.Row("—", "")
	want := "" +
		"| store path   | NAR size |\n" +
		"|--------------|---------:|\n" +
		"| `glibc-2.40` | 31.5 MiB |\n" +
		"| `zlib`       |  0.1 MiB |\n" +
		"| —            |          |\n"
	if got := tb.String(); got != want {
		t.Errorf("table:\n%s\nwant:\n%s", got, want)
	}
}

// TestTableLinesUp checks the property the padding is for: in plain text,
// every line is as wide as the others and each | sits in the same column.
func TestTableLinesUp(t *testing.T) {
	tb := markdown.NewTable(
		markdown.Column{Name: "n", Align: markdown.Right},
		markdown.Column{Name: "name"},
		markdown.Column{Name: "a long header", Align: markdown.Right},
	)
	tb.Row("1", "héllo wörld", "")
	tb.Row("12345", "x", "2 days")
	lines := strings.Split(strings.TrimSuffix(tb.String(), "\n"), "\n")
	bars := pipes(lines[0])
	for _, l := range lines {
		if utf8.RuneCountInString(l) != utf8.RuneCountInString(lines[0]) {
			t.Errorf("line %q is not as wide as the header %q", l, lines[0])
		}
		if p := pipes(l); !slices.Equal(p, bars) {
			t.Errorf("line %q has its | at %v, the header at %v", l, p, bars)
		}
	}
	if !strings.HasPrefix(lines[1], "|------:|") {
		t.Errorf("delimiter row %q does not right-align the first column", lines[1])
	}
}

func TestTableRowMismatch(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("a row with 1 cell in a 2-column table did not panic")
		}
	}()
	markdown.NewTable(markdown.Column{Name: "a"}, markdown.Column{Name: "b"}).Row("x")
}

func TestCode(t *testing.T) {
	for in, want := range map[string]string{
		"v1.0.0":    "`v1.0.0`",
		"a|b":       "`a\\|b`",
		"release/`": "`` release/` ``",
		"x``y":      "```x``y```",
	} {
		if got := markdown.Code(in); got != want {
			t.Errorf("Code(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestText(t *testing.T) {
	if got, want := markdown.Text("tags v* on <main> | #1"), `tags v\* on \<main\> \| \#1`; got != want {
		t.Errorf("Text = %q, want %q", got, want)
	}
}

// pipes returns the rune positions of the | that separate cells.
func pipes(l string) []int {
	var p []int
	for i, r := range []rune(l) {
		if r == '|' {
			p = append(p, i)
		}
	}
	return p
}
