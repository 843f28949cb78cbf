// Package markdown writes the GitHub-flavoured Markdown of step summaries.
// A summary is read in two places: rendered on the run's page, and as plain
// text when the action runs as a CLI and prints it to a terminal. Tables are
// written for both: number columns are right-aligned when rendered, and
// every cell is padded so the columns also line up in the plain text.
package markdown

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Align is how a table column lines up its cells.
type Align int

const (
	// Left suits names and sentences.
	Left Align = iota
	// Right suits numbers: the last digits and the units line up.
	Right
)

// Column is the header of a table column and its alignment.
type Column struct {
	Name  string
	Align Align
}

// Table is a Markdown table built row by row. Cells are written as given:
// escape outside text with Text or Code first.
type Table struct {
	cols []Column
	rows [][]string
}

// NewTable starts a table with the given columns.
func NewTable(cols ...Column) *Table {
	return &Table{cols: cols}
}

// Row adds a row. It panics when the number of cells is not the number of
// columns: a short row would shift every later cell into the wrong column.
func (t *Table) Row(cells ...string) {
	if len(cells) != len(t.cols) {
		panic("markdown: table row has " + strconv.Itoa(len(cells)) + " cells, the table " + strconv.Itoa(len(t.cols)) + " columns")
	}
	t.rows = append(t.rows, cells)
}

// String returns the table, one line per row and a trailing newline.
func (t *Table) String() string {
	width := make([]int, len(t.cols))
	for i, c := range t.cols {
		// A delimiter cell needs three characters: "---" or "--:".
		width[i] = max(3, runes(c.Name))
		for _, r := range t.rows {
			width[i] = max(width[i], runes(r[i]))
		}
	}
	var b strings.Builder
	names := make([]string, len(t.cols))
	for i, c := range t.cols {
		names[i] = c.Name
	}
	t.line(&b, names, width)
	for i, c := range t.cols {
		b.WriteString("|")
		if c.Align == Right {
			b.WriteString(strings.Repeat("-", width[i]+1) + ":")
		} else {
			b.WriteString(strings.Repeat("-", width[i]+2))
		}
	}
	b.WriteString("|\n")
	for _, r := range t.rows {
		t.line(&b, r, width)
	}
	return b.String()
}

func (t *Table) line(b *strings.Builder, cells []string, width []int) {
	for i, s := range cells {
		pad := strings.Repeat(" ", width[i]-runes(s))
		b.WriteString("| ")
		if t.cols[i].Align == Right {
			b.WriteString(pad + s)
		} else {
			b.WriteString(s + pad)
		}
		b.WriteString(" ")
	}
	b.WriteString("|\n")
}

// runes approximates the width of s in a terminal: one column a character.
func runes(s string) int { return utf8.RuneCountInString(s) }

// Code shows a name (tag, branch, store path) verbatim in a code span. Git
// allows backticks in tag names, so the fence is one longer than the
// longest run of backticks inside; a | would still end a table cell, so it
// is escaped (GitHub honours \| inside code spans in tables).
func Code(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	fence := "`"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		return fence + " " + s + " " + fence
	}
	return fence + s + fence
}

// Text escapes what Markdown would otherwise read as markup, so a rule or
// reason quoting a glob (v*) is shown as written.
func Text(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune("\\`*_[]<>|#~", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
