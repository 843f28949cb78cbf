package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/voidnxsec/nixops-actions/pkg/action"
	"github.com/voidnxsec/nixops-actions/pkg/closure"
	"github.com/voidnxsec/nixops-actions/pkg/sbom/diff"
	"github.com/voidnxsec/nixops-actions/pkg/worktree"
)

// compareAccepted names both forms compare-to takes.
const compareAccepted = "the path of a CycloneDX JSON SBOM, such as the sbom.cdx.json of an earlier run of this action, " +
	"or a git ref of the target flake's repository (origin/main, HEAD~1, a commit hash), fetched beforehand " +
	"(actions/checkout with fetch-depth: 0, or git fetch origin main)"

// baseRef is a compare-to that names a commit: the same target is read
// from a checkout of it.
type baseRef struct {
	ref, commit string
	repo        string // the repository's top level
	rel         string // the flake's directory below it
	flake       *closure.LocalFlake
}

// compareInput is the input compare-to, which is an existing file when
// one is there, else a commit git resolves in the target's repository.
// A file wins because a path is what the user can see; a ref that is
// also a file's name is rare, and ./ref would not be a ref.
func compareInput(ctx context.Context, value, target string) ([]diff.Package, *baseRef, error) {
	if fi, err := os.Stat(value); err == nil && !fi.IsDir() {
		old, err := readCompareTo(value)
		return old, nil, err
	}
	refErr := func(err error) error {
		return &action.InputError{Input: "compare-to", Err: err, Accepted: compareAccepted}
	}
	flake, err := closure.ParseLocalFlake(target)
	if err != nil {
		if looksLikePath(value) {
			return nil, nil, refErr(fmt.Errorf("cannot read %q: no such file", value))
		}
		return nil, nil, refErr(fmt.Errorf("%q is no file, and a git ref needs the target to be a flake in a local git checkout (such as .#default), "+
			"not %q: a store path or result link has no history to evaluate", value, target))
	}
	top, err := worktree.TopLevel(ctx, flake.Dir)
	if err != nil {
		return nil, nil, refErr(fmt.Errorf("%q is no file, and the target's flake %s is not in a git repository, so it names no commit either", value, flake.Dir))
	}
	commit, err := worktree.Commit(ctx, top, value)
	if err != nil {
		return nil, nil, refErr(fmt.Errorf("%q is neither a file nor a commit of the repository %s; "+
			"if it is a branch of the remote, fetch it first (actions/checkout with fetch-depth: 0, or git fetch origin %s)", value, top, value))
	}
	// git gives the top level with symbolic links resolved (/tmp on macOS).
	dir, err := filepath.EvalSymlinks(flake.Dir)
	if err != nil {
		return nil, nil, refErr(err)
	}
	rel, err := filepath.Rel(top, dir)
	if err != nil || !filepath.IsLocal(rel) {
		return nil, nil, refErr(fmt.Errorf("the flake %s is not below the top level %s of its repository", dir, top))
	}
	return nil, &baseRef{ref: value, commit: commit, repo: top, rel: rel, flake: flake}, nil
}

// looksLikePath says value was meant as a file, not a ref.
func looksLikePath(v string) bool {
	return filepath.IsAbs(v) || strings.HasPrefix(v, "./") || filepath.Ext(v) == ".json"
}

// baseError is a failure to read the closure at the compare-to commit.
type baseError struct {
	ref, commit, target string
	err                 error
}

func (e *baseError) Error() string { return e.err.Error() }
func (e *baseError) Unwrap() error { return e.err }

// readBase checks out the commit in a temporary worktree, removed again
// even on failure, and reads the same target there with the same closure
// and options. It builds nothing: a runtime closure needs the base's
// outputs in the store already.
func (r *baseRef) readBase(ctx context.Context, a *action.Action, cfg *config) ([]diff.Package, error) {
	end := a.Group(fmt.Sprintf("Check out %s (%s) to read the earlier closure", r.ref, r.commit[:12]))
	tree, err := worktree.Add(ctx, r.repo, r.commit)
	end()
	if err != nil {
		return nil, err
	}
	defer func() {
		if err := tree.Remove(); err != nil {
			a.Warningf("the temporary worktree %s was not removed: %v", tree.Dir, err)
		}
	}()
	base := *cfg
	base.target = r.flake.In(tree.Dir, r.rel)
	b, err := generate(ctx, a, &base)
	if err != nil {
		return nil, &baseError{ref: r.ref, commit: r.commit, target: cfg.target, err: err}
	}
	return diff.FromBOM(b)
}

// explainBase words a failure to read the base closure: the target is
// fine at the head, so the fault lies with compare-to.
func explainBase(be *baseError) error {
	short := be.commit[:12]
	var te *closure.TargetError
	if errors.Is(be.err, closure.ErrNotBuilt) && errors.As(be.err, &te) {
		return &action.InputError{Input: "compare-to", Err: fmt.Errorf(
			"%q (%s): the runtime closure of %s at that commit is not in the store (%s), and the action does not build the base (that can take as long as the build itself): "+
				"use closure: buildtime, which needs evaluation only, or give compare-to the base branch's SBOM artifact, or build the base in an earlier step", be.ref, short, be.target, strings.Join(te.Paths, ", ")),
			Accepted: compareAccepted}
	}
	return &action.InputError{Input: "compare-to", Err: fmt.Errorf("%q (%s): %s at that commit: %w", be.ref, short, be.target, explain(be.err))}
}
