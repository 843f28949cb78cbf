package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	"github.com/voidnxsec/nixops-actions/pkg/action"
	"github.com/voidnxsec/nixops-actions/pkg/githubapi"
	"github.com/voidnxsec/nixops-actions/pkg/markdown"
	"github.com/voidnxsec/nixops-actions/pkg/sbom"
)

// releaseInputs are the inputs of release-assets, declared before Parse.
type releaseInputs struct {
	enabled *bool
	prefix  *string
}

func declareReleaseInputs(in *action.Inputs) releaseInputs {
	return releaseInputs{
		enabled: in.Bool("release-assets", false, "on a release event or a tag push, attach the SBOM files to the release, replacing assets of the same names (needs contents: write)"),
		prefix:  in.String("release-asset-prefix", "", "put before each asset's name (sbom.cdx.json), so that matrix jobs attach files of their own"),
	}
}

// releasePlan is a checked release-assets: which release gets the files.
// A release event names its release by id, drafts included; a tag push
// names a tag, whose release is looked up after the SBOM is made.
type releasePlan struct {
	repo   githubapi.Repo
	id     int64  // from a release event
	tag    string // from a tag push
	prefix string
	opts   githubapi.Options
}

// plan checks release-assets before any Nix work. It returns nil when
// release-assets is false, or (with a notice) when the event is neither a
// release nor a tag push, so one workflow can run on both.
func (ri releaseInputs) plan(a *action.Action, si snapshotInputs) (*releasePlan, error) {
	if !*ri.enabled {
		return nil, nil
	}
	prefix := *ri.prefix
	if strings.ContainsAny(prefix, "/\\") || strings.TrimSpace(prefix) != prefix {
		return nil, &action.InputError{Input: "release-asset-prefix", Err: fmt.Errorf("%q holds a slash or surrounding spaces", prefix),
			Accepted: "a file name prefix such as x86_64-linux-"}
	}
	token := si.token()
	if token == "" {
		return nil, &action.InputError{Input: "github-token", Err: errors.New("is empty, and release-assets: true uploads through GitHub's API"),
			Accepted: "${{ github.token }} (the default) or a token with contents: write"}
	}
	rc, err := a.Context()
	if err != nil {
		return nil, err
	}
	p := &releasePlan{prefix: prefix}
	switch {
	case rc.EventName == "release":
		var ev struct {
			Release *struct {
				ID  int64  `json:"id"`
				Tag string `json:"tag_name"`
			} `json:"release"`
		}
		if err := rc.Event(&ev); err != nil {
			return nil, err
		}
		if ev.Release == nil || ev.Release.ID == 0 {
			return nil, fmt.Errorf("release-assets: true: the release event payload %s has no release id", rc.EventPath)
		}
		p.id, p.tag = ev.Release.ID, ev.Release.Tag
	case strings.HasPrefix(rc.Ref, "refs/tags/"):
		p.tag = strings.TrimPrefix(rc.Ref, "refs/tags/")
	default:
		a.Noticef("release-assets: true, but this %s event on %s is neither a release nor a tag push: no assets attached", rc.EventName, rc.Ref)
		return nil, nil
	}
	if p.repo, err = githubapi.ParseRepo(rc.Repository); err != nil {
		return nil, fmt.Errorf("release-assets: true needs GITHUB_REPOSITORY: %w", err)
	}
	p.opts = clientOptions(a, rc.APIURL, token, false)
	return p, nil
}

// attach uploads the SBOM files, replacing assets of the same names.
func (p *releasePlan) attach(ctx context.Context, a *action.Action, files map[sbom.Format]string) error {
	c, err := githubapi.New(p.opts)
	if err != nil {
		return err
	}
	id := p.id
	if id == 0 {
		rel, err := c.ReleaseByTag(ctx, p.repo, p.tag)
		if errors.Is(err, githubapi.ErrNotFound) {
			return fmt.Errorf("release-assets: true: tag %q has no published release to attach the SBOM to: create the release first, or run on the release event (a draft's id comes only with that event)", p.tag)
		}
		if err != nil {
			return err
		}
		id = rel.ID
	}
	end := a.Group(fmt.Sprintf("Attach the SBOM to the release of %s", p.tag))
	defer end()
	var lines []string
	for _, f := range slices.Sorted(maps.Values(files)) {
		name := p.prefix + filepath.Base(f)
		as, err := c.ReplaceAsset(ctx, p.repo, id, f, name)
		if err != nil {
			return err
		}
		a.Infof("attached %s (%d bytes): %s", name, as.Size, as.URL)
		lines = append(lines, "- "+markdown.Code(name))
	}
	return a.AddSummary(fmt.Sprintf("### Release assets\n\nAttached to the release of %s:\n\n%s\n", markdown.Code(p.tag), strings.Join(lines, "\n")))
}
