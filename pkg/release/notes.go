package release

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// SharedGroup is the notes' group for commits that touch no action's
// directory.
const SharedGroup = "shared"

// Commit is one commit of the notes.
type Commit struct {
	Hash, Short, Subject string
	Files                []string
}

// Notes are the commits since the previous release, grouped by action
// (see the package documentation for the rule).
type Notes struct {
	Version  Version
	Previous Version // "" for the first release
	Commits  int
	Groups   []Group // actions in name order, then SharedGroup
}

// Group is the commits of one action, newest first.
type Group struct {
	Name    string
	Commits []Commit
}

// actionFileRE matches the metadata file of a top-level action directory.
var actionFileRE = regexp.MustCompile(`^([^/]+)/action\.ya?ml$`)

// collectNotes reads the commits of previous..head and groups them by the
// actions that exist at head.
func collectNotes(ctx context.Context, g git, v, previous Version, head string) (*Notes, error) {
	files, err := g.run(ctx, nil, "ls-tree", "-r", "--name-only", head)
	if err != nil {
		return nil, err
	}
	var actions []string
	for _, f := range strings.Split(files, "\n") {
		if m := actionFileRE.FindStringSubmatch(f); m != nil && !slices.Contains(actions, m[1]) {
			actions = append(actions, m[1])
		}
	}
	rangeSpec := head
	if previous != "" {
		rangeSpec = "refs/tags/" + string(previous) + ".." + head
	}
	commits, err := logCommits(ctx, g, rangeSpec)
	if err != nil {
		return nil, err
	}
	return groupCommits(v, previous, commits, actions), nil
}

// logCommits lists the commits of rangeSpec, merges left out (what they
// bring is listed through the commits they merge), newest first.
func logCommits(ctx context.Context, g git, rangeSpec string) ([]Commit, error) {
	out, err := g.run(ctx, nil, "log", "--no-merges", "--format=%x1e%H%x1f%h%x1f%s", "--name-only", rangeSpec, "--")
	if err != nil {
		return nil, err
	}
	var commits []Commit
	for _, rec := range strings.Split(out, "\x1e")[1:] {
		head, rest, _ := strings.Cut(rec, "\n")
		f := strings.SplitN(head, "\x1f", 3)
		if len(f) != 3 {
			return nil, fmt.Errorf("git log: unexpected record %q", head)
		}
		c := Commit{Hash: f[0], Short: f[1], Subject: f[2]}
		for _, name := range strings.Split(rest, "\n") {
			if name = strings.TrimSpace(name); name != "" {
				c.Files = append(c.Files, name)
			}
		}
		commits = append(commits, c)
	}
	return commits, nil
}

func groupCommits(v, previous Version, commits []Commit, actions []string) *Notes {
	slices.Sort(actions)
	byGroup := map[string][]Commit{}
	for _, c := range commits {
		var touched []string
		for _, f := range c.Files {
			top, _, nested := strings.Cut(f, "/")
			if nested && slices.Contains(actions, top) && !slices.Contains(touched, top) {
				touched = append(touched, top)
			}
		}
		if len(touched) == 0 {
			touched = []string{SharedGroup}
		}
		for _, name := range touched {
			byGroup[name] = append(byGroup[name], c)
		}
	}
	n := &Notes{Version: v, Previous: previous, Commits: len(commits)}
	for _, name := range append(actions, SharedGroup) {
		if cs := byGroup[name]; len(cs) > 0 {
			n.Groups = append(n.Groups, Group{Name: name, Commits: cs})
		}
	}
	return n
}

// Markdown renders the notes as the release's description.
func (n *Notes) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n", n.Version)
	switch {
	case n.Previous == "":
		fmt.Fprintf(&b, "The first release: %d commits.\n", n.Commits)
	default:
		fmt.Fprintf(&b, "%d commits since %s.\n", n.Commits, n.Previous)
	}
	for _, g := range n.Groups {
		fmt.Fprintf(&b, "\n## %s\n\n", g.Name)
		for _, c := range g.Commits {
			fmt.Fprintf(&b, "- %s (%s)\n", c.Subject, c.Short)
		}
	}
	return b.String()
}
