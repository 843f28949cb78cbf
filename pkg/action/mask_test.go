package action_test

import (
	"strings"
	"testing"

	"github.com/voidnxsec/nixops-actions/pkg/action"
)

// TestSecretNeverPrinted drives a whole step, inputs to failure, with a
// secret input and checks that the only line carrying the secret is the
// ::add-mask:: line, which comes before anything else.
func TestSecretNeverPrinted(t *testing.T) {
	t.Parallel()
	const secret = "s3cr%t::hunter2"
	tests := []struct {
		name   string
		runner bool
		args   []string
		env    env
		masks  []string // expected ::add-mask:: lines, escaped
	}{
		{
			name: "runner-env", runner: true,
			env:   env{"INPUT_TOKEN": secret, "INPUT_PIN": secret, "INPUT_MODE": secret},
			masks: []string{"::add-mask::s3cr%25t::hunter2", "::add-mask::s3cr%25t::hunter2", "::add-mask::s3cr%25t::hunter2"},
		},
		{
			name: "runner-flag", runner: true,
			args:  []string{"-token", secret, "-pin", secret, "-mode", secret},
			masks: []string{"::add-mask::s3cr%25t::hunter2", "::add-mask::s3cr%25t::hunter2", "::add-mask::s3cr%25t::hunter2"},
		},
		{
			name: "laptop-flag", runner: false,
			args: []string{"-token", secret, "-pin", secret, "-mode", secret},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, tt.runner, tt.args...)
			for k, v := range tt.env {
				r.env[k] = v
			}
			in := r.a.Inputs()
			in.String("token", "", "API token", action.Secret())
			in.Int("pin", 0, "PIN", action.Secret())
			in.Enum("mode", "a", []string{"a", "b"}, "mode", action.Secret())
			err := in.Parse()
			want := `input "pin": the value (secret, not shown) is not an integer: use a whole number such as 10
input "mode": the value (secret, not shown) is not one of a, b`
			if err == nil || err.Error() != want {
				t.Fatalf("Parse error\n%v\nwant\n%s", err, want)
			}
			// A careless caller logs the secret: the laptop has no runner
			// to mask it, so the Action must.
			r.a.Infof("token is %s", secret)
			r.a.Errorf("auth failed with %s", secret)
			if code := r.a.Fail(err); code != 1 {
				t.Errorf("Fail = %d", code)
			}

			lines := strings.Split(r.stdout.String(), "\n")
			if len(lines) < len(tt.masks) || !equal(lines[:len(tt.masks)], tt.masks) {
				t.Fatalf("stdout starts %q, want the mask lines %q first", lines, tt.masks)
			}
			if tt.runner {
				// The runner masks what follows the mask lines, so only the
				// careless caller's own lines may carry the secret; Fail's
				// annotations must not.
				careless := map[string]bool{"token is " + secret: true, "::error::auth failed with s3cr%25t::hunter2": true}
				for _, l := range lines[len(tt.masks):] {
					if strings.Contains(l, "hunter2") && !careless[l] {
						t.Errorf("line %q leaks the secret", l)
					}
				}
				if r.stderr.Len() != 0 {
					t.Errorf("runner stderr %q, want nothing", r.stderr)
				}
				return
			}
			all := r.stdout.String() + r.stderr.String()
			if strings.Contains(all, "hunter2") {
				t.Errorf("laptop output leaks the secret:\n%s", all)
			}
			if !strings.Contains(r.stderr.String(), "token is ***\nerror: auth failed with ***\n") {
				t.Errorf("laptop stderr did not redact:\n%s", r.stderr)
			}
		})
	}
}

func TestMaskMultiLine(t *testing.T) {
	t.Parallel()
	r := newRig(t, true)
	r.a.AddMask("-----BEGIN KEY-----\nAAAA\r\n\n-----END KEY-----")
	r.a.AddMask("")
	r.a.AddMask(" \n ")
	want := "::add-mask::-----BEGIN KEY-----%0AAAAA%0D%0A%0A-----END KEY-----\n" +
		"::add-mask::-----BEGIN KEY-----\n::add-mask::AAAA\n::add-mask::-----END KEY-----\n"
	if r.stdout.String() != want {
		t.Errorf("stdout\n%q\nwant\n%q", r.stdout, want)
	}
}

func TestMaskLaptopPrintsNothing(t *testing.T) {
	t.Parallel()
	r := newRig(t, false)
	r.a.AddMask("hunter2")
	r.a.Warningf("x hunter2 y hunter2")
	if r.stdout.Len() != 0 || r.stderr.String() != "warning: x *** y ***\n" {
		t.Errorf("stdout %q stderr %q", r.stdout, r.stderr)
	}
}

func equal(a, b []string) bool { return strings.Join(a, "\x00") == strings.Join(b, "\x00") }
