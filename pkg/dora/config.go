package dora

import (
	"errors"
	"path"
	"time"

	"github.com/voidnxsec/nixops-actions/pkg/action"
)

// Config is the inputs of the action, as strings the way the user gave
// them, so the report can echo them; Validate parses them.
type Config struct {
	Repo          string `json:"repo"`
	Deployments   string `json:"deployments"` // tags | branch
	TagPattern    string `json:"tag-pattern"`
	Branch        string `json:"branch"`
	Window        string `json:"window"`      // pkg/action duration: 90d, 12w, 36h
	Until         string `json:"until"`       // RFC 3339; empty = committer time of HEAD
	CommitTime    string `json:"commit-time"` // author | committer
	ExcludeMerges bool   `json:"exclude-merges"`
	HotfixPattern string `json:"hotfix-pattern"`
	AllowShallow  bool   `json:"allow-shallow"`
	OutputDir     string `json:"output-dir"`
	// Source is git (deployments from tags or the branch) or github
	// (deployments from GitHub's Deployments API, incidents from issues,
	// pull requests for squash merges: ComputeWith takes that data).
	Source string `json:"source,omitempty"`
	// Environment and IncidentLabel say what the caller read from GitHub
	// (source github); they are echoed in the report.
	Environment   string `json:"environment,omitempty"`
	IncidentLabel string `json:"incident-label,omitempty"`
	// Repository is owner/name for the report (the CLI passes
	// GITHUB_REPOSITORY); empty = the base name of the work tree.
	Repository string `json:"-"`
}

// DefaultConfig holds the defaults of the action inputs.
func DefaultConfig() Config {
	return Config{
		Repo:          ".",
		Deployments:   "tags",
		TagPattern:    "v*",
		Window:        "90d",
		CommitTime:    "author",
		HotfixPattern: "*-hotfix*",
		OutputDir:     "out",
		Source:        "git",
		Environment:   "production",
	}
}

// settings are the parsed inputs.
type settings struct {
	branchMode    bool
	tagPattern    string
	hotfixPattern string
	branch        string
	window        time.Duration
	until         *time.Time
	committerTime bool
	excludeMerges bool
	allowShallow  bool
	github        bool
}

// Validate checks every input without reading the repository, so a CLI can
// fail on a typo before walking a large history.
func (c Config) Validate() error {
	_, err := c.parse()
	return err
}

func (c Config) parse() (settings, error) {
	s := settings{tagPattern: c.TagPattern, hotfixPattern: c.HotfixPattern, branch: c.Branch,
		excludeMerges: c.ExcludeMerges, allowShallow: c.AllowShallow}
	var errs []error
	if c.Repo == "" {
		errs = append(errs, configError("Repo", `empty (accepted: the path of a git work tree, such as ".")`))
	}
	switch c.Deployments {
	case "tags":
	case "branch":
		s.branchMode = true
	default:
		errs = append(errs, configError("Deployments", "unknown value %q (accepted: tags, branch)", c.Deployments))
	}
	switch c.Source {
	case "git", "":
	case "github":
		s.github = true
		if c.Environment == "" {
			errs = append(errs, configError("Environment", "empty (accepted: the name of a GitHub deployment environment, such as production)"))
		}
	default:
		errs = append(errs, configError("Source", "unknown value %q (accepted: git, github)", c.Source))
	}
	errs = append(errs, checkPattern("TagPattern", c.TagPattern), checkPattern("HotfixPattern", c.HotfixPattern))
	var err error
	s.window, err = parseWindow(c.Window)
	errs = append(errs, err)
	s.until, err = parseUntil(c.Until)
	errs = append(errs, err)
	switch c.CommitTime {
	case "author":
	case "committer":
		s.committerTime = true
	default:
		errs = append(errs, configError("CommitTime", "unknown value %q (accepted: author, committer)", c.CommitTime))
	}
	return s, errors.Join(errs...)
}

func checkPattern(field, p string) error {
	if p == "" {
		return configError(field, "empty (accepted: a glob in Go path.Match syntax, such as 'v*')")
	}
	if _, err := path.Match(p, ""); err != nil {
		return configError(field, "%q is not a valid glob (accepted: Go path.Match syntax: *, ?, [a-z], \\ escapes)", p)
	}
	return nil
}

func parseWindow(w string) (time.Duration, error) {
	d, err := action.ParseDuration(w)
	if err != nil || d <= 0 {
		return 0, configError("Window", "%q is not a positive duration (accepted: a number with a unit d, w, h, m or s, such as 90d, 12w, 36h)", w)
	}
	return d, nil
}

func parseUntil(u string) (*time.Time, error) {
	if u == "" {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339, u)
	if err != nil {
		return nil, configError("Until", "%q is not an RFC 3339 time (accepted: such as 2024-06-30T00:00:00Z, or empty for the committer time of HEAD)", u)
	}
	return &t, nil
}
