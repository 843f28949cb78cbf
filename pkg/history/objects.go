package history

import (
	"fmt"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/storage/filesystem"
	"golang.org/x/exp/mmap"
)

// objReader reads commit and tag objects: from the mapped packs when the
// object is stored whole, else (loose, delta, alternates) through go-git.
// One per goroutine.
type objReader struct {
	r     *Repo
	packs *packReader
	st    *filesystem.Storage // created on first need
	buf   []byte
}

func (r *Repo) newReader() *objReader {
	o := &objReader{r: r}
	if len(r.packs) > 0 {
		o.packs = &packReader{}
		for _, p := range r.packs {
			m, err := mmap.Open(p.pack)
			if err != nil {
				o.packs.close()
				o.packs = nil
				break
			}
			o.packs.maps = append(o.packs.maps, m)
		}
	}
	return o
}

func (o *objReader) close() {
	if o.packs != nil {
		o.packs.close()
	}
	if o.st != nil {
		_ = o.st.Close()
	}
}

// read returns the type and content of object h; the content is valid
// until the next read.
func (o *objReader) read(h Hash) (plumbing.ObjectType, []byte, error) {
	if o.packs != nil {
		for k, p := range o.r.packs {
			off := p.offset(h)
			if off < 0 {
				continue
			}
			typ, b, err := o.packs.read(k, off, o.buf)
			o.buf = b
			if err == nil {
				return plumbing.ObjectType(typ), b, nil
			}
			if err != errDelta {
				return 0, nil, fmt.Errorf("read object %s from %s: %w", h, p.pack, err)
			}
			break
		}
	}
	return o.slow(h)
}

func (o *objReader) slow(h Hash) (plumbing.ObjectType, []byte, error) {
	if o.st == nil {
		o.st = o.r.newStorage()
	}
	obj, err := o.st.EncodedObject(plumbing.AnyObject, h)
	if err != nil {
		return 0, nil, fmt.Errorf("read object %s: %w", h, err)
	}
	rd, err := obj.Reader()
	if err != nil {
		return 0, nil, fmt.Errorf("read object %s: %w", h, err)
	}
	o.buf, err = readAll(rd, o.buf[:0])
	if err != nil {
		return 0, nil, fmt.Errorf("read object %s: %w", h, err)
	}
	return obj.Type(), o.buf, nil
}
