package storedb_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"github.com/voidnxsec/nixops-actions/pkg/nix/storedb"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/voidnxsec/nixops-actions/internal/nixchroot"
	"github.com/voidnxsec/nixops-actions/internal/testenv"
	"github.com/voidnxsec/nixops-actions/pkg/nix/store"
)

// The 10,000-package synthetic system of ../shared/fixtures/nix.
const synthTop = testenv.SynthTop

// synthStore is the fixture imported into a chroot store of its own;
// it returns the store directory.
func synthStore(tb testing.TB) string {
	tb.Helper()
	if os.Getenv(nixchroot.InnerVar) != "" {
		tb.Skip("the shared fixtures are not inside the Nix chroots")
	}
	return testenv.SynthStore(tb)
}

// chrootState is the state directory of the chroot store dir.
func chrootState(dir string) string { return filepath.Join(dir, "nix/var/nix") }

// TestClosure10k requires the database and the CLI to agree on the
// runtime closure of the 10,000-package system.
func TestClosure10k(t *testing.T) {
	dir := synthStore(t)
	ctx := context.Background()
	want, err := store.New(store.WithStore(dir), store.WithoutDatabase()).PathInfo(ctx, []string{synthTop}, true)
	if err != nil {
		t.Fatal(err)
	}
	db, err := storedb.Open(ctx, chrootState(dir))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got, err := db.PathInfo(ctx, []string{synthTop}, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 10001 || !reflect.DeepEqual(normalized(got), normalized(want)) {
		t.Errorf("%d paths from the database, %d from the CLI; differences:\n%.4000s", len(got), len(want), infoDiff(normalized(got), normalized(want)))
	}
}

// runClosure is the whole process the benchmark times: open the database
// of state directory args[0], read the closure of args[1:], print it as
// JSON (as `nix path-info --json -r` prints its answer).
func runClosure(args []string) int {
	db, err := storedb.Open(context.Background(), args[0])
	if err != nil {
		fmt.Fprintf(os.Stderr, "%T: %v\n", err, err)
		return 1
	}
	defer db.Close()
	objs, err := db.Objects(context.Background(), args[1:], true)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%T: %v\n", err, err)
		return 1
	}
	w := bufio.NewWriter(os.Stdout)
	if err := json.NewEncoder(w).Encode(objs); err != nil {
		return 1
	}
	if err := w.Flush(); err != nil {
		return 1
	}
	return 0
}

// sample is one run of a process: wall time, CPU time, peak memory.
type sample struct {
	wall, cpu time.Duration
	maxRSS    int64 // bytes
}

func runProcess(b *testing.B, cmd *exec.Cmd) sample {
	b.Helper()
	cmd.Stdout = io.Discard
	cmd.Stderr = os.Stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		b.Fatalf("%v: %v", cmd.Args, err)
	}
	wall := time.Since(start)
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	return sample{wall, cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(), ru.Maxrss * 1024}
}

// BenchmarkClosure10k times, as whole processes, the runtime closure of
// the 10,000-package system with every row read and printed as JSON: this
// package's query against `nix path-info --json -r`. Each iteration runs
// both, alternating which goes first; medians are reported. Run with
// -benchtime=7x for seven pairs.
func BenchmarkClosure10k(b *testing.B) {
	dir := synthStore(b)
	nix := testenv.LookPath(b, "nix")
	ours := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], chrootState(dir), synthTop)
		cmd.Env = append(os.Environ(), childVar+"=closure")
		return cmd
	}
	theirs := func() *exec.Cmd {
		return exec.Command(nix, "--extra-experimental-features", "nix-command", "path-info", "--store", dir, "--json", "-r", synthTop)
	}
	var db, cli []sample
	b.ResetTimer()
	for i := range b.N {
		if i%2 == 0 {
			db = append(db, runProcess(b, ours()))
			cli = append(cli, runProcess(b, theirs()))
		} else {
			cli = append(cli, runProcess(b, theirs()))
			db = append(db, runProcess(b, ours()))
		}
	}
	b.StopTimer()
	dbWall, cliWall := median(db, wallOf), median(cli, wallOf)
	b.ReportMetric(dbWall.Seconds(), "s/storedb")
	b.ReportMetric(cliWall.Seconds(), "s/nix-path-info")
	b.ReportMetric(dbWall.Seconds()/cliWall.Seconds(), "ratio-wall")
	dbCPU, cliCPU := median(db, cpuOf), median(cli, cpuOf)
	b.ReportMetric(dbCPU.Seconds(), "cpu-s/storedb")
	b.ReportMetric(cliCPU.Seconds(), "cpu-s/nix-path-info")
	b.ReportMetric(dbCPU.Seconds()/cliCPU.Seconds(), "ratio-cpu")
	b.ReportMetric(float64(median(db, rssOf))/(1<<20), "MB-storedb")
	b.ReportMetric(float64(median(cli, rssOf))/(1<<20), "MB-nix")
}

func wallOf(s sample) time.Duration { return s.wall }
func cpuOf(s sample) time.Duration  { return s.cpu }
func rssOf(s sample) int64          { return s.maxRSS }

func median[T ~int64](samples []sample, of func(sample) T) T {
	vals := make([]T, len(samples))
	for i, s := range samples {
		vals[i] = of(s)
	}
	slices.Sort(vals)
	n := len(vals)
	if n%2 == 1 {
		return vals[n/2]
	}
	return (vals[n/2-1] + vals[n/2]) / 2
}
