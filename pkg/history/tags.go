package history

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"sort"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
)

// Tag is a tag peeled to the commit it names.
type Tag struct {
	Name      string
	Commit    Hash // zero when the tag does not lead to a commit
	Annotated bool
	Tagger    time.Time // tagger date of an annotated tag, UTC; zero otherwise
}

// Tags lists refs/tags/* sorted by name.
func (r *Repo) Tags() ([]Tag, error) {
	it, err := r.repo.Tags()
	if err != nil {
		return nil, fmt.Errorf("list tags: %w", err)
	}
	o := r.newReader()
	defer o.close()
	var tags []Tag
	err = it.ForEach(func(ref *plumbing.Reference) error {
		t, err := peel(o, ref.Name().Short(), ref.Hash())
		if err != nil {
			return err
		}
		tags = append(tags, t)
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(tags, func(i, j int) bool { return tags[i].Name < tags[j].Name })
	return tags, nil
}

// peel follows annotated tags (possibly tags of tags) down to a commit.
// The tagger date is the outermost tag's: that is the tag that was pushed.
func peel(o *objReader, name string, h Hash) (Tag, error) {
	t := Tag{Name: name}
	for depth := 0; depth < 16; depth++ {
		typ, b, err := o.read(h)
		if err != nil {
			return t, fmt.Errorf("tag %s: %w", name, err)
		}
		switch typ {
		case plumbing.CommitObject:
			t.Commit = h
			return t, nil
		case plumbing.TagObject:
			target, tagger, err := parseTag(b)
			if err != nil {
				return t, fmt.Errorf("tag %s: %w", name, err)
			}
			if !t.Annotated {
				t.Annotated, t.Tagger = true, time.Unix(tagger, 0).UTC()
			}
			h = target
		default:
			return t, nil // a tag of a tree or blob: no commit
		}
	}
	return t, nil
}

// parseTag reads the object and tagger headers of a tag object. A tag
// without a tagger (very old git) gets time 0, which sorts it first.
func parseTag(b []byte) (Hash, int64, error) {
	var target Hash
	var tagger int64
	for len(b) > 0 {
		line, rest, _ := bytes.Cut(b, []byte{'\n'})
		b = rest
		if len(line) == 0 {
			break
		}
		key, val, _ := bytes.Cut(line, []byte{' '})
		switch string(key) {
		case "object":
			if len(val) != 40 {
				return target, 0, fmt.Errorf("malformed tag object: object %q", val)
			}
			if _, err := hex.Decode(target[:], val); err != nil {
				return target, 0, fmt.Errorf("malformed tag object: object %q", val)
			}
		case "tagger":
			var err error
			if tagger, err = signatureTime(val); err != nil {
				return target, 0, err
			}
		}
	}
	return target, tagger, nil
}
