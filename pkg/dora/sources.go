package dora

import (
	"path"

	"github.com/voidnxsec/nixops-actions/pkg/history"
)

// sources are the refs deployments come from. With source github the
// deployments come from GitHub's data instead (github.go), whose commits
// must be in the history read from HEAD and the branch: no root is added
// for them, so a deployment of a commit that is not checked out is
// ignored with the reason rather than failing the read.
type sources struct {
	s       settings
	head    history.Hash
	branch  string       // production branch; "" in tags mode without one
	tip     history.Hash // its commit
	tags    *history.TagList
	cands   []history.Tag
	ignored []IgnoredTag
}

func newSources(repo *history.Repo, s settings, head history.Hash, headBranch string) (*sources, error) {
	src := &sources{s: s, head: head, branch: s.branch}
	if s.branchMode && src.branch == "" {
		if headBranch == "" {
			return nil, configError("Branch", "HEAD is detached, so the production branch is unknown (accepted: a branch name, such as main)")
		}
		src.branch = headBranch
	}
	if src.branch != "" {
		tip, err := repo.Branch(src.branch)
		if err != nil {
			return nil, configError("Branch", "%w (accepted: a branch of the repository; with actions/checkout, fetch it with fetch-depth: 0)", err)
		}
		src.tip = tip
	}
	// Only tags matching the pattern are read: a malformed tag that is not
	// a deployment must not fail the run.
	tags, err := repo.Tags(func(name string) bool {
		ok, _ := path.Match(s.tagPattern, name)
		return ok
	})
	if err != nil {
		return nil, err
	}
	src.tags = tags
	if !s.branchMode && !s.github {
		src.cands, src.ignored, err = candidateTags(tags, s)
	}
	return src, err
}

func (src *sources) roots() []history.Hash {
	roots := []history.Hash{src.head}
	if !src.tip.IsZero() {
		roots = append(roots, src.tip)
	}
	for _, t := range src.cands {
		roots = append(roots, t.Commit)
	}
	return roots
}

func (src *sources) deploys(g *history.Graph, s settings) ([]*deploy, []IgnoredTag) {
	if s.github {
		return nil, nil // githubDeploys, from the data given
	}
	var tip int32 = -1
	if !src.tip.IsZero() {
		tip, _ = g.Index(src.tip)
	}
	if s.branchMode {
		return branchDeploys(g, tip), nil
	}
	var onBranch []bool
	if tip >= 0 {
		onBranch = g.Reachable(tip)
	}
	ds, ign := tagDeploys(g, src.cands, onBranch, src.branch, s)
	return ds, append(src.ignored, ign...)
}
