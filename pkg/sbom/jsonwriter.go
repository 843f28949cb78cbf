package sbom

import (
	"io"
	"strconv"
	"unicode/utf8"
)

// jsonWriter writes JSON as encoding/json's Encoder does, byte for byte:
// compact, or indented by two spaces as with SetIndent("", "  "), with or
// without HTML escapes, and a newline at the end. It writes straight to
// its destination in chunks, so a 20 MB document never sits in memory, and
// it walks our own data instead of reflecting over library types, which
// makes it an order of magnitude faster than Marshal plus Indent.
type jsonWriter struct {
	w          io.Writer
	buf        []byte
	indent     bool
	escapeHTML bool
	depth      int
	empty      bool // the innermost open container has no member yet
	err        error
	// flushed counts the bytes written to w; holeAt is where the value of
	// the last hole began in the output, -1 before one.
	flushed int64
	holeAt  int64
}

const jsonChunk = 64 << 10

func newJSONWriter(w io.Writer, indent, escapeHTML bool) *jsonWriter {
	return &jsonWriter{w: w, buf: make([]byte, 0, jsonChunk+4096), indent: indent, escapeHTML: escapeHTML, holeAt: -1}
}

func (j *jsonWriter) flushIfFull() {
	if len(j.buf) >= jsonChunk {
		j.flush()
	}
}

func (j *jsonWriter) flush() {
	if j.err == nil && len(j.buf) > 0 {
		_, j.err = j.w.Write(j.buf)
		j.flushed += int64(len(j.buf))
	}
	j.buf = j.buf[:0]
}

// end finishes the document as Encoder.Encode does, with a newline.
func (j *jsonWriter) end() error {
	j.buf = append(j.buf, '\n')
	j.flush()
	return j.err
}

func (j *jsonWriter) newline() {
	if !j.indent {
		return
	}
	j.buf = append(j.buf, '\n')
	for range j.depth {
		j.buf = append(j.buf, ' ', ' ')
	}
}

// member starts an array element or object member.
func (j *jsonWriter) member() {
	if !j.empty {
		j.buf = append(j.buf, ',')
	}
	j.empty = false
	j.newline()
}

func (j *jsonWriter) open(c byte) {
	j.buf = append(j.buf, c)
	j.depth++
	j.empty = true
}

func (j *jsonWriter) close(c byte) {
	j.depth--
	if !j.empty {
		j.newline()
	}
	j.buf = append(j.buf, c)
	j.empty = false
	j.flushIfFull()
}

func (j *jsonWriter) beginObject() { j.open('{') }
func (j *jsonWriter) endObject()   { j.close('}') }
func (j *jsonWriter) beginArray()  { j.open('[') }
func (j *jsonWriter) endArray()    { j.close(']') }

// key starts an object member; its value follows.
func (j *jsonWriter) key(k string) {
	j.member()
	j.buf = appendJSONString(j.buf, k, j.escapeHTML)
	j.buf = append(j.buf, ':')
	if j.indent {
		j.buf = append(j.buf, ' ')
	}
}

func (j *jsonWriter) str(s string) { j.buf = appendJSONString(j.buf, s, j.escapeHTML) }

// elem writes a string array element.
func (j *jsonWriter) elem(s string) {
	j.member()
	j.str(s)
}

func (j *jsonWriter) field(k, v string) {
	j.key(k)
	j.str(v)
}

// fieldPrefixed writes the string prefix+v without building it; prefix
// must be plain ASCII.
func (j *jsonWriter) fieldPrefixed(k, prefix, v string) {
	j.key(k)
	j.buf = append(j.buf, '"')
	j.buf = append(j.buf, prefix...)
	j.buf = appendJSONStringBody(j.buf, v, j.escapeHTML)
	j.buf = append(j.buf, '"')
}

// hole writes the member k with the placeholder v, which must need no
// escaping, and records where v begins in the output, for the caller to
// write the real value of the same length there once it is known.
func (j *jsonWriter) hole(k, v string) {
	j.key(k)
	j.holeAt = j.flushed + int64(len(j.buf)) + 1 // after the opening quote
	j.str(v)
}

// fieldOmit writes a string member tagged omitempty.
func (j *jsonWriter) fieldOmit(k, v string) {
	if v != "" {
		j.field(k, v)
	}
}

func (j *jsonWriter) intField(k string, v int) {
	j.key(k)
	j.buf = strconv.AppendInt(j.buf, int64(v), 10)
}

func (j *jsonWriter) boolField(k string, v bool) {
	j.key(k)
	j.buf = strconv.AppendBool(j.buf, v)
}

func (j *jsonWriter) null() { j.buf = append(j.buf, "null"...) }

// strings writes a list of strings as the value of the current key.
func (j *jsonWriter) strings(l []string) {
	j.beginArray()
	for _, s := range l {
		j.elem(s)
	}
	j.endArray()
}

const hexDigits = "0123456789abcdef"

// jsonPlain marks the ASCII bytes encoding/json copies as they are, without
// and with HTML escaping; every other byte takes the careful path.
var jsonPlain = func() (t [2][256]bool) {
	for b := 0x20; b < 0x80; b++ {
		plain := b != '"' && b != '\\'
		t[0][b] = plain
		t[1][b] = plain && b != '<' && b != '>' && b != '&'
	}
	return t
}()

// appendJSONString quotes s exactly as encoding/json does: control
// characters, quote and backslash escaped, <, > and & too with escapeHTML,
// U+2028 and U+2029 always, invalid UTF-8 replaced by U+FFFD.
func appendJSONString(dst []byte, s string, escapeHTML bool) []byte {
	dst = append(dst, '"')
	dst = appendJSONStringBody(dst, s, escapeHTML)
	return append(dst, '"')
}

// appendJSONStringBody is appendJSONString without the quotes.
func appendJSONStringBody(dst []byte, s string, escapeHTML bool) []byte {
	plain := &jsonPlain[0]
	if escapeHTML {
		plain = &jsonPlain[1]
	}
	start := 0
	for i := 0; i < len(s); {
		b := s[i]
		if plain[b] {
			i++
			continue
		}
		if b < utf8.RuneSelf {
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case c == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case c == '\u2028' || c == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[c&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	return append(dst, s[start:]...)
}
