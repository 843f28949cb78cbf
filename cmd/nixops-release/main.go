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
	"os"
	"path/filepath"

	"github.com/voidnxsec/nixops-actions/pkg/action"
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
