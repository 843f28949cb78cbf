package action_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/voidnxsec/nixops-actions/internal/schematest"
)

// eventFixtures are the payloads a runner writes to GITHUB_EVENT_PATH,
// each with the definition of GitHub's webhook schema for its event and
// action ("<event>$<action>", "push$event" as push has no actions).
var eventFixtures = []struct{ file, definition string }{
	{"pull_request-synchronize.json", "pull_request$synchronize"},
	{"pull_request-fork.json", "pull_request$opened"},
	{"push-main.json", "push$event"},
	{"release-published.json", "release$published"},
	{"deployment_status-success.json", "deployment_status$created"},
}

const eventsDir = "testdata/events"

// TestEventFixturesMatchWebhookSchema keeps the fixtures what GitHub
// sends: a test that passes on a payload GitHub never produces proves
// nothing about the runner.
func TestEventFixturesMatchWebhookSchema(t *testing.T) {
	listed := make([]string, 0, len(eventFixtures))
	for _, f := range eventFixtures {
		listed = append(listed, f.file)
	}
	files, err := filepath.Glob(filepath.Join(eventsDir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range files {
		if !slices.Contains(listed, filepath.Base(file)) {
			t.Errorf("%s has no schema definition in eventFixtures, so nothing checks it", file)
		}
	}
	for _, f := range eventFixtures {
		t.Run(f.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(eventsDir, f.file))
			if err != nil {
				t.Fatal(err)
			}
			schematest.Validate(t, schematest.GitHubEvent(t, f.definition), data)
		})
	}
}

var commitSHA = regexp.MustCompile(`^[0-9a-f]{40}$`)

// TestEventFixturesShowTheirCase checks what each fixture is for, which the
// schema leaves open: a fork has to differ from its base, SHAs have to be
// full ones.
func TestEventFixturesShowTheirCase(t *testing.T) {
	for _, c := range []struct {
		file, path string
		want       any // a string, bool, float64, or commitSHA for any SHA
	}{
		{"pull_request-synchronize.json", "number", 42.0},
		{"pull_request-synchronize.json", "pull_request.base.ref", "main"},
		{"pull_request-synchronize.json", "pull_request.head.ref", "feature/nix-2.26"},
		{"pull_request-synchronize.json", "pull_request.base.sha", commitSHA},
		{"pull_request-synchronize.json", "pull_request.head.sha", commitSHA},
		{"pull_request-synchronize.json", "pull_request.head.repo.full_name", "nixops-demo/hosts"},
		{"pull_request-synchronize.json", "pull_request.base.repo.full_name", "nixops-demo/hosts"},
		{"pull_request-fork.json", "pull_request.head.repo.fork", true},
		{"pull_request-fork.json", "pull_request.head.repo.full_name", "jdoe-nix/hosts"},
		{"pull_request-fork.json", "pull_request.base.repo.full_name", "nixops-demo/hosts"},
		{"pull_request-fork.json", "pull_request.head.sha", commitSHA},
		{"push-main.json", "ref", "refs/heads/main"},
		{"push-main.json", "before", commitSHA},
		{"push-main.json", "after", commitSHA},
		{"push-main.json", "commits.2.id", commitSHA},
		{"release-published.json", "release.tag_name", "v1.2.3"},
		{"deployment_status-success.json", "deployment_status.state", "success"},
		{"deployment_status-success.json", "deployment_status.environment", "production"},
		{"deployment_status-success.json", "deployment.environment", "production"},
	} {
		got := lookup(t, c.file, c.path)
		if re, ok := c.want.(*regexp.Regexp); ok {
			if s, _ := got.(string); !re.MatchString(s) {
				t.Errorf("%s: %s = %v, want a full commit SHA", c.file, c.path, got)
			}
		} else if got != c.want {
			t.Errorf("%s: %s = %#v, want %#v", c.file, c.path, got, c.want)
		}
	}
	// The synchronize payload's after is the head the pull request now has,
	// and a push's after is its last commit, as GitHub sends them.
	for _, c := range [][3]string{
		{"pull_request-synchronize.json", "after", "pull_request.head.sha"},
		{"push-main.json", "after", "head_commit.id"},
		{"push-main.json", "after", "commits.2.id"},
	} {
		if a, b := lookup(t, c[0], c[1]), lookup(t, c[0], c[2]); a != b {
			t.Errorf("%s: %s = %v but %s = %v", c[0], c[1], a, c[2], b)
		}
	}
	if n := len(lookup(t, "push-main.json", "commits").([]any)); n != 3 {
		t.Errorf("push-main.json has %d commits, want 3", n)
	}
}

// lookup returns the value at a dotted path of a fixture; numeric steps
// index arrays.
func lookup(t *testing.T, file, path string) any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(eventsDir, file))
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	for _, step := range strings.Split(path, ".") {
		switch node := v.(type) {
		case map[string]any:
			v = node[step]
		case []any:
			i, err := strconv.Atoi(step)
			if err != nil || i < 0 || i >= len(node) {
				t.Fatalf("%s: %s: no element %q", file, path, step)
			}
			v = node[i]
		default:
			t.Fatalf("%s: %s: %q is not inside an object or array", file, path, step)
		}
	}
	return v
}
