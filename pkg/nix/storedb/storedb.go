// Package storedb reads the SQLite database of a local Nix store directly,
// strictly read-only, and answers what pkg/nix/store asks the Nix CLI for:
// the metadata of store paths, their closures, and the outputs of
// derivations. One query returns a closure of 10,000 paths where
// `nix path-info -r` asks the database once per path and prints JSON.
//
// The database is only ever read: it is opened with SQLite's mode=ro (the
// connection cannot take a write lock or write a page, and closing it
// checkpoints nothing), never immutable (that flag skips locking and
// ignores the write-ahead log, so rows a running nix-daemon or `nix build`
// committed but did not yet checkpoint would be missed, or read torn), and
// every query runs in one read transaction: a consistent snapshot while
// Nix writes. Like any reader of a WAL database, SQLite marks its snapshot
// in the -shm file (shared memory, not data), and where neither -wal nor
// -shm exists it creates them empty if the directory lets it, as Nix's own
// readers do; the database file and the log are never written.
package storedb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// SchemaVersion is the only version of the store schema this package reads:
// the one Nix 2.0 to 2.34 record in <state>/db/schema (nixSchemaVersion in
// Nix's src/libstore/local-store.hh), with the tables ValidPaths, Refs and
// DerivationOutputs.
const SchemaVersion = 10

// DefaultStateDir is Nix's state directory unless the store or
// NIX_STATE_DIR moves it; the database is in its db/ directory.
const DefaultStateDir = "/nix/var/nix"

// DefaultBusyTimeout bounds every wait for a lock another process holds.
// In WAL mode, the one Nix uses, readers wait only while a writer recovers
// or restarts the log, for milliseconds.
const DefaultBusyTimeout = 5 * time.Second

// DB is an open, read-only Nix store database. It is safe for concurrent
// use.
type DB struct {
	sql  *sql.DB
	file string
}

// Option configures Open.
type Option func(*options)

type options struct {
	busyTimeout time.Duration
}

// WithBusyTimeout bounds each wait for another process's lock (default
// DefaultBusyTimeout); a query that waits longer fails with ErrBusy.
func WithBusyTimeout(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.busyTimeout = d
		}
	}
}

// SchemaError is a database whose schema this package does not read.
type SchemaError struct {
	File    string // the schema file, or the database for a table mismatch
	Version string // what the schema file holds, trimmed
	Err     error  // for a table mismatch: what SQLite said
}

func (e *SchemaError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("Nix store database %s (schema version %s) lacks what version %d has: %v", e.File, e.Version, SchemaVersion, e.Err)
	}
	return fmt.Sprintf("Nix store database schema version %q in %s: only version %d is known", e.Version, e.File, SchemaVersion)
}

func (e *SchemaError) Unwrap() error { return e.Err }

// OpenError is a database that cannot be opened or read: missing (a store
// that is not local), unreadable for this user, or refused by SQLite.
type OpenError struct {
	File string
	Err  error
}

func (e *OpenError) Error() string {
	return fmt.Sprintf("Nix store database %s cannot be read: %v", e.File, e.Err)
}

func (e *OpenError) Unwrap() error { return e.Err }

// ErrBusy is a lock held by another process for longer than the busy
// timeout.
var ErrBusy = errors.New("the Nix store database stayed locked by another process for longer than the busy timeout")

// Open opens the database of the store whose state directory is stateDir
// (DefaultStateDir for the machine's store, DIR/nix/var/nix for a chroot
// store DIR, the state= setting of a local?state=… URI). It checks the
// schema version Nix recorded and that the tables can be read, so a
// database Open accepts answers queries.
func Open(ctx context.Context, stateDir string, opts ...Option) (*DB, error) {
	o := options{busyTimeout: DefaultBusyTimeout}
	for _, opt := range opts {
		opt(&o)
	}
	dir := filepath.Join(stateDir, "db")
	file := filepath.Join(dir, "db.sqlite")
	if err := checkSchemaFile(filepath.Join(dir, "schema")); err != nil {
		return nil, err
	}
	// A missing file is reported here: SQLite would only say "unable to
	// open database file".
	if _, err := os.Stat(file); err != nil {
		return nil, &OpenError{File: file, Err: err}
	}
	conn, err := sqlite.NewConnector(dsn(file, o.busyTimeout))
	if err != nil {
		return nil, &OpenError{File: file, Err: err}
	}
	db := &DB{sql: sql.OpenDB(conn), file: file}
	if err := db.checkTables(ctx); err != nil {
		db.sql.Close()
		return nil, err
	}
	return db, nil
}

// dsn is the SQLite URI of file: read-only, with the busy timeout as
// PRAGMA busy_timeout. The path is escaped, as SQLite decodes %HH in it.
func dsn(file string, busy time.Duration) string {
	u := url.URL{Scheme: "file", Path: file, OmitHost: true}
	q := url.Values{}
	q.Set("mode", "ro")
	q.Set("_busy_timeout", strconv.FormatInt(max(busy.Milliseconds(), 1), 10))
	return u.String() + "?" + q.Encode()
}

// checkSchemaFile refuses any version but SchemaVersion, as Nix itself
// refuses a schema newer than its own.
func checkSchemaFile(file string) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return &OpenError{File: file, Err: err}
	}
	v := strings.TrimSpace(string(data))
	if n, err := strconv.Atoi(v); err != nil || n != SchemaVersion {
		return &SchemaError{File: file, Version: v}
	}
	return nil
}

// checkTables reads no rows but prepares a statement naming every column
// the queries use: a database that lacks one, or that SQLite cannot open,
// fails here rather than in the middle of a query.
func (db *DB) checkTables(ctx context.Context) error {
	const probe = `SELECT v.id, v.path, v.hash, v.registrationTime, v.deriver, v.narSize, v.ultimate, v.sigs, v.ca,
		r.referrer, r.reference, o.drv, o.id, o.path
		FROM ValidPaths v, Refs r, DerivationOutputs o LIMIT 0`
	rows, err := db.sql.QueryContext(ctx, probe)
	if err == nil {
		err = rows.Close()
	}
	if err == nil {
		return nil
	}
	if code, ok := sqliteCode(err); ok && code == sqlite3.SQLITE_ERROR {
		return &SchemaError{File: db.file, Version: strconv.Itoa(SchemaVersion), Err: err}
	}
	return db.wrap(err)
}

// Close closes the database; a read-only connection checkpoints nothing.
func (db *DB) Close() error { return db.sql.Close() }

// File is the database file.
func (db *DB) File() string { return db.file }

// wrap turns a lock timeout into ErrBusy and any other failure of SQLite
// into an OpenError naming the file; context errors pass through.
func (db *DB) wrap(err error) error {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return &OpenError{File: db.file, Err: err}
	}
	switch se.Code() & 0xff {
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		return fmt.Errorf("%s: %w (%v)", db.file, ErrBusy, err)
	}
	if c := se.Code(); c == sqlite3.SQLITE_READONLY_DIRECTORY || c == sqlite3.SQLITE_READONLY_CANTINIT {
		// The daemon's database while no Nix process has it open: the
		// -shm and -wal files SQLite needs for reading a WAL database are
		// gone and this user may not create them.
		err = fmt.Errorf("no Nix process has it open and this user may not create its -shm and -wal files: %w", err)
	}
	return &OpenError{File: db.file, Err: err}
}

// sqliteCode is the primary result code of an error from SQLite.
func sqliteCode(err error) (int, bool) {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return 0, false
	}
	return se.Code() & 0xff, true
}
