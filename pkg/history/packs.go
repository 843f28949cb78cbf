package history

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/exp/mmap"
)

// packIndex finds objects in one pack through its version 2 .idx file,
// held in memory and shared by the readers (it is only read).
type packIndex struct {
	idx  []byte
	n    int
	pack string // path of the .pack
}

// openPacks reads the .idx of every pack of the repository. It returns
// nil when one is not a version 2 index (git has written version 2 since
// 1.5.2): the readers then use go-git's storage for everything.
func openPacks(objects string) []*packIndex {
	idxs, _ := filepath.Glob(filepath.Join(objects, "pack", "*.idx"))
	var out []*packIndex
	for _, name := range idxs {
		b, err := os.ReadFile(name)
		if err != nil || len(b) < 8+256*4 || !bytes.Equal(b[:8], []byte{0xff, 't', 'O', 'c', 0, 0, 0, 2}) {
			return nil
		}
		n := int(binary.BigEndian.Uint32(b[8+255*4:]))
		if len(b) < 8+256*4+n*28 {
			return nil
		}
		out = append(out, &packIndex{idx: b, n: n, pack: strings.TrimSuffix(name, ".idx") + ".pack"})
	}
	return out
}

// offset returns where h starts in the pack, or -1.
func (p *packIndex) offset(h Hash) int64 {
	fan := func(i int) int { return int(binary.BigEndian.Uint32(p.idx[8+i*4:])) }
	lo, hi := 0, fan(int(h[0]))
	if h[0] > 0 {
		lo = fan(int(h[0]) - 1)
	}
	names := p.idx[8+256*4:]
	for lo < hi {
		mid := (lo + hi) / 2
		switch c := bytes.Compare(names[mid*20:mid*20+20], h[:]); {
		case c == 0:
			return p.offsetAt(mid)
		case c < 0:
			lo = mid + 1
		default:
			hi = mid
		}
	}
	return -1
}

func (p *packIndex) offsetAt(i int) int64 {
	offs := p.idx[8+256*4+p.n*24:]
	o := binary.BigEndian.Uint32(offs[i*4:])
	if o&0x80000000 == 0 {
		return int64(o)
	}
	large := offs[p.n*4+int(o&0x7fffffff)*8:]
	return int64(binary.BigEndian.Uint64(large))
}

// Pack object types (gitformat-pack).
const (
	packCommit   = 1
	packTag      = 4
	packOfsDelta = 6
	packRefDelta = 7
)

// packReader inflates whole (non-delta) objects from mapped packs. It is
// owned by one goroutine.
type packReader struct {
	maps []*mmap.ReaderAt
	src  byteReader
	z    io.ReadCloser
}

var errDelta = errors.New("object is stored as a delta")

// read inflates the object at off of pack k into buf; deltas are left to
// go-git (errDelta), since commits are rarely stored as deltas.
func (r *packReader) read(k int, off int64, buf []byte) (int, []byte, error) {
	m := r.maps[k]
	r.src = byteReader{r: m, off: off}
	c, err := r.src.ReadByte()
	if err != nil {
		return 0, buf, err
	}
	typ, size := int(c>>4)&7, int64(c&15)
	for shift := 4; c&0x80 != 0; shift += 7 {
		if c, err = r.src.ReadByte(); err != nil {
			return 0, buf, err
		}
		size |= int64(c&0x7f) << shift
	}
	if typ == packOfsDelta || typ == packRefDelta {
		return typ, buf, errDelta
	}
	if err := r.inflate(); err != nil {
		return typ, buf, err
	}
	if int64(cap(buf)) < size {
		buf = make([]byte, size)
	}
	buf = buf[:size]
	_, err = io.ReadFull(r.z, buf)
	return typ, buf, err
}

func (r *packReader) inflate() error {
	if r.z == nil {
		z, err := zlib.NewReader(&r.src)
		r.z = z
		return err
	}
	return r.z.(zlib.Resetter).Reset(&r.src, nil)
}

func (r *packReader) close() {
	for _, m := range r.maps {
		_ = m.Close()
	}
}

// byteReader reads a memory map from an offset; being an io.ByteReader,
// flate reads it directly instead of wrapping it in a buffer.
type byteReader struct {
	r   *mmap.ReaderAt
	off int64
}

func (b *byteReader) ReadByte() (byte, error) {
	if b.off >= int64(b.r.Len()) {
		return 0, io.EOF
	}
	c := b.r.At(int(b.off))
	b.off++
	return c, nil
}

func (b *byteReader) Read(p []byte) (int, error) {
	n, err := b.r.ReadAt(p, b.off)
	b.off += int64(n)
	if err == io.EOF && n > 0 {
		err = nil
	}
	return n, err
}
