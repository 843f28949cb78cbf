package storedb_test

import (
	"bufio"
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"github.com/voidnxsec/nixops-actions/pkg/nix/storedb"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/voidnxsec/nixops-actions/internal/testenv"
	"github.com/voidnxsec/nixops-actions/pkg/nix/pathinfo"
)

// childVar makes the test binary a helper process (see TestMain): another
// process is what holds a lock on the database or measures a closure.
const childVar = "NIXOPS_STOREDB_CHILD"

func TestMain(m *testing.M) {
	switch os.Getenv(childVar) {
	case "writer":
		os.Exit(runWriter(os.Args[1:]))
	case "closure":
		os.Exit(runClosure(os.Args[1:]))
	}
	code := m.Run()
	if shared.dir != "" {
		os.RemoveAll(shared.dir)
	}
	os.Exit(code)
}

// runWriter opens the database file args[0] read-write, begins a
// transaction of kind args[1] (IMMEDIATE, EXCLUSIVE), registers the new
// path args[3] as a reference of args[2], says "ready" and waits for
// "commit" or "rollback" on stdin; after that it says "done" and holds its
// connection open until stdin closes, so the write stays in the WAL.
func runWriter(args []string) int {
	fail := func(err error) int { fmt.Fprintln(os.Stderr, "writer:", err); return 1 }
	conn, err := sqlite.NewConnector("file:" + args[0] + "?_busy_timeout=10000")
	if err != nil {
		return fail(err)
	}
	ctx := context.Background()
	c, err := sql.OpenDB(conn).Conn(ctx)
	if err != nil {
		return fail(err)
	}
	for _, stmt := range []string{
		"BEGIN " + args[1],
		fmt.Sprintf(`INSERT INTO ValidPaths (path, hash, registrationTime, narSize) VALUES ('%s', 'sha256:%064x', 1700000000, 120)`, args[3], 1),
		fmt.Sprintf(`INSERT INTO Refs (referrer, reference) SELECT a.id, b.id FROM ValidPaths a, ValidPaths b WHERE a.path = '%s' AND b.path = '%s'`, args[2], args[3]),
	} {
		if _, err := c.ExecContext(ctx, stmt); err != nil {
			return fail(fmt.Errorf("%s: %w", stmt, err))
		}
	}
	fmt.Println("ready")
	in := bufio.NewScanner(os.Stdin)
	if !in.Scan() {
		return fail(errors.New("stdin closed before commit or rollback"))
	}
	if _, err := c.ExecContext(ctx, in.Text()); err != nil {
		return fail(err)
	}
	fmt.Println("done")
	for in.Scan() {
	}
	return 0
}

// writer is a running runWriter.
type writer struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	out   *bufio.Scanner
}

func startWriter(t *testing.T, dbFile, lock, referrer, newPath string) *writer {
	t.Helper()
	cmd := exec.Command(os.Args[0], dbFile, lock, referrer, newPath)
	cmd.Env = append(os.Environ(), childVar+"=writer")
	cmd.Stderr = logWriter{t}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w := &writer{cmd: cmd, stdin: stdin, out: bufio.NewScanner(stdout)}
	t.Cleanup(func() { w.stdin.Close(); _ = w.cmd.Process.Kill(); _ = w.cmd.Wait() })
	w.expect(t, "ready")
	return w
}

func (w *writer) expect(t *testing.T, line string) {
	t.Helper()
	if !w.out.Scan() || w.out.Text() != line {
		t.Fatalf("writer said %q, want %q (err %v)", w.out.Text(), line, w.out.Err())
	}
}

func (w *writer) send(t *testing.T, stmt string) {
	t.Helper()
	if _, err := fmt.Fprintln(w.stdin, stmt); err != nil {
		t.Fatal(err)
	}
	w.expect(t, "done")
}

// TestWriteTransaction reads a copy of a store's database while another
// process holds a write transaction on it. In WAL mode, Nix's, the read
// is complete and answers from the last commit, without waiting; once the
// writer commits, the read sees the commit, which is still only in the
// write-ahead log. With a rollback journal, an exclusive lock blocks every
// reader: the read fails with ErrBusy after the busy timeout, not later.
func TestWriteTransaction(t *testing.T) {
	f := sharedFixture(t)
	top := f.out["top.out"]
	want, err := f.cli.PathInfo(context.Background(), []string{top}, true)
	if err != nil {
		t.Fatal(err)
	}
	newPath := filepath.Dir(top) + "/11111111111111111111111111111111-written"
	t.Run("wal", func(t *testing.T) { testWAL(t, f, want, top, newPath) })
	t.Run("rollback-journal", func(t *testing.T) { testRollbackJournal(t, f, want, top, newPath) })
}

func testWAL(t *testing.T, f *fixture, want []pathinfo.Info, top, newPath string) {
	ctx := context.Background()
	state := copyState(t, f.state)
	db := f.openState(t, state, storedb.WithBusyTimeout(2*time.Second))
	w := startWriter(t, filepath.Join(state, "db", "db.sqlite"), "EXCLUSIVE", top, newPath)
	start := time.Now()
	got, err := db.PathInfo(ctx, []string{top}, true)
	if err != nil {
		t.Fatalf("reading beside an open write transaction: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("the read took %v, longer than the busy timeout", d)
	}
	if !reflect.DeepEqual(normalized(got), normalized(want)) {
		t.Errorf("read beside an uncommitted write differs from the CLI:\n%s", infoDiff(normalized(got), normalized(want)))
	}
	w.send(t, "COMMIT")
	got, err = db.PathInfo(ctx, []string{top}, true)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(got); n != len(want)+1 || !slices.Contains(index(got)[top].References, newPath) {
		t.Errorf("after the commit: %d paths (want %d), top references %v, want %s among them", n, len(want)+1, index(got)[top].References, newPath)
	}
}

func testRollbackJournal(t *testing.T, f *fixture, want []pathinfo.Info, top, newPath string) {
	ctx := context.Background()
	state := copyState(t, f.state)
	file := filepath.Join(state, "db", "db.sqlite")
	setJournalMode(t, file, "DELETE")
	const timeout = time.Second
	db := f.openState(t, state, storedb.WithBusyTimeout(timeout))
	w := startWriter(t, file, "EXCLUSIVE", top, newPath)
	start := time.Now()
	_, err := db.PathInfo(ctx, []string{top}, true)
	d := time.Since(start)
	if !errors.Is(err, storedb.ErrBusy) {
		t.Fatalf("reading beside an exclusive lock: err = %v, want ErrBusy", err)
	}
	// Generous above: two cores shared by many test processes.
	if d < timeout*9/10 || d > timeout+5*time.Second {
		t.Errorf("ErrBusy after %v, want about the busy timeout %v", d, timeout)
	}
	w.send(t, "ROLLBACK")
	got, err := db.PathInfo(ctx, []string{top}, true)
	if err != nil || !reflect.DeepEqual(normalized(got), normalized(want)) {
		t.Errorf("after the writer rolled back: err %v, %d paths, want %d", err, len(got), len(want))
	}
}

func (f *fixture) openState(t *testing.T, state string, opts ...storedb.Option) *storedb.DB {
	t.Helper()
	db, err := storedb.Open(context.Background(), state, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// setJournalMode switches a database copy's journal mode, as Nix does with
// use-sqlite-wal = false.
func setJournalMode(t *testing.T, file, mode string) {
	t.Helper()
	conn, err := sqlite.NewConnector("file:" + file)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(conn)
	defer db.Close()
	var got string
	if err := db.QueryRow("PRAGMA journal_mode=" + mode).Scan(&got); err != nil || !strings.EqualFold(got, mode) {
		t.Fatalf("journal_mode=%s: got %q, %v", mode, got, err)
	}
}

// settle leaves a database copy as Nix leaves a database no process has
// open: the log checkpointed into the file, no -wal or -shm file.
func settle(t *testing.T, file string) {
	t.Helper()
	conn, err := sqlite.NewConnector("file:" + file)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(conn)
	if _, err := db.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if _, err := os.Stat(file + suffix); err == nil {
			t.Fatalf("%s%s is still there after the last connection closed", file, suffix)
		}
	}
}

func index(infos []pathinfo.Info) map[string]pathinfo.Info {
	m := map[string]pathinfo.Info{}
	for _, in := range infos {
		m[in.Path] = in
	}
	return m
}

// TestNothingWritten reads a database whose write-ahead log holds a
// commit no checkpoint has copied into it (its writer was killed, as a
// crashed daemon leaves it): the read sees the commit, cannot write
// through its connection, and leaves the database file and its log as they
// were, bytes and modification times.
func TestNothingWritten(t *testing.T) {
	f := sharedFixture(t)
	ctx := context.Background()
	top := f.out["top.out"]
	newPath := filepath.Dir(top) + "/11111111111111111111111111111111-written"
	state := copyState(t, f.state)
	file := filepath.Join(state, "db", "db.sqlite")
	w := startWriter(t, file, "IMMEDIATE", top, newPath)
	w.send(t, "COMMIT")
	if err := w.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = w.cmd.Wait()
	before := snapshot(t, file, file+"-wal")
	if before[1].size == 0 {
		t.Fatal("the killed writer left an empty write-ahead log: nothing to read from it")
	}

	db, err := storedb.Open(ctx, state)
	if err != nil {
		t.Fatal(err)
	}
	got, err := db.PathInfo(ctx, []string{top}, true)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(index(got)[top].References, newPath) {
		t.Errorf("the commit in the write-ahead log was not read: top references %v", index(got)[top].References)
	}
	_, err = storedb.SQL(db).ExecContext(ctx, "DELETE FROM Refs")
	if code, ok := storedb.SQLiteCode(err); !ok || code != sqlite3.SQLITE_READONLY {
		t.Errorf("a write through the connection: err = %v, want SQLITE_READONLY", err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	// Only now: reading a file SQLite has open would drop its POSIX locks.
	if after := snapshot(t, file, file+"-wal"); !reflect.DeepEqual(after, before) {
		t.Errorf("the read changed the database or its log:\nbefore %+v\n after %+v", before, after)
	}
}

type fileState struct {
	name  string
	size  int64
	mtime time.Time
	sum   [32]byte
}

func snapshot(t *testing.T, files ...string) []fileState {
	t.Helper()
	var states []fileState
	for _, name := range files {
		fi, err := os.Stat(name)
		if err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		states = append(states, fileState{filepath.Base(name), fi.Size(), fi.ModTime(), sha256.Sum256(data)})
	}
	return states
}

// TestConcurrentNix reads the closure of top again and again while Nix
// adds paths to the same store in another process: every read is complete
// and correct, and none waits as long as the busy timeout.
func TestConcurrentNix(t *testing.T) {
	f := newFixture(t, t.TempDir()) // the loop adds paths to its store
	ctx := context.Background()
	top := f.out["top.out"]
	want, err := f.cli.PathInfo(ctx, []string{top}, true)
	if err != nil {
		t.Fatal(err)
	}
	const timeout = storedb.DefaultBusyTimeout
	db := f.open(t)
	dir := t.TempDir()
	// One shell runs the loop: each nix-store --add is a write
	// transaction of its own.
	script := `for i in $(seq 1 "$3"); do echo "$i" > "$4/f$i"; "$1" --store "$2" --add "$4/f$i" >/dev/null || exit 1; done`
	cmd := exec.Command("/bin/sh", "-c", script, "sh", filepath.Join(filepath.Dir(f.nix), "nix-store"), f.uri, "30", dir)
	cmd.Stderr = logWriter{t}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var done atomic.Bool
	waitErr := make(chan error, 1)
	go func() { waitErr <- cmd.Wait(); done.Store(true) }()
	reads, slowest := 0, time.Duration(0)
	for !done.Load() {
		start := time.Now()
		got, err := db.PathInfo(ctx, []string{top}, true)
		slowest = max(slowest, time.Since(start))
		if err != nil {
			t.Fatalf("read %d beside nix-store --add: %v", reads, err)
		}
		if !reflect.DeepEqual(normalized(got), normalized(want)) {
			t.Fatalf("read %d beside nix-store --add differs from the CLI:\n%s", reads, infoDiff(normalized(got), normalized(want)))
		}
		reads++
		time.Sleep(20 * time.Millisecond) // leave the CPU to Nix
	}
	if err := <-waitErr; err != nil {
		t.Fatalf("nix-store --add loop: %v", err)
	}
	t.Logf("%d reads while Nix added 30 paths; slowest %v", reads, slowest)
	if reads < 3 || slowest >= timeout {
		t.Errorf("%d reads, slowest %v: want several, each under the busy timeout %v", reads, slowest, timeout)
	}
	if n := f.countPaths(t); n < len(want)+30 {
		t.Errorf("the store holds %d paths after the loop, want at least %d: the writes did not happen", n, len(want)+30)
	}
}

// countPaths counts the valid paths through the database.
func (f *fixture) countPaths(t *testing.T) int {
	t.Helper()
	db := f.open(t)
	var n int
	if err := storedb.SQL(db).QueryRow("SELECT count(*) FROM ValidPaths").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestOtherUser reads, as an unprivileged user, a database owned by root
// as a multi-user install has it (directory 0755, files 0644), the way the
// Nix daemon's clients would. While a Nix process has the database open,
// its -shm and -wal files exist and the read succeeds, commits in the log
// included; when no process has it open they are gone, SQLite cannot
// create them, and Open fails with an *OpenError: the caller's cue to ask
// the daemon through the CLI instead.
func TestOtherUser(t *testing.T) {
	if os.Geteuid() != 0 {
		testenv.Skip(t, "changing to another user needs root")
	}
	f := sharedFixture(t)
	top := f.out["top.out"]
	newPath := filepath.Dir(top) + "/11111111111111111111111111111111-written"
	dir, err := os.MkdirTemp("", "storedb-other-user-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	state := filepath.Join(dir, "state")
	if err := os.CopyFS(filepath.Join(state, "db"), os.DirFS(filepath.Join(f.state, "db"))); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "storedb.test")
	data, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	settle(t, filepath.Join(state, "db", "db.sqlite"))
	for _, d := range []string{dir, state, filepath.Join(state, "db")} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	read := func() (string, error) {
		cmd := exec.Command(bin, state, top)
		cmd.Env = []string{childVar + "=closure"}
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
		out, err := cmd.CombinedOutput()
		return string(out), err
	}

	out, err := read()
	t.Logf("no process holding the database: %s", strings.TrimSpace(out))
	if err == nil || !strings.Contains(out, "*storedb.OpenError") {
		t.Errorf("no process holding the database: err %v, output %.300s; want an *OpenError", err, out)
	}
	w := startWriter(t, filepath.Join(state, "db", "db.sqlite"), "IMMEDIATE", top, newPath)
	w.send(t, "COMMIT")
	out, err = read()
	if err != nil || !strings.Contains(out, newPath) {
		t.Errorf("while a writer holds the database open: err %v, output %.300s; want the closure with %s", err, out, newPath)
	}
}
