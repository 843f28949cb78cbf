package release

import (
	"errors"
	"slices"
	"testing"
)

func TestParseVersion(t *testing.T) {
	for _, s := range []string{"v0.1.0", "v1.2.3", "v10.20.30", "v1.3.0-rc.1", "v2.0.0-beta-2"} {
		if _, err := ParseVersion(s); err != nil {
			t.Errorf("ParseVersion(%q): %v", s, err)
		}
	}
	for _, s := range []string{"", "1.2.3", "v1", "v1.2", "v01.2.3", "v1.2.3+meta", "v1.2.3-", "V1.2.3", "v1.2.3 ", "v1.2.3\nv2.0.0", "v1.2.3/x"} {
		_, err := ParseVersion(s)
		var ve *VersionError
		if !errors.Is(err, ErrBadVersion) || !errors.As(err, &ve) || ve.Value != s {
			t.Errorf("ParseVersion(%q): %v, want a VersionError", s, err)
		}
	}
	if got := Version("v1.2.3").MovingTags(); !slices.Equal(got, []string{"v1", "v1.2"}) {
		t.Errorf("moving tags %q", got)
	}
}

func TestPreviousVersion(t *testing.T) {
	tags := []string{"v1", "v1.0", "v0.9.0", "v0.10.0", "v1.0.0-rc.1", "v1.0.0", "v2.0.0", "junk", "v0.11"}
	cases := []struct{ v, want Version }{
		{"v1.0.0", "v0.10.0"}, // not its own candidate, not v0.9.0 (0.10 > 0.9)
		{"v1.0.1", "v1.0.0"},  // the release, not the candidate
		{"v1.0.0-rc.2", "v1.0.0-rc.1"},
		{"v0.9.0", ""},       // the first release
		{"v1.5.0", "v1.0.0"}, // v2.0.0 is above
	}
	for _, c := range cases {
		if got := previousVersion(c.v, tags); got != c.want {
			t.Errorf("previousVersion(%s) = %q, want %q", c.v, got, c.want)
		}
	}
}

func TestNewestOfLine(t *testing.T) {
	tags := []string{"v1.2.0", "v1.10.0", "v1.3.0-rc.1", "v2.0.0"}
	cases := []struct {
		v    Version
		line string
		want bool
	}{
		{"v1.2.1", "v1", false},  // v1.10.0 is newer
		{"v1.2.1", "v1.2", true}, // nothing newer in v1.2
		{"v1.11.0", "v1", true},  // v2.0.0 is another line
		{"v1.3.0", "v1.3", true}, // a candidate does not count
		{"v1.1.9", "v1.1", true}, // v1.10.0 is not in the v1.1 line
	}
	for _, c := range cases {
		if got := newestOfLine(c.v, c.line, tags); got != c.want {
			t.Errorf("newestOfLine(%s, %s) = %v, want %v", c.v, c.line, got, c.want)
		}
	}
}
