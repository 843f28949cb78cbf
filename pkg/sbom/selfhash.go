package sbom

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
)

// writeSelfHashed writes a JSON document (indented, no HTML escapes) with
// write, which leaves one hole (jsonWriter.hole) for a value derived from
// the document's own bytes; it hashes the bytes on their way to w and
// then writes value(sha256) over the placeholder. w is patched in place
// when it is an io.WriterAt (a file: nothing is held in memory), else the
// document is buffered first.
func writeSelfHashed(w io.Writer, write func(j *jsonWriter) error, value func(sum []byte) string) error {
	wa, seekable := w.(io.WriterAt)
	var buf *bytes.Buffer
	dst := w
	if !seekable {
		buf = new(bytes.Buffer)
		dst = buf
	}
	h := sha256.New()
	j := newJSONWriter(io.MultiWriter(dst, h), true, false)
	if err := write(j); err != nil {
		return err
	}
	if j.holeAt < 0 {
		return errors.New("the document has no placeholder for its own hash")
	}
	v := value(h.Sum(nil))
	if seekable {
		_, err := wa.WriteAt([]byte(v), j.holeAt)
		return err
	}
	b := buf.Bytes()
	copy(b[j.holeAt:], v)
	_, err := w.Write(b)
	return err
}
