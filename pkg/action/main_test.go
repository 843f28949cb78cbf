package action_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/voidnxsec/nixops-actions/pkg/action"
)

func TestRunExitCodes(t *testing.T) {
	t.Parallel()
	gate := errors.New("2 findings at or above high")
	tests := []struct {
		name    string
		step    action.Step
		args    []string
		code    int
		printed string
	}{
		{"success", func(context.Context, *action.Action) error { return nil }, nil, 0, ""},
		{"error", func(context.Context, *action.Action) error { return errors.New("boom") }, nil, 1, "::error::boom\n"},
		{"exit code with error", func(context.Context, *action.Action) error { return action.ExitCode(2, gate) }, nil, 2, "::error::2 findings at or above high\n"},
		{"wrapped exit code", func(context.Context, *action.Action) error {
			return fmt.Errorf("scan: %w", action.ExitCode(2, gate))
		}, nil, 2, "::error::scan: 2 findings at or above high\n"},
		{"exit code alone", func(context.Context, *action.Action) error { return action.ExitCode(3, nil) }, nil, 3, ""},
		{"help", func(_ context.Context, a *action.Action) error {
			in := a.Inputs()
			in.String("target", "", "what", action.Required())
			return in.Parse()
		}, []string{"-h"}, 0, ""},
		{"input error", func(_ context.Context, a *action.Action) error {
			return &action.InputError{Input: "fail-on", Err: errors.New(`"hgh" is not a severity`), Accepted: "critical, high, medium, low, none"}
		}, nil, 1, "::error::input \"fail-on\": \"hgh\" is not a severity (accepted: critical, high, medium, low, none)\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stdout bytes.Buffer
			e := env{"GITHUB_ACTIONS": "true"}
			code := action.Run(context.Background(), tt.step, action.WithGetenv(e.get), action.WithArgs(tt.args),
				action.WithStdout(&stdout), action.WithStderr(&bytes.Buffer{}))
			if code != tt.code || stdout.String() != tt.printed {
				t.Errorf("Run = %d, printed %q; want %d, %q", code, stdout.String(), tt.code, tt.printed)
			}
		})
	}
}

func TestUndeclaredOutputRefused(t *testing.T) {
	t.Parallel()
	r := newRig(t, true)
	in := r.a.Inputs()
	in.Output("components", "how many")
	if err := r.a.SetOutput("components", "3"); err != nil {
		t.Fatal(err)
	}
	err := r.a.SetOutputs(action.Output{Name: "component", Value: "3"})
	if err == nil || !strings.Contains(err.Error(), `output "component" is not declared`) {
		t.Errorf("SetOutput of an undeclared name: %v", err)
	}
	if got := runnerOutputs(t, r.file(t, "GITHUB_OUTPUT")); len(got) != 1 || got["components"] != "3" {
		t.Errorf("outputs %v", got)
	}
}
