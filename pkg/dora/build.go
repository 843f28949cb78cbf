package dora

import (
	"path/filepath"
	"time"

	"github.com/voidnxsec/nixops-actions/pkg/history"
)

// build runs the rules over the repository state. Deployments after the
// window's end are dropped first: the report is what could be known at
// until, so a later fix does not make an in-window deployment failed.
func build(st *state, s settings, cfg Config, repoPath string) *Report {
	var deps []*deploy
	for _, d := range st.deps {
		if d.time <= st.until.Unix() {
			deps = append(deps, d)
		}
	}
	owner := attribute(st.g, deps)
	failures(st.g, deps, owner)
	if st.github != nil {
		githubFailures(deps, st.github.Incidents, st.until.Unix())
	}
	w := Window{Start: st.until.Add(-s.window), End: st.until, Days: s.window.Hours() / 24}
	in := collect(st.g, deps, w, s, st.squash)
	r := &Report{
		SchemaVersion: SchemaVersion,
		Repository:    repositoryName(cfg, repoPath),
		Branch:        st.branch,
		Head:          st.head.String(),
		Inputs:        cfg,
		Rules:         rules(s, st.branch, cfg),
		Window:        w,
		Shallow:       st.shallow,
		CommitsSeen:   len(st.g.Commits),
		SkewedCommits: in.skewed,
		IgnoredTags:   nonNil(st.ignored),
		IgnoredDeps:   st.ignoredDeps,
		Metrics:       metrics(in, w),
		Deployments:   deployments(st.g, in, deps),
		Weekly:        weekly(in, w),
		BandsSource:   BandsSource,
		Warnings:      st.warnings,
	}
	return r
}

func deployments(g *history.Graph, in windowed, all []*deploy) []Deployment {
	out := make([]Deployment, 0, len(in.deps))
	for k, d := range in.deps {
		dep := Deployment{
			Name: d.name, Commit: g.Commits[d.commit].Hash.String(), Time: time.Unix(d.time, 0).UTC(), Commits: len(d.commits),
			Hotfix: d.hotfix, Failed: d.failed, Cause: d.cause, Rework: d.rework,
			Fixes: []string{}, LeadTime: stat(in.leads[k]), Incident: d.incident,
		}
		for _, f := range d.fixes {
			dep.Fixes = append(dep.Fixes, all[f].name)
		}
		if d.fixedBy >= 0 {
			dep.FixedBy = all[d.fixedBy].name
		}
		if d.recovered && d.recovery >= 0 {
			dep.RecoverySeconds = ptr(float64(d.recovery))
		}
		out = append(out, dep)
	}
	return out
}

func repositoryName(cfg Config, repoPath string) string {
	if cfg.Repository != "" {
		return cfg.Repository
	}
	if abs, err := filepath.Abs(repoPath); err == nil {
		return filepath.Base(abs)
	}
	return filepath.Base(repoPath)
}

func nonNil[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}
