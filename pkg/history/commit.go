package history

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
)

// Commit is what the metrics need of a commit. Times are Unix seconds:
// lead times are differences, for which the author's time zone is
// irrelevant (2024-01-01T10:00+05:30 and 2024-01-01T04:30Z are one instant).
type Commit struct {
	Hash Hash
	// Undated: neither the author nor the committer line has a readable
	// date, and both times are 0 (a Warning says so). It sits in the
	// padding after Hash, so that 100,000 commits take no more memory.
	Undated       bool
	Parents       []int32 // indexes in Graph.Commits; parents cut off by a shallow clone are absent
	AuthorTime    int64
	CommitterTime int64
	Message       string
}

// Graph is the commits reachable from the roots given to Load.
type Graph struct {
	Commits []Commit
	// Warnings are the commits read with a date left out, in the order
	// of Commits.
	Warnings []Warning
	index    map[Hash]int32
}

// Index returns the position of a commit in Commits.
func (g *Graph) Index(h Hash) (int32, bool) {
	i, ok := g.index[h]
	return i, ok
}

// FirstParents returns the first-parent chain from i, i first.
func (g *Graph) FirstParents(i int32) []int32 {
	var chain []int32
	for {
		chain = append(chain, i)
		ps := g.Commits[i].Parents
		if len(ps) == 0 {
			return chain
		}
		i = ps[0]
	}
}

// Reachable marks the commits reachable from i (i included).
func (g *Graph) Reachable(i int32) []bool {
	seen := make([]bool, len(g.Commits))
	stack := []int32{i}
	seen[i] = true
	for len(stack) > 0 {
		c := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, p := range g.Commits[c].Parents {
			if !seen[p] {
				seen[p] = true
				stack = append(stack, p)
			}
		}
	}
	return seen
}

// rawCommit is a parsed commit object before parents become indexes.
type rawCommit struct {
	parents      []Hash
	author, comm int64
	message      string
}

// dateProblem is an author or committer line without a readable date. It
// is kept apart from rawCommit, which there are 100,000 of, since few
// commits have one.
type dateProblem struct {
	err     error
	undated bool // neither date could be read
}

var errBadCommit = errors.New("malformed commit object")

// ErrBadSignature is wrapped by the Err of a Warning about an author,
// committer or tagger line whose date cannot be read.
var ErrBadSignature = errors.New("unreadable signature")

// parseCommit reads the headers git writes (tree, parent*, author,
// committer, then optional ones such as gpgsig whose continuation lines
// start with a space) and the message after the first empty line. It is
// object.Commit.Decode without the allocations for what is not needed here.
// A malformed parent is an error; an author or committer line without a
// readable date is not: dates says what was done about it.
func parseCommit(b []byte) (rawCommit, *dateProblem, error) {
	var c rawCommit
	var sig signatures
	for len(b) > 0 {
		nl := bytes.IndexByte(b, '\n')
		if nl < 0 {
			nl = len(b)
		}
		line := b[:nl]
		b = b[min(nl+1, len(b)):]
		if len(line) == 0 {
			c.message = string(b)
			break
		}
		if err := c.header(line, &sig); err != nil {
			return c, nil, err
		}
	}
	return c, c.dates(sig), nil
}

// signatures are the author and committer lines of a commit.
type signatures struct {
	author, committer       []byte
	hasAuthor, hasCommitter bool
}

func (c *rawCommit) header(line []byte, sig *signatures) error {
	key, val, _ := bytes.Cut(line, []byte{' '})
	switch string(key) {
	case "parent":
		var h Hash
		if len(val) != 40 {
			return fmt.Errorf("%w: parent %q", errBadCommit, val)
		}
		if _, err := hex.Decode(h[:], val); err != nil {
			return fmt.Errorf("%w: parent %q", errBadCommit, val)
		}
		c.parents = append(c.parents, h)
	case "author":
		if !sig.hasAuthor {
			sig.author, sig.hasAuthor = val, true
		}
	case "committer":
		if !sig.hasCommitter {
			sig.committer, sig.hasCommitter = val, true
		}
	}
	return nil
}

// dates reads the author and committer times. One that is missing or
// unreadable takes the other's time, and the commit is undated when both
// are; the problem says which, for the warning.
func (c *rawCommit) dates(sig signatures) *dateProblem {
	a, aerr := signatureTime("author", sig.author, sig.hasAuthor)
	m, merr := signatureTime("committer", sig.committer, sig.hasCommitter)
	c.author, c.comm = a, m
	switch {
	case aerr != nil && merr != nil:
		c.author, c.comm = 0, 0
		return &dateProblem{err: fmt.Errorf("%w; %w: the commit is left out of lead times", aerr, merr), undated: true}
	case aerr != nil:
		c.author = m
		return &dateProblem{err: fmt.Errorf("%w: its committer time stands in", aerr)}
	case merr != nil:
		c.comm = a
		return &dateProblem{err: fmt.Errorf("%w: its author time stands in", merr)}
	}
	return nil
}

// signatureTime reads "Name <email> 1700000000 +0530"; the Unix time is
// already UTC, the zone only says how the author's clock showed it.
func signatureTime(role string, v []byte, present bool) (int64, error) {
	if !present {
		return 0, fmt.Errorf("%w: no %s line", ErrBadSignature, role)
	}
	gt := bytes.LastIndexByte(v, '>')
	if gt < 0 {
		return 0, fmt.Errorf("%w: %s %q", ErrBadSignature, role, v)
	}
	f := bytes.Fields(v[gt+1:])
	if len(f) == 0 {
		return 0, fmt.Errorf("%w: %s without a date %q", ErrBadSignature, role, v)
	}
	// Digits only, as git writes it: ParseInt would also take "+0000", a
	// zone without a date.
	sec, err := strconv.ParseInt(string(f[0]), 10, 64)
	if err != nil || f[0][0] < '0' || f[0][0] > '9' {
		return 0, fmt.Errorf("%w: %s date %q", ErrBadSignature, role, f[0])
	}
	return sec, nil
}
