package action_test

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/voidnxsec/nixops-actions/pkg/action"
)

var update = flag.Bool("update", false, "rewrite testdata golden files")

// env is an injected environment.
type env map[string]string

func (e env) get(k string) string { return e[k] }

// values holds every kind of input, declared as a command would.
type values struct {
	Closure string
	Name    string
	Sign    bool
	Retries int
	MaxAge  time.Duration
	Formats []string
	Paths   []string
	DryRun  bool
}

func declare(in *action.Inputs) func() values {
	closure := in.Enum("closure", "runtime", []string{"runtime", "buildtime", "both"}, "which closure to describe")
	name := in.String("name", "sbom", "base name of the output files")
	sign := in.Bool("sign", false, "sign the documents")
	retries := in.Int("retries", 3, "attempts per request")
	maxAge := in.Duration("max-age", 90*24*time.Hour, "oldest deployment to count")
	formats := in.List("formats", []string{"cyclonedx"}, "documents to write", action.AllowedValues("cyclonedx", "spdx"))
	paths := in.Lines("paths", nil, "store paths, one per line")
	dryRun := in.Bool("dry run", false, "print instead of pushing")
	return func() values {
		return values{*closure, *name, *sign, *retries, *maxAge, *formats, *paths, *dryRun}
	}
}

var defaults = values{
	Closure: "runtime", Name: "sbom", Retries: 3, MaxAge: 90 * 24 * time.Hour,
	Formats: []string{"cyclonedx"},
}

// with returns defaults changed by f.
func with(f func(*values)) values {
	v := defaults
	v.Formats = append([]string(nil), v.Formats...)
	f(&v)
	return v
}

func TestInputs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		env  env
		want values
	}{
		{name: "defaults", want: defaults},
		{
			name: "from-env",
			env: env{
				"INPUT_CLOSURE": "both", "INPUT_NAME": " my sbom ", "INPUT_SIGN": "True",
				"INPUT_RETRIES": "7", "INPUT_MAX-AGE": "2w", "INPUT_FORMATS": "spdx, cyclonedx",
				"INPUT_PATHS": "/nix/store/a,b\n\n  /nix/store/c  \n", "INPUT_DRY_RUN": "TRUE",
			},
			want: values{
				Closure: "both", Name: "my sbom", Sign: true, Retries: 7, MaxAge: 14 * 24 * time.Hour,
				Formats: []string{"spdx", "cyclonedx"}, Paths: []string{"/nix/store/a,b", "/nix/store/c"}, DryRun: true,
			},
		},
		{
			name: "flag-wins-over-env",
			args: []string{"-closure", "buildtime", "-sign=false", "-retries=0", "-max-age", "36h", "-formats", "spdx"},
			env:  env{"INPUT_CLOSURE": "both", "INPUT_SIGN": "true", "INPUT_RETRIES": "9", "INPUT_MAX-AGE": "1d", "INPUT_FORMATS": "cyclonedx"},
			want: with(func(v *values) {
				v.Closure, v.Retries, v.MaxAge, v.Formats = "buildtime", 0, 36*time.Hour, []string{"spdx"}
			}),
		},
		{
			name: "empty-env-is-unset",
			env:  env{"INPUT_CLOSURE": "", "INPUT_RETRIES": "  ", "INPUT_FORMATS": ""},
			want: defaults,
		},
		{
			name: "bool-flag-alone",
			args: []string{"-sign", "-dry run"},
			env:  env{"INPUT_SIGN": "false"},
			want: with(func(v *values) { v.Sign, v.DryRun = true, true }),
		},
		{
			name: "bool-yaml-spellings",
			env:  env{"INPUT_SIGN": "FALSE", "INPUT_DRY_RUN": "False"},
			want: defaults,
		},
		{
			name: "repeated-list-flags-append",
			args: []string{"-formats", "spdx", "-formats", " cyclonedx,, ", "-paths", "/a", "-paths=/b,c"},
			want: with(func(v *values) {
				v.Formats, v.Paths = []string{"spdx", "cyclonedx"}, []string{"/a", "/b,c"}
			}),
		},
		{
			name: "list-of-separators-is-unset",
			env:  env{"INPUT_FORMATS": " ,\n, ", "INPUT_PATHS": "\n \n"},
			want: defaults,
		},
		{
			name: "duration-compound",
			env:  env{"INPUT_MAX-AGE": "1w2d12h"},
			want: with(func(v *values) { v.MaxAge = 9*24*time.Hour + 12*time.Hour }),
		},
		{
			name: "negative-int",
			args: []string{"-retries", "-1"},
			want: with(func(v *values) { v.Retries = -1 }),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var usage bytes.Buffer
			in := action.NewInputs(tt.args, tt.env.get, action.WithUsageOutput(&usage))
			get := declare(in)
			if err := in.Parse(); err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got := get(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
			if usage.Len() != 0 {
				t.Errorf("printed %q on a successful parse", usage.String())
			}
		})
	}
}

func TestInputsErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		env  env
		want string
	}{
		{
			name: "every-problem-at-once",
			args: []string{"-retries", "many"},
			env: env{
				"INPUT_CLOSURE": "foo", "INPUT_SIGN": "yes", "INPUT_RETRIES": "5", "INPUT_MAX-AGE": "3x",
				"INPUT_FORMATS": "xml,spdx\njson", "INPUT_DRY_RUN": "1",
			},
			want: `input "closure": "foo" is not one of runtime, buildtime, both
input "sign": "yes" is not a boolean: use true or false
input "retries": "many" is not an integer: use a whole number such as 10
input "max-age": "3x" is not a duration: use a number and a unit (ns, us, ms, s, m, h, d, w) such as 90m, 36h, 90d or 2w
input "formats": "xml" is not one of cyclonedx, spdx
input "formats": "json" is not one of cyclonedx, spdx
input "dry run": "1" is not a boolean: use true or false`,
		},
		{
			name: "enum-is-case-sensitive",
			args: []string{"-closure=Runtime"},
			want: `input "closure": "Runtime" is not one of runtime, buildtime, both`,
		},
		{
			name: "bool-yes-no-rejected",
			args: []string{"-sign=on"},
			want: `input "sign": "on" is not a boolean: use true or false`,
		},
		{
			name: "int-float-rejected",
			env:  env{"INPUT_RETRIES": "1.5"},
			want: `input "retries": "1.5" is not an integer: use a whole number such as 10`,
		},
		{
			name: "duration-without-unit",
			env:  env{"INPUT_MAX-AGE": "90"},
			want: `input "max-age": "90" is not a duration: use a number and a unit (ns, us, ms, s, m, h, d, w) such as 90m, 36h, 90d or 2w`,
		},
		{
			name: "unknown-flag",
			args: []string{"-nope"},
			want: `flag provided but not defined: -nope (run with -h to list the inputs)`,
		},
		{
			name: "positional-argument",
			args: []string{"-sign", "extra"},
			want: `unexpected argument "extra": inputs are given as flags, like -name=value (run with -h to list them)`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := action.NewInputs(tt.args, tt.env.get, action.WithUsageOutput(&bytes.Buffer{}))
			declare(in)
			err := in.Parse()
			if err == nil {
				t.Fatal("Parse succeeded, want an error")
			}
			if err.Error() != tt.want {
				t.Errorf("error:\n%s\nwant:\n%s", err, tt.want)
			}
		})
	}
}

func TestInputsRequired(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		env  env
		want string // "" means success
	}{
		{name: "missing", want: `input "gateway-url" is required: pass -gateway-url or set INPUT_GATEWAY-URL`},
		{name: "empty-flag", args: []string{"-gateway-url="}, env: env{"INPUT_GATEWAY-URL": "http://x"},
			want: `input "gateway-url" is required: pass -gateway-url or set INPUT_GATEWAY-URL`},
		{name: "blank-env", env: env{"INPUT_GATEWAY-URL": " \n"},
			want: `input "gateway-url" is required: pass -gateway-url or set INPUT_GATEWAY-URL`},
		{name: "from-env", env: env{"INPUT_GATEWAY-URL": "http://127.0.0.1:9091"}},
		{name: "from-flag", args: []string{"-gateway-url", "http://127.0.0.1:9091"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := action.NewInputs(tt.args, tt.env.get)
			url := in.String("gateway-url", "", "Pushgateway URL", action.Required())
			err := in.Parse()
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("Parse: %v", err)
			case tt.want == "" && *url != "http://127.0.0.1:9091":
				t.Errorf("url = %q", *url)
			case tt.want != "" && (err == nil || err.Error() != tt.want):
				t.Errorf("error %v, want %s", err, tt.want)
			}
		})
	}
}

func TestInputsHelp(t *testing.T) {
	t.Parallel()
	var usage bytes.Buffer
	in := action.NewInputs([]string{"-h"}, env{}.get, action.WithUsageOutput(&usage))
	declare(in)
	in.String("token", "", "API token", action.Secret(), action.Required())
	if err := in.Parse(); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("Parse(-h) = %v, want flag.ErrHelp", err)
	}
	golden(t, "testdata/help.golden", usage.String())
}

// golden compares got with a file under testdata; go test -update rewrites it.
func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(filepath.FromSlash(path))
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (go test -update rewrites it):\n%s", path, got)
	}
}

func TestInputsDeclaredTwicePanics(t *testing.T) {
	t.Parallel()
	defer func() {
		if r := recover(); r != `action: input "x" declared twice` {
			t.Errorf("recover() = %v", r)
		}
	}()
	in := action.NewInputs(nil, env{}.get)
	in.String("x", "", "")
	in.Int("x", 0, "")
}

func TestParseDuration(t *testing.T) {
	t.Parallel()
	const d = 24 * time.Hour
	tests := []struct {
		in   string
		want time.Duration
		bad  bool
	}{
		{in: "90d", want: 90 * d},
		{in: "2w", want: 14 * d},
		{in: "1w2d12h30m", want: 9*d + 12*time.Hour + 30*time.Minute},
		{in: "1.5d", want: 36 * time.Hour},
		{in: "-1d", want: -d},
		{in: "+2h", want: 2 * time.Hour},
		{in: "1h30m", want: 90 * time.Minute},
		{in: "250ms", want: 250 * time.Millisecond},
		{in: "0", want: 0},
		{in: "", bad: true},
		{in: "-", bad: true},
		{in: "d", bad: true},
		{in: "90", bad: true},
		{in: "1..5d", bad: true},
		{in: "1d-2h", bad: true},
		{in: "3x", bad: true},
		{in: "1y", bad: true},
		{in: "100000000w", bad: true}, // overflows int64 nanoseconds
	}
	for _, tt := range tests {
		got, err := action.ParseDuration(tt.in)
		switch {
		case tt.bad && err == nil:
			t.Errorf("ParseDuration(%q) = %v, want an error", tt.in, got)
		case tt.bad && err.Error() != `invalid duration "`+tt.in+`"`:
			t.Errorf("ParseDuration(%q) error = %v", tt.in, err)
		case !tt.bad && (err != nil || got != tt.want):
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestEnvName(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"closure": "INPUT_CLOSURE", "max-age": "INPUT_MAX-AGE", "dry run": "INPUT_DRY_RUN", "Mixed_Case": "INPUT_MIXED_CASE",
	} {
		if got := action.EnvName(in); got != want {
			t.Errorf("EnvName(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestGitHubToken: the unexpanded default and a blank value are no token;
// a token given is trimmed, and is a secret to mask.
func TestGitHubToken(t *testing.T) {
	t.Parallel()
	for value, want := range map[string]string{
		action.GitHubTokenDefault: "", " \n": "", " ghs_abc\n": "ghs_abc",
	} {
		var masked []string
		in := action.NewInputs(nil, env{"INPUT_GITHUB-TOKEN": value}.get, action.WithMasker(func(s string) { masked = append(masked, s) }))
		token := in.GitHubToken("token")
		if err := in.Parse(); err != nil {
			t.Fatal(err)
		}
		if got := token(); got != want {
			t.Errorf("INPUT_GITHUB-TOKEN=%q: token %q, want %q", value, got, want)
		}
		if want != "" && (len(masked) == 0 || !strings.Contains(masked[0], want)) {
			t.Errorf("INPUT_GITHUB-TOKEN=%q: masked %q", value, masked)
		}
	}
}
