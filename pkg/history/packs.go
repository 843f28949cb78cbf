package history

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/exp/mmap"
)

// packIndex finds objects in one pack through its version 2 .idx file,
// held in memory and shared by the readers (it is only read). Every field
// was checked by parseIndex, so the lookups below index it without checks.
type packIndex struct {
	idx   []byte
	n     int
	large int    // entries of the 64-bit offset table
	pack  string // path of the .pack
}

// idxMagic starts a version 2 index (gitformat-pack, "Version 2 pack-*.idx
// files"); a version 1 index has no header and starts with its fan-out table.
var idxMagic = []byte{0xff, 't', 'O', 'c'}

// Layout of a version 2 index: header, fan-out table, then n names of 20
// bytes, n CRC-32s, n 4-byte offsets, the 8-byte offsets, and the
// checksums of the pack and of the index.
const (
	idxHeader   = 8
	idxFanout   = 256 * 4
	idxEntry    = 20 + 4 + 4
	idxTrailer  = 2 * 20
	packHeader  = 12 // "PACK", version, object count
	packTrailer = 20
)

// openPacks reads the .idx of every pack of the repository. It returns
// nil when one is a version 1 index (git has written version 2 since
// 1.5.2): the readers then use go-git's storage for everything. An index
// without its .pack is skipped, as git skips it; a malformed one is an
// error naming it.
func openPacks(objects string) ([]*packIndex, error) {
	idxs, _ := filepath.Glob(filepath.Join(objects, "pack", "*.idx"))
	var out []*packIndex
	for _, name := range idxs {
		pack := strings.TrimSuffix(name, ".idx") + ".pack"
		st, err := os.Stat(pack)
		if err != nil {
			continue
		}
		b, err := os.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("pack index %s: %w", name, err)
		}
		if !bytes.HasPrefix(b, idxMagic) {
			return nil, nil
		}
		p, err := parseIndex(b, st.Size())
		if err != nil {
			return nil, fmt.Errorf("pack index %s: %w", name, err)
		}
		p.pack = pack
		out = append(out, p)
	}
	return out, nil
}

// errBadIndex is wrapped by every error of parseIndex.
var errBadIndex = errors.New("malformed pack index")

// parseIndex checks every field of a version 2 index against the others
// and against the size of its pack: the header, a fan-out table that never
// decreases, a size that holds the n entries it announces and a whole
// number of 64-bit offsets, names in strictly increasing order and in the
// fan-out bucket of their first byte, and offsets (direct or through the
// 64-bit table) inside the pack. Lookups then cannot leave the slice.
func parseIndex(b []byte, packSize int64) (*packIndex, error) {
	if len(b) < idxHeader+idxFanout {
		return nil, fmt.Errorf("%w: %d bytes, shorter than its header and fan-out table", errBadIndex, len(b))
	}
	if !bytes.HasPrefix(b, idxMagic) {
		return nil, fmt.Errorf("%w: no version 2 signature", errBadIndex)
	}
	if v := binary.BigEndian.Uint32(b[4:]); v != 2 {
		return nil, fmt.Errorf("%w: version %d, this reader knows 2", errBadIndex, v)
	}
	p := &packIndex{idx: b}
	prev := uint32(0)
	for i := 0; i < 256; i++ {
		f := binary.BigEndian.Uint32(b[idxHeader+i*4:])
		if f < prev {
			return nil, fmt.Errorf("%w: fan-out entry %d (%d) is below entry %d (%d)", errBadIndex, i, f, i-1, prev)
		}
		prev = f
	}
	p.n = int(prev)
	fixed := idxHeader + idxFanout + p.n*idxEntry + idxTrailer
	if len(b) < fixed || (len(b)-fixed)%8 != 0 {
		return nil, fmt.Errorf("%w: %d bytes cannot hold the %d objects of its fan-out table (%d bytes and a multiple of 8 more)", errBadIndex, len(b), p.n, fixed)
	}
	// Like git, at most n-1 offsets are 64-bit: the first object of a pack
	// is always within 2 GiB of its start.
	if p.large = (len(b) - fixed) / 8; p.large > max(p.n-1, 0) {
		return nil, fmt.Errorf("%w: %d 64-bit offsets for %d objects", errBadIndex, p.large, p.n)
	}
	if err := p.checkNames(); err != nil {
		return nil, err
	}
	if err := p.checkOffsets(packSize); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *packIndex) fan(i int) int { return int(binary.BigEndian.Uint32(p.idx[idxHeader+i*4:])) }

func (p *packIndex) name(i int) []byte {
	off := idxHeader + idxFanout + i*20
	return p.idx[off : off+20]
}

// checkNames makes the binary search of offset sound.
func (p *packIndex) checkNames() error {
	for i := 0; i < p.n; i++ {
		name := p.name(i)
		if i > 0 && bytes.Compare(p.name(i-1), name) >= 0 {
			return fmt.Errorf("%w: object %d (%x) does not sort after object %d", errBadIndex, i, name, i-1)
		}
		first := int(name[0])
		lo := 0
		if first > 0 {
			lo = p.fan(first - 1)
		}
		if i < lo || i >= p.fan(first) {
			return fmt.Errorf("%w: object %d (%x) is outside its fan-out bucket [%d, %d)", errBadIndex, i, name, lo, p.fan(first))
		}
	}
	return nil
}

// checkOffsets makes every offset point between the pack's header and its
// trailing checksum.
func (p *packIndex) checkOffsets(packSize int64) error {
	offs := p.idx[idxHeader+idxFanout+p.n*24:]
	for i := 0; i < p.n; i++ {
		o := binary.BigEndian.Uint32(offs[i*4:])
		if o&0x80000000 != 0 && int(o&0x7fffffff) >= p.large {
			return fmt.Errorf("%w: object %d refers to 64-bit offset %d of %d", errBadIndex, i, o&0x7fffffff, p.large)
		}
		if off := p.offsetAt(i); off < packHeader || off >= packSize-packTrailer {
			return fmt.Errorf("%w: object %d is at offset %d, outside its pack of %d bytes", errBadIndex, i, off, packSize)
		}
	}
	return nil
}

// offset returns where h starts in the pack, or -1.
func (p *packIndex) offset(h Hash) int64 {
	lo, hi := 0, p.fan(int(h[0]))
	if h[0] > 0 {
		lo = p.fan(int(h[0]) - 1)
	}
	for lo < hi {
		mid := (lo + hi) / 2
		switch c := bytes.Compare(p.name(mid), h[:]); {
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

// offsetAt reads the offset of entry i: 31 bits, or with the top bit set an
// index in the table of 64-bit offsets. A 64-bit offset above 2^63 reads as
// negative, which checkOffsets refuses.
func (p *packIndex) offsetAt(i int) int64 {
	offs := p.idx[idxHeader+idxFanout+p.n*24:]
	o := binary.BigEndian.Uint32(offs[i*4:])
	if o&0x80000000 == 0 {
		return int64(o)
	}
	large := offs[p.n*4+int(o&0x7fffffff)*8:]
	return int64(binary.BigEndian.Uint64(large))
}

// Pack object types (gitformat-pack); 0 and 5 are invalid.
const (
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
	typ, size, err := r.header()
	if err != nil {
		return 0, buf, err
	}
	if typ == packOfsDelta || typ == packRefDelta {
		return typ, buf, errDelta
	}
	// Deflate shrinks data at most 1032 times, so a size above that of what
	// follows in the pack is a lie, and would be a huge allocation.
	if rest := int64(m.Len()) - r.src.off; size > rest*1032 {
		return typ, buf, fmt.Errorf("object at offset %d: size %d cannot come from the %d bytes left in the pack", off, size, rest)
	}
	if err := r.inflate(); err != nil {
		return typ, buf, fmt.Errorf("object at offset %d: %w", off, err)
	}
	if int64(cap(buf)) < size {
		buf = make([]byte, size)
	}
	buf = buf[:size]
	if _, err = io.ReadFull(r.z, buf); err != nil {
		return typ, buf, fmt.Errorf("object at offset %d: inflating %d bytes: %w", off, size, err)
	}
	return typ, buf, nil
}

// header reads an object's type and its size, a little-endian varint of 4
// bits then 7 bits a byte; git refuses sizes beyond a long, this beyond 60 bits.
func (r *packReader) header() (int, int64, error) {
	start := r.src.off
	c, err := r.src.ReadByte()
	if err != nil {
		return 0, 0, fmt.Errorf("object at offset %d: %w", start, err)
	}
	typ, size := int(c>>4)&7, int64(c&15)
	if typ == 0 || typ == 5 {
		return 0, 0, fmt.Errorf("object at offset %d: invalid type %d", start, typ)
	}
	for shift := 4; c&0x80 != 0; shift += 7 {
		if c, err = r.src.ReadByte(); err != nil {
			return 0, 0, fmt.Errorf("object at offset %d: size: %w", start, err)
		}
		if shift > 56 {
			return 0, 0, fmt.Errorf("object at offset %d: size longer than 60 bits", start)
		}
		size |= int64(c&0x7f) << shift
	}
	return typ, size, nil
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
