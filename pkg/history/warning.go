package history

import "fmt"

// Warning is an object read with a part left out: an author, committer or
// tagger line whose date cannot be read (Err wraps ErrBadSignature). The
// run goes on without that part, and the caller says so.
type Warning struct {
	Object Hash   // the commit or tag object
	Tag    string // the tag ref that led to a tag object; empty for a commit
	Err    error
}

func (w Warning) String() string {
	if w.Tag != "" {
		return fmt.Sprintf("tag %s (object %s): %v", w.Tag, w.Object, w.Err)
	}
	return fmt.Sprintf("commit %s: %v", w.Object, w.Err)
}
