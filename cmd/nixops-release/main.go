// Command nixops-release cuts a release of this repository from a clean
// work tree: every cmd/nixops-* binary built reproducibly for linux and
// darwin on amd64 and arm64, their SHA-256 committed as
// actions/checksums.txt in a "release vX.Y.Z" commit tagged vX.Y.Z, and
// the release notes. It is the release workflow's step and, with the same
// names as flags, the one command a maintainer runs:
//
//	nixops-release -version v1.2.3
//
// Its publish stage makes that release public on GitHub (release.Publish
// through pkg/githubapi): it pushes the tag, creates the release, uploads
// and downloads back every asset, and only then moves vX and vX.Y. It
// reads the repository and the API URL from the runner's context:
//
//	env GITHUB_REPOSITORY=owner/name "INPUT_GITHUB-TOKEN=$(gh auth token)" nixops-release -version v1.2.3 -stage publish
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/voidnxsec/nixops-actions/pkg/action"
	"github.com/voidnxsec/nixops-actions/pkg/githubapi"
	"github.com/voidnxsec/nixops-actions/pkg/httpclient"
	"github.com/voidnxsec/nixops-actions/pkg/release"
)

func main() { action.Main(run) }

func run(ctx context.Context, a *action.Action) error {
	in := a.Inputs()
	version := in.String("version", "", "the version to release, vMAJOR.MINOR.PATCH", action.Required())
	stage := in.Enum("stage", "cut", []string{"cut", "publish"}, "cut: build, commit, tag and write the notes, locally; publish: push the tag, create the GitHub release, verify the downloads, move vX and vX.Y")
	repo := in.String("repo", ".", "the git work tree to release; it must be clean")
	outDir := in.String("output-dir", "dist", "directory for the release's files, in <output-dir>/<version>/")
	token := in.String("github-token", "", "token of the publish stage, with contents: write on the repository", action.Secret())
	in.Output("commit", "the release commit, which the tag points at")
	in.Output("assets-dir", "the directory holding the binaries, checksums.txt and notes.md")
	in.Output("notes-file", "the release notes, Markdown")
	if err := in.Parse(); err != nil {
		return err
	}
	if *stage == "publish" {
		return publish(ctx, a, release.PublishOptions{Dir: *repo, Version: *version,
			Assets: filepath.Join(*outDir, *version), Env: os.Environ()}, *token)
	}
	r, err := release.Cut(ctx, release.Options{Dir: *repo, Version: *version, OutDir: *outDir,
		Env: os.Environ(), Progress: func(s string) { a.Infof("%s", s) }})
	if err != nil {
		return explain(err)
	}
	for _, as := range r.Assets {
		a.Infof("%s  %s", as.SHA256, as.Name)
	}
	a.Infof("tagged %s at %s (release commit on top of %s), built with %s", r.Version, r.Commit, r.Parent, r.GoVersion)
	err = a.SetOutputs(action.Output{Name: "commit", Value: r.Commit},
		action.Output{Name: "assets-dir", Value: r.Dir}, action.Output{Name: "notes-file", Value: r.NotesFile})
	if err != nil {
		return err
	}
	return a.AddSummary(r.Notes.Markdown())
}

// publish makes the release cut in o.Dir public in the run's repository.
func publish(ctx context.Context, a *action.Action, o release.PublishOptions, token string) error {
	if token == "" {
		return &action.InputError{Input: "github-token", Err: errors.New(`stage "publish" needs a token`),
			Accepted: "the job's ${{ github.token }} with `contents: write`"}
	}
	rc, err := a.Context()
	if err != nil {
		return err
	}
	repo, err := githubapi.ParseRepo(rc.Repository)
	if err != nil {
		return fmt.Errorf("GITHUB_REPOSITORY: %w (the runner sets it; outside one, set it to the repository to publish to)", err)
	}
	client, err := githubapi.New(githubapi.Options{APIURL: rc.APIURL, Token: token, UserAgent: "nixops-release",
		HTTP:    httpclient.Options{Proxy: httpclient.ProxyFromEnv(a.Getenv)},
		OnRetry: func(r githubapi.Retry) { a.Infof("retrying %s %s in %s: %s", r.Method, r.Path, r.Wait, r.Reason) }})
	if err != nil {
		return fmt.Errorf("GITHUB_API_URL: %w", err)
	}
	o.PushEnv = pushAuth(a, o.Env, rc.ServerURL, token)
	p, err := release.Publish(ctx, release.GitHub{Client: client, Repo: repo}, o)
	if err != nil {
		return explain(err)
	}
	a.Infof("published %s to %s: %s", o.Version, repo, p)
	return nil
}

// explain names the input at fault.
func explain(err error) error {
	var dirty *release.DirtyTreeError
	var denied *githubapi.PermissionError
	switch {
	case errors.As(err, &denied):
		return &action.InputError{Input: "github-token", Err: err}
	case errors.Is(err, release.ErrBadVersion):
		return &action.InputError{Input: "version", Err: err}
	case errors.Is(err, release.ErrReleased):
		return &action.InputError{Input: "version", Err: err, Accepted: "a version with no tag and no entry in actions/checksums.txt"}
	case errors.As(err, &dirty):
		return &action.InputError{Input: "repo", Err: fmt.Errorf("%w; commit or stash them (git stash --include-untracked), then run again", err)}
	}
	return err
}
