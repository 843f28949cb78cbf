package history

import (
	"bytes"
	"encoding/hex"
	"errors"
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
	// Tagger is the tagger date of an annotated tag, UTC; zero for a
	// lightweight tag and for a tagger line without a readable date (a
	// Warning says so). A tag without a tagger line (very old git) gets
	// time 0, which sorts it first.
	Tagger time.Time
	// Message is the outermost annotated tag's message, its signature
	// left out; empty for a lightweight tag.
	Message string
}

// TagList is the tags of a repository.
type TagList struct {
	Names    []string  // every tag under refs/tags/, sorted
	Peeled   []Tag     // the tags whose name matched, sorted by name
	Warnings []Warning // matching tags whose tagger date could not be read
}

// Tags lists refs/tags/* and peels only the tags whose name match accepts
// (every tag when match is nil): a malformed tag the caller does not
// count cannot fail it.
func (r *Repo) Tags(match func(name string) bool) (*TagList, error) {
	it, err := r.repo.Tags()
	if err != nil {
		return nil, fmt.Errorf("list tags: %w", err)
	}
	o := r.newReader()
	defer o.close()
	l := &TagList{}
	err = it.ForEach(func(ref *plumbing.Reference) error {
		name := ref.Name().Short()
		l.Names = append(l.Names, name)
		if match != nil && !match(name) {
			return nil
		}
		t, w, err := peel(o, name, ref.Hash())
		if err != nil {
			return err
		}
		l.Peeled = append(l.Peeled, t)
		if w != nil {
			l.Warnings = append(l.Warnings, *w)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(l.Names)
	sort.Slice(l.Peeled, func(i, j int) bool { return l.Peeled[i].Name < l.Peeled[j].Name })
	sort.Slice(l.Warnings, func(i, j int) bool { return l.Warnings[i].Tag < l.Warnings[j].Tag })
	return l, nil
}

// peel follows annotated tags (possibly tags of tags) down to a commit.
// The tagger date is the outermost tag's: that is the tag that was pushed.
func peel(o *objReader, name string, h Hash) (Tag, *Warning, error) {
	t := Tag{Name: name}
	var warn *Warning
	for depth := 0; depth < 16; depth++ {
		typ, b, err := o.read(h)
		if err != nil {
			return t, nil, fmt.Errorf("tag %s: %w", name, err)
		}
		switch typ {
		case plumbing.CommitObject:
			t.Commit = h
			return t, warn, nil
		case plumbing.TagObject:
			tag, err := parseTag(b)
			if err != nil {
				return t, nil, fmt.Errorf("tag %s (object %s): %w", name, h, err)
			}
			if !t.Annotated {
				t.Annotated = true
				if tag.taggerErr != nil {
					warn = &Warning{Object: h, Tag: name, Err: fmt.Errorf("%w: it is deployed at its commit's committer time", tag.taggerErr)}
				} else {
					t.Tagger = time.Unix(tag.tagger, 0).UTC()
				}
				t.Message = tag.message
			}
			h = tag.target
		default:
			return t, warn, nil // a tag of a tree or blob: no commit
		}
	}
	return t, warn, nil
}

// tagObject is what peel needs of a tag object.
type tagObject struct {
	target    Hash
	tagger    int64
	taggerErr error
	message   string
}

// parseTag reads the object and tagger headers of a tag object. A
// malformed object line is an error; a tagger line without a readable date
// is taggerErr.
func parseTag(b []byte) (tagObject, error) {
	var t tagObject
	seen := false
	for len(b) > 0 {
		line, rest, _ := bytes.Cut(b, []byte{'\n'})
		b = rest
		if len(line) == 0 {
			msg, _, _ := bytes.Cut(b, []byte("-----BEGIN PGP SIGNATURE-----"))
			msg, _, _ = bytes.Cut(msg, []byte("-----BEGIN SSH SIGNATURE-----"))
			t.message = string(msg)
			break
		}
		key, val, _ := bytes.Cut(line, []byte{' '})
		switch string(key) {
		case "object":
			if len(val) != 40 {
				return t, fmt.Errorf("malformed tag object: object %q", val)
			}
			if _, err := hex.Decode(t.target[:], val); err != nil {
				return t, fmt.Errorf("malformed tag object: object %q", val)
			}
		case "tagger":
			if !seen {
				seen = true
				t.tagger, t.taggerErr = signatureTime("tagger", val, true)
			}
		}
	}
	if t.target.IsZero() {
		return t, errors.New("malformed tag object: no object line")
	}
	return t, nil
}
