package dora

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/voidnxsec/nixops-actions/pkg/history"
)

// Compute reads the repository at repoPath (Config.Repo is only echoed in
// the report) and computes the report, with source git.
func Compute(ctx context.Context, repoPath string, cfg Config) (*Report, error) {
	return ComputeWith(ctx, repoPath, cfg, nil)
}

// ComputeWith is Compute with GitHub's data, which source github needs.
func ComputeWith(ctx context.Context, repoPath string, cfg Config, data *GitHubData) (*Report, error) {
	st, s, err := open(ctx, repoPath, cfg, data)
	if err != nil {
		return nil, err
	}
	return build(st, s, cfg, repoPath), nil
}

// SquashCandidates lists the commits whose pull request the caller should
// look up for GitHubData.Pulls: the commits with one parent on the first
// parent chain of each deployment in the window (where a squash merge
// lands), within what that deployment took. data needs only Deployments.
func SquashCandidates(ctx context.Context, repoPath string, cfg Config, data *GitHubData) ([]string, error) {
	st, s, err := open(ctx, repoPath, cfg, data)
	if err != nil {
		return nil, err
	}
	return squashCandidates(st, s), nil
}

func open(ctx context.Context, repoPath string, cfg Config, data *GitHubData) (*state, settings, error) {
	s, err := cfg.parse()
	if err != nil {
		return nil, s, err
	}
	if s.github && data == nil {
		return nil, s, configError("Source", "github needs the data read from GitHub (accepted: git, or github with ComputeWith's data)")
	}
	if !s.github {
		data = nil
	}
	repo, err := history.Open(repoPath)
	if errors.Is(err, history.ErrNotRepository) {
		return nil, s, configError("Repo", "%s is not a git repository (accepted: the path of a git work tree, such as \".\" after actions/checkout)", repoPath)
	}
	if err != nil {
		return nil, s, &ConfigError{Field: "Repo", Err: err}
	}
	defer repo.Close()
	st, err := readState(ctx, repo, s, data)
	return st, s, err
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

	github      *GitHubData // nil with source git
	ignoredDeps []IgnoredDeployment
	squash      map[int32]int64 // squash commit -> its pull request's first commit time
}

func readState(ctx context.Context, repo *history.Repo, s settings, data *GitHubData) (*state, error) {
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
	if data != nil {
		st.github = data
		st.deps, st.ignoredDeps = githubDeploys(g, data)
		st.squash = squashTimes(g, data.Pulls, s)
		if s.until == nil {
			st.until = laterOf(st.until, data)
		}
	}
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

// laterOf moves the window's end to the latest time in GitHub's data
// when that is later than HEAD's: a deployment of HEAD succeeds after
// HEAD was committed, and that deployment must be in. Still no wall clock.
func laterOf(until time.Time, data *GitHubData) time.Time {
	later := func(t time.Time) {
		if t.After(until) {
			until = t.UTC()
		}
	}
	for _, d := range data.Deployments {
		for _, st := range d.Statuses {
			later(st.Time)
		}
	}
	for _, in := range data.Incidents {
		later(in.Created)
		later(in.Closed)
	}
	return until
}

// squashCandidates walks each deployment's first parents within the
// commits attributed to it.
func squashCandidates(st *state, s settings) []string {
	var deps []*deploy
	for _, d := range st.deps {
		if d.time <= st.until.Unix() {
			deps = append(deps, d)
		}
	}
	owner := attribute(st.g, deps)
	start := st.until.Add(-s.window).Unix()
	var out []string
	for k, d := range deps {
		if d.time <= start {
			continue
		}
		for _, i := range st.g.FirstParents(d.commit) {
			if owner[i] != int32(k) {
				break
			}
			if c := st.g.Commits[i]; len(c.Parents) == 1 {
				out = append(out, c.Hash.String())
			}
		}
	}
	return out
}
