package metricfile_test

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/voidnxsec/nixops-actions/internal/fuzzcorpus"
	"github.com/voidnxsec/nixops-actions/pkg/metricfile"
)

var update = flag.Bool("update", false, "rewrite testdata/*/want.prom")

var (
	runTime     = time.Unix(1700000000, 0)
	lastSuccess = time.Unix(1699990000, 500_000_000)
)

// TestCases merges testdata/<case>/* (want.* excluded) in name order
// with a failed run's pipeline series, and compares the body with
// want.prom, or the error with every line of want.err.
func TestCases(t *testing.T) {
	dirs, err := os.ReadDir("testdata")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		t.Run(d.Name(), func(t *testing.T) {
			dir := filepath.Join("testdata", d.Name())
			body, err := mergeDir(t, dir)
			if want, rerr := os.ReadFile(filepath.Join(dir, "want.err")); rerr == nil {
				if err == nil {
					t.Fatalf("no error; body:\n%s", body)
				}
				for _, line := range strings.Split(strings.TrimSpace(string(want)), "\n") {
					if !strings.Contains(err.Error(), line) {
						t.Errorf("error lacks %q:\n%v", line, err)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			wantFile := filepath.Join(dir, "want.prom")
			if *update {
				if err := os.WriteFile(wantFile, body, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(wantFile)
			if err != nil {
				t.Fatal(err)
			}
			if string(body) != string(want) {
				t.Errorf("body:\n%s\nwant:\n%s", body, want)
			}
			// What we send must read back as the same set.
			again := metricfile.New(nil)
			if err := again.Add("body", body); err != nil {
				t.Fatalf("the body does not parse back: %v", err)
			}
			if b2, _ := again.Bytes(); string(b2) != string(body) {
				t.Errorf("the body changes when parsed and encoded again:\n%s", b2)
			}
		})
	}
}

func mergeDir(t *testing.T, dir string) ([]byte, error) {
	t.Helper()
	files, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	s := metricfile.New(map[string]string{"job": "ci", "repository": "o/r", "workflow": "build"})
	for _, f := range files {
		if strings.HasPrefix(f.Name(), "want.") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, f.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Add(f.Name(), data); err != nil {
			return nil, err
		}
	}
	if err := s.AddPipeline(metricfile.Pipeline{Status: "failure", Time: runTime, LastSuccess: lastSuccess}); err != nil {
		return nil, err
	}
	return s.Bytes()
}

// TestPipeline checks which pipeline series each status writes.
func TestPipeline(t *testing.T) {
	cases := []struct {
		name       string
		p          metricfile.Pipeline
		want       []string
		absent     []string
		wantErr    string
		wantSeries int
	}{
		{
			name:       "success",
			p:          metricfile.Pipeline{Status: "success", Time: runTime, LastSuccess: lastSuccess},
			want:       []string{"nixops_pipeline_last_run_timestamp_seconds 1.7e+09", "nixops_pipeline_last_success_timestamp_seconds 1.7e+09", `nixops_pipeline_status{status="success"} 1`, `nixops_pipeline_status{status="failure"} 0`, `nixops_pipeline_status{status="cancelled"} 0`},
			wantSeries: 5,
		},
		{
			name:       "failure_carries_last_success",
			p:          metricfile.Pipeline{Status: "failure", Time: runTime, LastSuccess: lastSuccess},
			want:       []string{"nixops_pipeline_last_success_timestamp_seconds 1.6999900005e+09", `nixops_pipeline_status{status="failure"} 1`, `nixops_pipeline_status{status="success"} 0`},
			wantSeries: 5,
		},
		{
			name:       "cancelled_without_history",
			p:          metricfile.Pipeline{Status: "cancelled", Time: runTime},
			want:       []string{`nixops_pipeline_status{status="cancelled"} 1`},
			absent:     []string{"nixops_pipeline_last_success_timestamp_seconds"},
			wantSeries: 4,
		},
		{
			name:       "no_status",
			p:          metricfile.Pipeline{Time: runTime},
			want:       []string{"nixops_pipeline_last_run_timestamp_seconds 1.7e+09"},
			absent:     []string{"nixops_pipeline_status", "nixops_pipeline_last_success"},
			wantSeries: 1,
		},
		{name: "bad_status", p: metricfile.Pipeline{Status: "skipped", Time: runTime}, wantErr: `status "skipped"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := metricfile.New(nil)
			err := s.AddPipeline(c.p)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("error %v, want %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			body, _ := s.Bytes()
			for _, w := range c.want {
				if !strings.Contains(string(body), w+"\n") {
					t.Errorf("body lacks %q:\n%s", w, body)
				}
			}
			for _, a := range c.absent {
				if strings.Contains(string(body), a) {
					t.Errorf("body has %q:\n%s", a, body)
				}
			}
			if got := s.Series(); got != c.wantSeries {
				t.Errorf("Series() = %d, want %d", got, c.wantSeries)
			}
		})
	}
}

func TestHeadlines(t *testing.T) {
	s := metricfile.New(nil)
	if err := s.Add("a.prom", []byte("# TYPE b gauge\nb{k=\"2\"} 2\nb{k=\"1\"} 1\n# TYPE a counter\na_total 5\n# TYPE h histogram\nh_bucket{le=\"+Inf\"} 3\nh_sum 4.5\nh_count 3\n")); err != nil {
		t.Fatal(err)
	}
	rows, more := s.Headlines(3)
	want := []metricfile.Row{{"a_total", "", "5"}, {"b", `{k="1"}`, "1"}, {"b", `{k="2"}`, "2"}}
	if more != 1 || len(rows) != 3 {
		t.Fatalf("rows %v, more %d", rows, more)
	}
	for i := range want {
		if rows[i] != want[i] {
			t.Errorf("row %d = %v, want %v", i, rows[i], want[i])
		}
	}
	if rows, _ := s.Headlines(10); rows[3] != (metricfile.Row{"h", "", "count 3, sum 4.5"}) {
		t.Errorf("histogram row %v", rows[3])
	}
	if got := s.Series(); got != 6 {
		t.Errorf("Series() = %d, want 6 (a, 2×b, h bucket+sum+count)", got)
	}
}

// TestAddFileRefuses: a FIFO (whose open and read would block until a
// writer came), a directory and a file over the size limit are refused
// with an error naming the path; a file at the limit is read.
func TestAddFileRefuses(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "metrics.prom")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- metricfile.New(nil).AddFile(fifo) }()
	var err error
	select {
	case err = <-done:
	case <-time.After(time.Minute): // a hang guard, not a timing check
		t.Fatal("AddFile of a FIFO blocked")
	}
	var nr *metricfile.NotRegularError
	if !errors.As(err, &nr) || nr.Path != fifo || !strings.Contains(err.Error(), fifo+": not a regular file (a named pipe)") {
		t.Errorf("FIFO: %v", err)
	}
	if err := metricfile.New(nil).AddFile(dir); !errors.As(err, &nr) || !strings.Contains(err.Error(), "(a directory)") {
		t.Errorf("directory: %v", err)
	}

	body := []byte("a 1\n") // 4 bytes
	file := filepath.Join(dir, "a.prom")
	if err := os.WriteFile(file, body, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := metricfile.New(nil).MaxFileSize(4).AddFile(file); err != nil {
		t.Errorf("a file at the limit: %v", err)
	}
	err = metricfile.New(nil).MaxFileSize(3).AddFile(file)
	var tl *metricfile.TooLargeError
	if !errors.As(err, &tl) || tl.Path != file || tl.Size != 4 || tl.Limit != 3 || !strings.Contains(err.Error(), file+": 4 bytes, over the limit of 3 bytes") {
		t.Errorf("a file over the limit: %v", err)
	}
	if err := metricfile.New(nil).AddFile(filepath.Join(dir, "missing.prom")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a missing file: %v", err)
	}
}

// FuzzAdd: no input panics the reader or the checks, and whatever a set
// accepts it writes as a body that reads back as the same set, byte for
// byte (what the Pushgateway is sent is what was checked).
func FuzzAdd(f *testing.F) {
	fuzzcorpus.AddFiles(f, "testdata/*/*.prom")
	fuzzcorpus.AddFiles(f, "testdata/*/*.om")
	fuzzcorpus.AddFiles(f, "../../cmd/nixops-publish/testdata/*.prom")
	f.Add([]byte("# TYPE s summary\ns{quantile=\"0.5\"} 1\ns_sum 2\ns_count 3\n"))
	f.Add([]byte("# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 3\nh_count 2\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s := metricfile.New(map[string]string{"job": "ci"})
		if s.Add("fuzz.prom", data) != nil {
			return
		}
		if err := s.AddPipeline(metricfile.Pipeline{Status: "failure", Time: runTime, LastSuccess: lastSuccess}); err != nil {
			return // the file defines a pipeline series itself
		}
		body, err := s.Bytes()
		if err != nil {
			t.Fatalf("an accepted set does not encode: %v", err)
		}
		again := metricfile.New(nil)
		if err := again.Add("body", body); err != nil {
			t.Fatalf("the body does not read back: %v\n%s", err, body)
		}
		if b2, _ := again.Bytes(); string(b2) != string(body) {
			t.Fatalf("the body changes when read back:\n%s\nthen:\n%s", body, b2)
		}
		_, _ = s.Headlines(30)
		_ = s.Series()
	})
}
