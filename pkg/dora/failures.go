package dora

import (
	"bytes"
	"encoding/hex"
	"sort"
	"strings"

	"github.com/voidnxsec/nixops-actions/pkg/history"
)

// Causes of a failed deployment.
const (
	causeRevert  = "revert"
	causeHotfix  = "hotfix"
	causeFixes   = "fixes-deployment"
	revertPrefix = "This reverts commit "
)

// target is an earlier deployment a deployment carries a fix for.
type target struct {
	dep   int
	cause string
}

// failures marks failed and rework deployments. Deployments are scanned in
// order, so the first later deployment carrying a fix is the one that
// recovers a failed deployment; later fixes of the same one change nothing.
func failures(g *history.Graph, ds []*deploy, owner []int32) {
	res := newResolver(g)
	byName := map[string]int{}
	for k, d := range ds {
		if _, dup := byName[d.name]; !dup {
			byName[d.name] = k
		}
	}
	for k, d := range ds {
		for _, t := range targets(g, ds, k, owner, res, byName) {
			a := ds[t.dep]
			if a.fixedBy >= 0 {
				continue
			}
			a.failed, a.cause, a.fixedBy = true, t.cause, k
			a.recovery, a.recovered = d.time-a.time, true
			d.fixes = append(d.fixes, t.dep)
			d.rework = true
		}
	}
}

// targets lists what deployment k fixes: deployments named by a
// Fixes-deployment trailer (of its commits or its annotated tag), then those whose commits it reverts, then, for
// a hotfix without such a trailer, the deployment just before it.
func targets(g *history.Graph, ds []*deploy, k int, owner []int32, res *resolver, byName map[string]int) []target {
	var named, reverted []target
	d := ds[k]
	name := func(msg string) {
		tr := trailers(msg)
		if isTrue(tr["hotfix"]) {
			d.hotfix = true
		}
		for _, v := range tr.all("fixes-deployment") {
			if a, ok := byName[v]; ok && a < k {
				named = append(named, target{a, causeFixes})
			}
		}
	}
	// A rollback adds no commit: its tag's message names what it undoes.
	name(d.message)
	for _, c := range d.commits {
		msg := g.Commits[c].Message
		name(msg)
		for _, sha := range revertedShas(msg) {
			if i, ok := res.resolve(sha); ok && owner[i] >= 0 && int(owner[i]) < k {
				reverted = append(reverted, target{int(owner[i]), causeRevert})
			}
		}
	}
	ts := append(named, reverted...)
	if d.hotfix && len(named) == 0 && k > 0 {
		ts = append(ts, target{k - 1, causeHotfix})
	}
	return ts
}

// revertedShas finds the ids in git revert's "This reverts commit <sha>."
// lines; 7 to 40 hex digits, as git abbreviates them.
func revertedShas(msg string) []string {
	var out []string
	for {
		i := strings.Index(msg, revertPrefix)
		if i < 0 {
			return out
		}
		msg = msg[i+len(revertPrefix):]
		n := 0
		for n < len(msg) && n < 40 && isHex(msg[n]) {
			n++
		}
		if n >= 7 {
			out = append(out, strings.ToLower(msg[:n]))
		}
	}
}

func isHex(b byte) bool {
	return b >= '0' && b <= '9' || b >= 'a' && b <= 'f' || b >= 'A' && b <= 'F'
}

// trailerSet maps lower-cased trailer keys to their values.
type trailerSet map[string][]string

func (t trailerSet) all(key string) []string { return t[key] }

// trailers reads "Key: value" lines of the message's last paragraph, where
// git interpret-trailers and git commit --trailer put them. Keys are
// matched case-insensitively.
func trailers(msg string) trailerSet {
	msg = strings.TrimRight(msg, "\n \t")
	if i := strings.LastIndex(msg, "\n\n"); i >= 0 {
		msg = msg[i+2:]
	} else {
		return nil // a subject line alone has no trailers
	}
	var t trailerSet
	for _, line := range strings.Split(msg, "\n") {
		k, v, ok := strings.Cut(line, ":")
		k = strings.TrimSpace(k)
		if !ok || k == "" || strings.ContainsAny(k, " \t") {
			continue
		}
		if t == nil {
			t = trailerSet{}
		}
		key := strings.ToLower(k)
		t[key] = append(t[key], strings.TrimSpace(v))
	}
	return t
}

func isTrue(vs []string) bool {
	for _, v := range vs {
		if strings.EqualFold(v, "true") {
			return true
		}
	}
	return false
}

// resolver finds a commit from a full or abbreviated id, by binary search
// in the sorted ids, built on first use (most histories have no reverts).
type resolver struct {
	g      *history.Graph
	sorted []int32
}

func newResolver(g *history.Graph) *resolver { return &resolver{g: g} }

func (r *resolver) resolve(sha string) (int32, bool) {
	if len(sha) == 40 {
		var h history.Hash
		if _, err := hex.Decode(h[:], []byte(sha)); err == nil {
			return r.g.Index(h)
		}
		return 0, false
	}
	r.sort()
	prefix := sha
	hashOf := func(k int) string { return r.g.Commits[r.sorted[k]].Hash.String() }
	k := sort.Search(len(r.sorted), func(k int) bool { return hashOf(k) >= prefix })
	if k == len(r.sorted) || !strings.HasPrefix(hashOf(k), prefix) {
		return 0, false
	}
	if k+1 < len(r.sorted) && strings.HasPrefix(hashOf(k+1), prefix) {
		return 0, false // ambiguous abbreviation: git would refuse it too
	}
	return r.sorted[k], true
}

func (r *resolver) sort() {
	if r.sorted != nil {
		return
	}
	r.sorted = make([]int32, len(r.g.Commits))
	for i := range r.sorted {
		r.sorted[i] = int32(i)
	}
	cs := r.g.Commits
	sort.Slice(r.sorted, func(a, b int) bool {
		return bytes.Compare(cs[r.sorted[a]].Hash[:], cs[r.sorted[b]].Hash[:]) < 0
	})
}
