package dora

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/voidnxsec/nixops-actions/pkg/history"
)

// Compute reads the repository at repoPath (Config.Repo is only echoed in
// the report) and computes the report.
func Compute(ctx context.Context, repoPath string, cfg Config) (*Report, error) {
	s, err := cfg.parse()
	if err != nil {
		return nil, err
	}
	repo, err := history.Open(repoPath)
	if errors.Is(err, history.ErrNotRepository) {
		return nil, configError("Repo", "%s is not a git repository (accepted: the path of a git work tree, such as \".\" after actions/checkout)", repoPath)
	}
	if err != nil {
		return nil, &ConfigError{Field: "Repo", Err: err}
	}
	defer repo.Close()
	st, err := readState(ctx, repo, s)
	if err != nil {
		return nil, err
	}
	return build(st, s, cfg, repoPath), nil
}

// state is what the repository holds for the metrics.
type state struct {
	g        *history.Graph
	deps     []*deploy
	ignored  []IgnoredTag
	head     history.Hash
	branch   string
	until    time.Time
	shallow  bool
	warnings []history.Warning
}

func readState(ctx context.Context, repo *history.Repo, s settings) (*state, error) {
	head, headBranch, err := repo.Head()
	if err != nil {
		return nil, configError("Repo", "%w (a repository without commits has no history to measure)", err)
	}
	cut, err := repo.Shallow()
	if err != nil {
		return nil, err
	}
	src, err := newSources(repo, s, head, headBranch)
	if err != nil {
		return nil, err
	}
	g, err := repo.Load(ctx, src.roots(), cut)
	if err != nil {
		return nil, err
	}
	if len(cut) > 0 && !s.allowShallow {
		return nil, fmt.Errorf("%w (%d commits)", ErrShallow, len(g.Commits))
	}
	st := &state{g: g, head: head, branch: src.branch, shallow: len(cut) > 0}
	st.deps, st.ignored = src.deploys(g, s)
	st.until = untilOf(g, head, src.tags.Peeled, s)
	st.warnings = append(append(st.warnings, src.tags.Warnings...), g.Warnings...)
	return st, nil
}

// untilOf is the window's end: the until input, else the committer time of
// HEAD, or the tagger date of an annotated tag on HEAD when later (tags
// holds only those matching tag-pattern: the others are not read). Never the
// wall clock, so that the same repository state gives the same report; the
// tag date counts because a release workflow runs on a tagged HEAD whose
// annotated tag is younger than its commit, and that release must be in.
func untilOf(g *history.Graph, head history.Hash, tags []history.Tag, s settings) time.Time {
	if s.until != nil {
		return s.until.UTC()
	}
	i, _ := g.Index(head)
	t := g.Commits[i].CommitterTime
	for _, tag := range tags {
		if tag.Commit == head && tag.Annotated && tag.Tagger.Unix() > t {
			t = tag.Tagger.Unix()
		}
	}
	return time.Unix(t, 0).UTC()
}
