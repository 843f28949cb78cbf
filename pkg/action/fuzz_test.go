package action_test

import (
	"strings"
	"testing"
	"time"

	"github.com/voidnxsec/nixops-actions/pkg/action"
)

// FuzzInputs hands one raw value, as a runner would set INPUT_<NAME>, to an
// input of every kind. Parse must answer with values or with errors that
// name the input, never panic; list and lines items come out trimmed and
// non-empty, list items without commas; a duration reads back the same
// from its usage default form.
func FuzzInputs(f *testing.F) {
	for _, s := range []string{"", "true", "False", "yes", "10", "-3", "9999999999999999999999", "90d", "1w2d12h", "-1.5d",
		"1h30m", "d", "a, b\n c,,", "\n\n", "x\r\ny", "%0A::error::x", "1e3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		for _, kind := range []string{"bool", "int", "duration", "list", "lines", "enum"} {
			env := map[string]string{"INPUT_X": raw}
			in := action.NewInputs(nil, func(k string) string { return env[k] })
			var check func()
			switch kind {
			case "bool":
				in.Bool("x", false, "")
			case "int":
				in.Int("x", 0, "")
			case "duration":
				d := in.Duration("x", 0, "")
				check = func() {
					back, err := action.ParseDuration(d.String())
					if err != nil || back != *d {
						t.Fatalf("duration %q parsed as %v, which reads back as %v, %v", raw, *d, back, err)
					}
				}
			case "list", "lines":
				var items *[]string
				if kind == "list" {
					items = in.List("x", nil, "")
				} else {
					items = in.Lines("x", nil, "")
				}
				check = func() {
					for _, it := range *items {
						if it == "" || it != strings.TrimSpace(it) || strings.Contains(it, "\n") || (kind == "list" && strings.Contains(it, ",")) {
							t.Fatalf("%s %q gave item %q", kind, raw, it)
						}
					}
				}
			case "enum":
				in.Enum("x", "a", []string{"a", "b"}, "")
			}
			err := in.Parse()
			if err != nil {
				if !strings.Contains(err.Error(), `input "x"`) {
					t.Fatalf("%s %q: error %q does not name the input", kind, raw, err)
				}
				continue
			}
			if check != nil {
				check()
			}
		}
	})
}

// Durations read back from Go's own format: what the usage text shows for
// a default is accepted as input.
func TestDurationReadsBack(t *testing.T) {
	for _, d := range []time.Duration{0, time.Second, 36 * time.Hour, 90 * 24 * time.Hour, -time.Minute} {
		back, err := action.ParseDuration(d.String())
		if err != nil || back != d {
			t.Errorf("ParseDuration(%q) = %v, %v", d.String(), back, err)
		}
	}
}
