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
	Hash          Hash
	Parents       []int32 // indexes in Graph.Commits; parents cut off by a shallow clone are absent
	AuthorTime    int64
	CommitterTime int64
	Message       string
}

// Graph is the commits reachable from the roots given to Load.
type Graph struct {
	Commits []Commit
	index   map[Hash]int32
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

var errBadCommit = errors.New("malformed commit object")

// parseCommit reads the headers git writes (tree, parent*, author,
// committer, then optional ones such as gpgsig whose continuation lines
// start with a space) and the message after the first empty line. It is
// object.Commit.Decode without the allocations for what is not needed here.
func parseCommit(b []byte) (rawCommit, error) {
	var c rawCommit
	for len(b) > 0 {
		nl := bytes.IndexByte(b, '\n')
		if nl < 0 {
			nl = len(b)
		}
		line := b[:nl]
		b = b[min(nl+1, len(b)):]
		if len(line) == 0 {
			c.message = string(b)
			return c, nil
		}
		if err := c.header(line); err != nil {
			return c, err
		}
	}
	return c, nil
}

func (c *rawCommit) header(line []byte) error {
	key, val, _ := bytes.Cut(line, []byte{' '})
	var err error
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
		c.author, err = signatureTime(val)
	case "committer":
		c.comm, err = signatureTime(val)
	}
	return err
}

// signatureTime reads "Name <email> 1700000000 +0530"; the Unix time is
// already UTC, the zone only says how the author's clock showed it.
func signatureTime(v []byte) (int64, error) {
	gt := bytes.LastIndexByte(v, '>')
	if gt < 0 {
		return 0, fmt.Errorf("%w: signature %q", errBadCommit, v)
	}
	f := bytes.Fields(v[gt+1:])
	if len(f) == 0 {
		return 0, fmt.Errorf("%w: signature without a date %q", errBadCommit, v)
	}
	sec, err := strconv.ParseInt(string(f[0]), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: signature date %q", errBadCommit, f[0])
	}
	return sec, nil
}
