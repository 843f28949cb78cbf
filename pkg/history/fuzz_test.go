package history

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/voidnxsec/nixops-actions/internal/fuzzcorpus"
)

// testdata/objects holds git cat-file output of git 2.39 (fixed dates,
// an ed25519 key made for the purpose with ssh-keygen, gpg.format=ssh):
// a root commit, an SSH-signed commit (gpgsig header), the merge of a
// signed tag (mergetag header with an empty continuation line), a commit
// with an encoding header and a Latin-1 message, an SSH-signed tag and a
// tag of that tag.

// The parsers read the fixtures as git does.
func TestParseObjects(t *testing.T) {
	commits := map[string]string{
		"commit-root":       "parents [] author 1704083400 committer 1704153600 message \"base\\n\"",
		"commit-ssh-signed": "parents [fc7d511209529a4e932a7390c8e5a2017dbe87a7] author 1704083400 committer 1704153600 message \"Signed change\\n\\nHotfix: true\\n\"",
		"commit-mergetag":   "parents [71fdf0075db2e5bacb8e4d24108a3af6dd422679 684f1b1d43a55be53a8bddeafe11f368cfb74d7f] author 1704083400 committer 1704153600 message \"Merge tag t1\\n\"",
		"commit-encoding":   "parents [457d960f83d32a854ccfb57b55b5fc51a78a57c7] author 1704083400 committer 1704153600 message \"Caf\\xe9\\n\"",
	}
	for name, want := range commits {
		c, p, err := parseCommit(readObject(t, name))
		if err != nil || p != nil {
			t.Errorf("%s: %v %v", name, err, p)
			continue
		}
		if got := fmt.Sprintf("parents %v author %d committer %d message %q", c.parents, c.author, c.comm, c.message); got != want {
			t.Errorf("%s:\n got %s\nwant %s", name, got, want)
		}
	}
	tags := map[string]string{
		"tag-ssh-signed": "71fdf0075db2e5bacb8e4d24108a3af6dd422679 1704153600",
		"tag-of-tag":     "62ffc26243963653ba75a08c204cfd393b646268 1704153600",
	}
	for name, want := range tags {
		tg, err := parseTag(readObject(t, name))
		if err != nil || tg.taggerErr != nil {
			t.Errorf("%s: %v %v", name, err, tg.taggerErr)
			continue
		}
		if got := fmt.Sprintf("%s %d", tg.target, tg.tagger); got != want {
			t.Errorf("%s: got %s, want %s", name, got, want)
		}
	}
}

func readObject(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "objects", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func FuzzParseCommit(f *testing.F) {
	fuzzcorpus.AddFiles(f, filepath.Join("testdata", "objects", "commit-*"))
	f.Add([]byte("tree x\nparent 0123\n\n"))
	f.Add([]byte("author A <a> 1 +0000\ncommitter C <c> +0000\n\nmsg"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, p, err := parseCommit(data)
		if err != nil {
			if !errors.Is(err, errBadCommit) {
				t.Errorf("error %v does not wrap errBadCommit", err)
			}
			return
		}
		// hex.Decode, like git, also takes upper case digits.
		lower := bytes.ToLower(data)
		for _, p := range c.parents {
			if !bytes.Contains(lower, []byte("parent "+hex.EncodeToString(p[:]))) {
				t.Errorf("parent %s is not in the object", p)
			}
		}
		if !bytes.HasSuffix(data, []byte(c.message)) {
			t.Errorf("message %q is not the end of the object", c.message)
		}
		if p != nil && !errors.Is(p.err, ErrBadSignature) {
			t.Errorf("date error %v does not wrap ErrBadSignature", p.err)
		}
		if p != nil && p.undated && (c.author != 0 || c.comm != 0) {
			t.Errorf("undated commit with times %d %d, error %v", c.author, c.comm, p.err)
		}
		if c.author < 0 || c.comm < 0 {
			t.Errorf("negative times %d %d", c.author, c.comm)
		}
	})
}

func FuzzParseTag(f *testing.F) {
	fuzzcorpus.AddFiles(f, filepath.Join("testdata", "objects", "tag-*"))
	f.Add([]byte("object 62ffc26243963653ba75a08c204cfd393b646268\ntagger T <t> soon +0000\n\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		tg, err := parseTag(data)
		if err != nil {
			return
		}
		if tg.target.IsZero() || !bytes.Contains(bytes.ToLower(data), []byte("object "+tg.target.String())) {
			t.Errorf("target %s is not the object's object line", tg.target)
		}
		if tg.taggerErr != nil && !errors.Is(tg.taggerErr, ErrBadSignature) {
			t.Errorf("tagger error %v does not wrap ErrBadSignature", tg.taggerErr)
		}
		if tg.tagger < 0 {
			t.Errorf("negative tagger time %d", tg.tagger)
		}
	})
}

// FuzzPackIndex starts from the indexes git writes for a small pack, with
// 32-bit and with 64-bit offsets. Whatever parseIndex accepts, every name
// in it is found at its own entry's offset, inside the pack.
func FuzzPackIndex(f *testing.F) {
	p := newPacked(f)
	st, err := os.Stat(p.pack)
	if err != nil {
		f.Fatal(err)
	}
	idx, err := os.ReadFile(p.idx)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(idx, st.Size())
	large := filepath.Join(f.TempDir(), "large.idx")
	p.run("", "index-pack", "--index-version=2,12", "-o", large, p.pack)
	if idx, err = os.ReadFile(large); err != nil {
		f.Fatal(err)
	}
	f.Add(idx, st.Size())
	f.Fuzz(func(t *testing.T, data []byte, packSize int64) {
		pi, err := parseIndex(data, packSize)
		if err != nil {
			if !errors.Is(err, errBadIndex) {
				t.Errorf("error %v does not wrap errBadIndex", err)
			}
			return
		}
		for i := 0; i < pi.n; i++ {
			var h Hash
			copy(h[:], pi.name(i))
			off := pi.offset(h)
			if off != pi.offsetAt(i) || off < packHeader || off >= packSize-packTrailer {
				t.Errorf("object %d (%s): offset %d, entry says %d, pack %d bytes", i, h, off, pi.offsetAt(i), packSize)
			}
		}
		for _, b := range []byte{0, 0x7f, 0xff} {
			var h Hash
			for k := range h {
				h[k] = b
			}
			if off := pi.offset(h); off != -1 && (off < packHeader || off >= packSize-packTrailer) {
				t.Errorf("%s: offset %d outside the pack", h, off)
			}
		}
	})
}
