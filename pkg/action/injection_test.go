package action_test

import (
	"strings"
	"testing"
)

// runnerCommands reads a step's stdout as actions/runner does: a line that
// starts with "::" (after trimming) is a command, except between
// ::stop-commands::TOKEN and ::TOKEN::. It returns the commands' names.
func runnerCommands(stdout string) []string {
	var names []string
	resume := ""
	for _, line := range strings.Split(stdout, "\n") {
		line = strings.TrimSpace(line)
		if resume != "" {
			if line == resume {
				resume = ""
				names = append(names, "resume")
			}
			continue
		}
		if !strings.HasPrefix(line, "::") {
			continue
		}
		name, rest, _ := strings.Cut(line[2:], "::")
		name, _, _ = strings.Cut(name, " ")
		if name == "stop-commands" {
			resume = "::" + rest + "::"
		}
		names = append(names, name)
	}
	return names
}

// hostile is what a Pushgateway, a proxy or anyone in the middle of an
// http:// connection could put in a response body that a step logs.
const hostile = "bad gateway\n::add-mask::visible\n  ::error::fake failure\n::stop-commands::x\n##[set-output name=pushed;]true\n100% done"

func TestOutsideTextCommandsNothing(t *testing.T) {
	t.Parallel()
	r := newRig(t, true)
	r.a.Infof("push failed: %s", hostile)
	got := runnerCommands(r.stdout.String())
	if strings.Join(got, ",") != "stop-commands,resume" {
		t.Fatalf("Infof let the runner see commands %v in:\n%s", got, r.stdout)
	}
	if !strings.Contains(r.stdout.String(), "push failed: "+hostile+"\n") {
		t.Errorf("the message is not shown unchanged:\n%s", r.stdout)
	}

	for _, report := range []func(string, ...any){r.a.Errorf, r.a.Warningf, r.a.Noticef} {
		r.stdout.Reset()
		report("push failed: %s", hostile)
		if got := runnerCommands(r.stdout.String()); len(got) != 1 {
			t.Errorf("an annotation became %d commands %v:\n%s", len(got), got, r.stdout)
		}
	}
	r.stdout.Reset()
	r.a.Group("title " + hostile)()
	if got := runnerCommands(r.stdout.String()); strings.Join(got, ",") != "group,endgroup" {
		t.Errorf("a group title became commands %v:\n%s", got, r.stdout)
	}
}

func TestPlainInfoNeedsNoStop(t *testing.T) {
	t.Parallel()
	r := newRig(t, true)
	r.a.Infof("read %d paths: a::b", 3)
	if r.stdout.String() != "read 3 paths: a::b\n" {
		t.Errorf("stdout %q", r.stdout)
	}
}
