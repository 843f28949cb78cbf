package release

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"golang.org/x/mod/semver"
)

// ErrBadVersion is matched by a version that is not vMAJOR.MINOR.PATCH.
var ErrBadVersion = errors.New("not a release version")

// VersionError is a version string that cannot name a release.
type VersionError struct{ Value string }

func (e *VersionError) Error() string {
	return fmt.Sprintf("%q is not a release version: write vMAJOR.MINOR.PATCH, such as v1.2.3 or v1.3.0-rc.1", e.Value)
}

func (e *VersionError) Is(target error) bool { return target == ErrBadVersion }

// versionRE is semantic versioning with a leading v and an optional
// pre-release, without build metadata: the same tags actions/bootstrap.sh
// takes for releases (it accepts leading zeros too; a release never has
// them).
var versionRE = regexp.MustCompile(`^v(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$`)

// Version is a checked release version, such as v1.2.3.
type Version string

// ParseVersion checks s.
func ParseVersion(s string) (Version, error) {
	if !versionRE.MatchString(s) {
		return "", &VersionError{s}
	}
	return Version(s), nil
}

// Prerelease reports whether v has a pre-release part (v1.3.0-rc.1):
// moving tags never point at one.
func (v Version) Prerelease() bool { return semver.Prerelease(string(v)) != "" }

// MovingTags are the tags that follow the newest release of a line: vX
// and vX.Y.
func (v Version) MovingTags() []string {
	return []string{semver.Major(string(v)), semver.MajorMinor(string(v))}
}

// Compare orders versions as semantic versioning does: -1, 0 or +1.
func (v Version) Compare(w Version) int { return semver.Compare(string(v), string(w)) }

// previousVersion returns the highest version in tags below v, or "".
// A release's notes run from the previous release, not from its own
// release candidates; a pre-release's from whatever came before.
func previousVersion(v Version, tags []string) Version {
	var best Version
	for _, t := range tags {
		w, err := ParseVersion(strings.TrimSpace(t))
		if err != nil || w.Compare(v) >= 0 || (w.Prerelease() && !v.Prerelease()) {
			continue
		}
		if best == "" || w.Compare(best) > 0 {
			best = w
		}
	}
	return best
}

// newestOfLine reports whether no tag of v's moving tag line is above v.
func newestOfLine(v Version, line string, tags []string) bool {
	for _, t := range tags {
		w, err := ParseVersion(t)
		if err != nil || w.Prerelease() {
			continue
		}
		if strings.HasPrefix(string(w), line+".") && w.Compare(v) > 0 {
			return false
		}
	}
	return true
}
