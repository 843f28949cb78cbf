package publish_test

import (
	"encoding/base64"
	"errors"
	"io/fs"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/voidnxsec/nixops-actions/pkg/httpclient"
	"github.com/voidnxsec/nixops-actions/pkg/publish"
	"github.com/voidnxsec/nixops-actions/pkg/pushgateway"
)

type logger struct{ lines []string }

func (l *logger) Infof(format string, args ...any) {
	l.lines = append(l.lines, "info: "+sprintf(format, args))
}
func (l *logger) Warningf(format string, args ...any) {
	l.lines = append(l.lines, "warning: "+sprintf(format, args))
}

func valid() publish.Config {
	return publish.Config{URL: "http://127.0.0.1:1", Job: "j", Timeout: time.Second, Retries: 1, MaxFileSize: 1 << 20}
}

// TestNewRefuses: every broken setting is an error of a type the action
// layer can tell apart, and all of them are reported at once.
func TestNewRefuses(t *testing.T) {
	cases := []struct {
		name string
		edit func(*publish.Config)
		is   func(error) bool
	}{
		{"url", func(c *publish.Config) { c.URL = "gw.example" }, func(err error) bool { var e *httpclient.URLError; return errors.As(err, &e) }},
		{"grouping_job", func(c *publish.Config) { c.Grouping = [][2]string{{"job", "x"}} }, func(err error) bool { var e *pushgateway.GroupingError; return errors.As(err, &e) && e.Name == "job" }},
		{"two_auths", func(c *publish.Config) { c.Token, c.User, c.Password = "t", "u", "p" }, is(publish.ErrTwoAuths)},
		{"no_password", func(c *publish.Config) { c.User = "u" }, is(publish.ErrNoPassword)},
		{"no_user", func(c *publish.Config) { c.Password = "p" }, is(publish.ErrNoUser)},
		{"timeout_zero", func(c *publish.Config) { c.Timeout = 0 }, is(publish.ErrTimeout)},
		{"timeout_negative", func(c *publish.Config) { c.Timeout = -time.Second }, is(publish.ErrTimeout)},
		{"retries", func(c *publish.Config) { c.Retries = -1 }, is(publish.ErrRetries)},
		{"file_size", func(c *publish.Config) { c.MaxFileSize = 0 }, is(publish.ErrFileSize)},
		{"status", func(c *publish.Config) { c.Status = "skipped" }, is(publish.ErrStatus)},
		{"ca_file", func(c *publish.Config) { c.CAFile = "testdata/missing.pem" }, is(fs.ErrNotExist)},
		{"pattern", func(c *publish.Config) { c.Metrics = []string{"[x"} }, func(err error) bool { var e *publish.PatternError; return errors.As(err, &e) }},
	}
	for _, c := range cases {
		cfg := valid()
		c.edit(&cfg)
		if _, err := publish.New(cfg, &logger{}); err == nil || !c.is(err) {
			t.Errorf("%s: error %v", c.name, err)
		}
	}
	cfg := valid()
	cfg.Timeout, cfg.Retries = 0, -1
	_, err := publish.New(cfg, &logger{})
	if !errors.Is(err, publish.ErrTimeout) || !errors.Is(err, publish.ErrRetries) {
		t.Errorf("two problems, not both reported: %v", err)
	}
	if _, err := publish.New(valid(), &logger{}); err != nil {
		t.Errorf("a valid configuration: %v", err)
	}
}

func is(target error) func(error) bool { return func(err error) bool { return errors.Is(err, target) } }

func TestDefaults(t *testing.T) {
	if got := publish.DefaultJob("voidnxsec/example"); got != "example" {
		t.Errorf("DefaultJob = %q", got)
	}
	if got := publish.DefaultJob(""); got != "nixops" {
		t.Errorf("DefaultJob outside a runner = %q", got)
	}
	g := publish.DefaultGrouping("o/r", "CI build")
	if len(g) != 2 || g[0] != [2]string{"repository", "o/r"} || g[1] != [2]string{"workflow", "CI build"} {
		t.Errorf("DefaultGrouping = %v", g)
	}
	if g := publish.DefaultGrouping("", ""); len(g) != 0 {
		t.Errorf("DefaultGrouping outside a runner = %v", g)
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"0": 0, "100": 100, "64MiB": 64 << 20, " 512 KiB ": 512 << 10, "1GiB": 1 << 30} {
		if got, err := publish.ParseSize(in); err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "64MB", "-1", "1.5MiB", "MiB", "99999999999GiB"} {
		var se *publish.SizeError
		if _, err := publish.ParseSize(in); !errors.As(err, &se) {
			t.Errorf("ParseSize(%q): %v", in, err)
		}
	}
}

func TestParseGrouping(t *testing.T) {
	g, err := publish.ParseGrouping([]string{" repository = o/r ", "empty=", "eq=a=b"})
	if err != nil || len(g) != 3 || g[0] != [2]string{"repository", "o/r"} || g[1] != [2]string{"empty", ""} || g[2] != [2]string{"eq", "a=b"} {
		t.Errorf("ParseGrouping = %q, %v", g, err)
	}
	var le *publish.GroupingLineError
	if _, err := publish.ParseGrouping([]string{"a=1", "novalue"}); !errors.As(err, &le) || le.Line != "novalue" {
		t.Errorf("a line without '=': %v", err)
	}
}

// FuzzGrouping: whatever lines the grouping input holds, parsing never
// panics, and a grouping the Pushgateway accepts is encoded in the group
// URL so that decoding each path segment as the gateway does gives back
// every name and value exactly.
func FuzzGrouping(f *testing.F) {
	for _, s := range []string{"repository=o/r\nworkflow=CI build", "a=", "a=b=c", "novalue", "job=x", "v=Déploiement ✓ 日本", "v=a+b=100%", "v=/?>", "v=..", "v=.", "__a=1", "a=1\na=2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, input string) {
		g, err := publish.ParseGrouping(strings.Split(input, "\n"))
		if err != nil {
			return
		}
		p := pushgateway.New("http://gw.example/prefix", "job one")
		for _, kv := range g {
			p.Grouping(kv[0], kv[1])
		}
		if p.Err() != nil {
			return
		}
		got := decodeGroup(t, p.URL())
		want := map[string]string{"job": "job one"}
		for _, kv := range g {
			want[kv[0]] = kv[1]
		}
		if len(got) != len(want) {
			t.Fatalf("%s decodes to %q, want %q", p.URL(), got, want)
		}
		for k, v := range want {
			if got[k] != v {
				t.Fatalf("%s: label %s decodes to %q, want %q", p.URL(), k, got[k], v)
			}
		}
	})
}

// decodeGroup reads the labels of a group URL the way the Pushgateway
// reads its path: name/value pairs after /metrics/, values path-escaped
// or, under name@base64, URL-safe base64.
func decodeGroup(t *testing.T, raw string) map[string]string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	rest, ok := strings.CutPrefix(u.EscapedPath(), "/prefix/metrics/")
	if !ok {
		t.Fatalf("%s: no /prefix/metrics/", raw)
	}
	segs := strings.Split(rest, "/")
	if len(segs)%2 != 0 {
		t.Fatalf("%s: odd number of segments", raw)
	}
	labels := map[string]string{}
	for i := 0; i < len(segs); i += 2 {
		name, v := segs[i], segs[i+1]
		if n, ok := strings.CutSuffix(name, "@base64"); ok {
			b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(v, "="))
			if err != nil {
				t.Fatalf("%s: segment %q: %v", raw, v, err)
			}
			labels[n] = string(b)
			continue
		}
		val, err := url.PathUnescape(v)
		if err != nil {
			t.Fatalf("%s: segment %q: %v", raw, v, err)
		}
		labels[name] = val
	}
	return labels
}
