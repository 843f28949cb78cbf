package history

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// packed is a repository whose objects are all in one pack, with a
// commit-graph file, so that Load decodes the commits in errgroup workers:
// where a panic would take the process down.
type packed struct {
	*repo
	idx, pack string
	head      Hash
}

func newPacked(t testing.TB) *packed {
	t.Helper()
	r := newRepo(t)
	for k := 0; k < 6; k++ {
		r.commit("change "+strconv.Itoa(k), "2024-01-0"+strconv.Itoa(k+1)+"T00:00:00Z")
	}
	r.run("2024-01-07T00:00:00Z", "tag", "-a", "-m", "release", "v1")
	// No deltas: each object is read from the pack by packReader alone.
	r.run("", "repack", "-adfq", "--window=0")
	r.run("", "commit-graph", "write", "--reachable")
	idx := packIdx(t, r)
	head, err := parseHash(r.run("", "rev-parse", "HEAD"))
	if err != nil {
		t.Fatal(err)
	}
	return &packed{repo: r, idx: idx, pack: strings.TrimSuffix(idx, ".idx") + ".pack", head: head}
}

func parseHash(s string) (Hash, error) {
	var h Hash
	_, err := hex.Decode(h[:], []byte(s))
	return h, err
}

// rewrite replaces a pack file (git writes them read-only) with f of its
// content.
func rewrite(t testing.TB, path string, f func([]byte) []byte) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b = f(b)
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o444); err != nil {
		t.Fatal(err)
	}
}

// load opens the repository and loads HEAD's history, returning the first
// error.
func (p *packed) load() error {
	defer func(n int) { parallelMin = n }(parallelMin)
	parallelMin = 2
	r, err := Open(p.dir)
	if err != nil {
		return err
	}
	defer r.Close()
	_, err = r.Load(context.Background(), []Hash{p.head}, nil)
	return err
}

// idxEntryOf finds h in a version 2 index the way gitformat-pack describes
// it, independently of packIndex: n from the last fan-out entry, then a
// scan of the names.
func idxEntryOf(t *testing.T, b []byte, h Hash) (n, i int) {
	t.Helper()
	n = int(binary.BigEndian.Uint32(b[8+255*4:]))
	for i = 0; i < n; i++ {
		if string(b[8+1024+i*20:8+1024+i*20+20]) == string(h[:]) {
			return n, i
		}
	}
	t.Fatalf("%s not in the index", h)
	return 0, 0
}

// A malformed index is an error naming it when the repository is opened,
// never a panic when an object is looked up.
func TestMalformedIndex(t *testing.T) {
	tests := []struct {
		name string
		edit func(t *testing.T, b []byte, head Hash) []byte
		want string
	}{
		{"truncated in the fan-out table", func(t *testing.T, b []byte, _ Hash) []byte { return b[:500] }, "shorter than its header"},
		{"truncated in the names", func(t *testing.T, b []byte, _ Hash) []byte { return b[:8+1024+30] }, "cannot hold the"},
		{"truncated by one byte", func(t *testing.T, b []byte, _ Hash) []byte { return b[:len(b)-1] }, "cannot hold the"},
		{"version 3", func(t *testing.T, b []byte, _ Hash) []byte { b[7] = 3; return b }, "version 3"},
		{"fan-out above the object count", func(t *testing.T, b []byte, h Hash) []byte {
			// The bucket of HEAD now ends far beyond the names: a binary
			// search from it would slice past the table. (The last entry
			// is the object count, which the size check covers.)
			binary.BigEndian.PutUint32(b[8+min(int(h[0]), 254)*4:], 1<<20)
			return b
		}, "is below entry"},
		{"name outside its fan-out bucket", func(t *testing.T, b []byte, h Hash) []byte {
			n, i := idxEntryOf(t, b, h)
			j := i + 1
			if j == n {
				j = i - 1
			}
			a, c := b[8+1024+i*20:][:20], b[8+1024+j*20:][:20]
			var tmp [20]byte
			copy(tmp[:], a)
			copy(a, c)
			copy(c, tmp[:])
			return b
		}, "outside its fan-out bucket"},
		{"64-bit offset missing", func(t *testing.T, b []byte, h Hash) []byte {
			n, i := idxEntryOf(t, b, h)
			binary.BigEndian.PutUint32(b[8+1024+n*24+i*4:], 0x80000100)
			return b
		}, "64-bit offset 256 of 0"},
		{"more 64-bit offsets than objects", func(t *testing.T, b []byte, h Hash) []byte {
			n, _ := idxEntryOf(t, b, h)
			trailer := append([]byte(nil), b[len(b)-40:]...)
			return append(append(b[:len(b)-40], make([]byte, 8*n)...), trailer...)
		}, "64-bit offsets for"},
		{"offset beyond the pack", func(t *testing.T, b []byte, h Hash) []byte {
			n, i := idxEntryOf(t, b, h)
			binary.BigEndian.PutUint32(b[8+1024+n*24+i*4:], 0x7ffffff0)
			return b
		}, "outside its pack"},
		{"offset in the pack header", func(t *testing.T, b []byte, h Hash) []byte {
			n, i := idxEntryOf(t, b, h)
			binary.BigEndian.PutUint32(b[8+1024+n*24+i*4:], 4)
			return b
		}, "outside its pack"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPacked(t)
			rewrite(t, p.idx, func(b []byte) []byte { return tt.edit(t, b, p.head) })
			err := p.load()
			if err == nil || !strings.Contains(err.Error(), "pack index "+p.idx+": malformed pack index") || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one naming %s and containing %q", err, p.idx, tt.want)
			}
		})
	}
}

// A pack whose object header lies is an error naming the pack and the
// object, never an allocation of the size it claims or a panic.
func TestMalformedPackObject(t *testing.T) {
	tests := []struct {
		name   string
		header []byte
		want   string
	}{
		// A commit of 2^57 bytes followed by a valid zlib header.
		{"size beyond the pack", []byte{0x9f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x78, 0x9c}, "cannot come from the"},
		{"size varint without end", []byte{0x9f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, "size longer than 60 bits"},
		{"type 5", []byte{0x5f}, "invalid type 5"},
		{"type 0", []byte{0x0f}, "invalid type 0"},
		{"not zlib", []byte{0x1f, 0x00, 0x00}, "zlib"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPacked(t)
			off := packOffset(t, p, p.head)
			rewrite(t, p.pack, func(b []byte) []byte { copy(b[off:], tt.header); return b })
			err := p.load()
			for _, w := range []string{"read object " + p.head.String() + " from " + p.pack, "object at offset " + strconv.FormatInt(off, 10), tt.want} {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("error %v, want it to contain %q", err, w)
				}
			}
		})
	}
}

// packOffset asks git verify-pack where h is stored.
func packOffset(t *testing.T, p *packed, h Hash) int64 {
	t.Helper()
	for _, l := range strings.Split(p.run("", "verify-pack", "-v", p.idx), "\n") {
		f := strings.Fields(l) // hash type size packed-size offset
		if len(f) >= 5 && f[0] == h.String() {
			off, err := strconv.ParseInt(f[4], 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return off
		}
	}
	t.Fatalf("git verify-pack does not list %s", h)
	return 0
}

// An index whose offsets are in the 64-bit table (git writes one for packs
// over 2 GiB; index-pack --index-version=2,12 forces it for every object
// after the first of a small pack) reads the same as the ordinary one.
func TestLargeOffsets(t *testing.T) {
	p := newPacked(t)
	before, err := os.ReadFile(p.idx)
	if err != nil {
		t.Fatal(err)
	}
	large := filepath.Join(t.TempDir(), "large.idx")
	p.run("", "index-pack", "--index-version=2,12", "-o", large, p.pack)
	rewrite(t, p.idx, func([]byte) []byte {
		b, err := os.ReadFile(large)
		if err != nil {
			t.Fatal(err)
		}
		return b
	})
	after, _ := os.ReadFile(p.idx)
	n := int(binary.BigEndian.Uint32(before[8+255*4:]))
	if len(after) != len(before)+8*(n-1) {
		t.Fatalf("index-pack wrote %d bytes, want %d: not every offset but the first is in the 64-bit table", len(after), len(before)+8*(n-1))
	}
	assertSameAsGit(t, p.repo, "64-bit offsets")
	r, err := Open(p.dir)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if len(r.packs) != 1 || r.packs[0].large != n-1 {
		t.Fatalf("packs %v, want one with %d 64-bit offsets", r.packs, n-1)
	}
	if got, want := r.packs[0].offset(p.head), packOffset(t, p, p.head); got != want {
		t.Errorf("offset of HEAD %d, git says %d", got, want)
	}
}
