package dora

import (
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/voidnxsec/nixops-actions/pkg/history"
)

// deploy is a deployment while it is computed; the index in the ordered
// list is its identity.
type deploy struct {
	name    string
	message string // the annotated tag's message; empty in branch mode
	commit  int32  // in the graph
	time    int64  // Unix seconds
	hotfix  bool
	commits []int32 // attributed to it

	failed  bool
	cause   string
	fixedBy int // index of the deployment carrying the fix, -1 if none
	// recovery is the fixing deployment's time (or the closing of the
	// incident) minus this one's; negative only in branch mode with a
	// skewed clock, and then left out. recovered says it is known.
	recovery  int64
	recovered bool
	// statusFailed is when a GitHub status after the success said failure
	// or error (Unix seconds), 0 for never; incident is the issue that
	// made it failed, 0 for none.
	statusFailed int64
	incident     int
	fixes        []int
	rework       bool
}

// candidateTags splits the tags matching tag-pattern (those peeled) into
// candidates and tags that lead to no commit. It errors when tags exist but
// none match.
func candidateTags(tags *history.TagList, s settings) ([]history.Tag, []IgnoredTag, error) {
	var cands []history.Tag
	var ignored []IgnoredTag
	for _, t := range tags.Peeled {
		if t.Commit.IsZero() {
			ignored = append(ignored, IgnoredTag{Name: t.Name, Reason: "does not point at a commit"})
			continue
		}
		cands = append(cands, t)
	}
	if len(tags.Names) > 0 && len(cands) == 0 && len(ignored) == 0 {
		return nil, nil, configError("TagPattern", "%q matches none of the %d tags (seen: %s) (accepted: a glob in Go path.Match syntax matching your release tags, such as 'v*' or 'release-*')",
			s.tagPattern, len(tags.Names), sample(tags.Names))
	}
	return cands, ignored, nil
}

func sample(names []string) string {
	if len(names) > 10 {
		return strings.Join(names[:10], ", ") + fmt.Sprintf(", and %d more", len(names)-10)
	}
	return strings.Join(names, ", ")
}

// tagDeploys turns candidate tags into deployments ordered by (deploy time,
// name). onBranch is nil when every tag counts.
func tagDeploys(g *history.Graph, cands []history.Tag, onBranch []bool, branch string, s settings) ([]*deploy, []IgnoredTag) {
	var ds []*deploy
	var ignored []IgnoredTag
	for _, t := range cands {
		i, _ := g.Index(t.Commit)
		if onBranch != nil && !onBranch[i] {
			ignored = append(ignored, IgnoredTag{Name: t.Name, Commit: t.Commit.String(),
				Reason: fmt.Sprintf("commit not reachable from branch %s", branch)})
			continue
		}
		d := &deploy{name: t.Name, message: t.Message, commit: i, time: g.Commits[i].CommitterTime, fixedBy: -1}
		if t.Annotated && !t.Tagger.IsZero() { // zero: an unreadable tagger date
			d.time = t.Tagger.Unix()
		}
		d.hotfix, _ = path.Match(s.hotfixPattern, t.Name)
		ds = append(ds, d)
	}
	sortDeploys(ds)
	return ds, ignored
}

// sortDeploys orders deployments by time, then name, whatever source
// they came from.
func sortDeploys(ds []*deploy) {
	sort.SliceStable(ds, func(a, b int) bool {
		if ds[a].time != ds[b].time {
			return ds[a].time < ds[b].time
		}
		return ds[a].name < ds[b].name
	})
}

// branchDeploys makes each first-parent commit of the branch a deployment,
// oldest first. They keep the branch's order even when committer dates go
// backwards (a skewed clock): the order is what git recorded.
func branchDeploys(g *history.Graph, tip int32) []*deploy {
	chain := g.FirstParents(tip)
	ds := make([]*deploy, len(chain))
	for k, i := range chain {
		c := g.Commits[i]
		ds[len(chain)-1-k] = &deploy{name: c.Hash.String()[:12], commit: i, time: c.CommitterTime, fixedBy: -1}
	}
	return ds
}
