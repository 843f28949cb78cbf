package storedb

import (
	"database/sql"
	"time"
)

// What the tests in storedb_test reach inside: they are an external
// package, since pkg/nix/store, their CLI oracle, imports this one.

func DSN(file string, busy time.Duration) string { return dsn(file, busy) }

func SQLiteCode(err error) (int, bool) { return sqliteCode(err) }

func SQL(db *DB) *sql.DB { return db.sql }
