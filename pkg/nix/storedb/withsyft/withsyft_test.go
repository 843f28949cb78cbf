// Package withsyft_test links pkg/nix/storedb with syft's catalogers
// (pkg/embedded) into one binary, as nixops-sbom will, and checks the one
// SQLite driver registration both depend on.
package withsyft_test

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"testing"

	_ "github.com/voidnxsec/nixops-actions/pkg/embedded"
	"github.com/voidnxsec/nixops-actions/pkg/nix/storedb"
)

// TestOneSQLiteDriver: this binary started, so no driver name was
// registered twice (sql.Register panics at init). modernc.org/sqlite
// registers "sqlite", the name syft's RPM database reader
// (github.com/anchore/go-rpmdb/pkg/sqlite3, linked through pkg/embedded)
// opens without importing a driver itself; storedb registers none of its
// own, it hands modernc's connector to sql.OpenDB.
func TestOneSQLiteDriver(t *testing.T) {
	if got := sql.Drivers(); !slices.Equal(got, []string{"sqlite"}) {
		t.Errorf("registered SQL drivers = %v, want only modernc.org/sqlite's \"sqlite\"", got)
	}
	db, err := sql.Open("sqlite", "file:probe?mode=memory")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var v string
	if err := db.QueryRow("SELECT sqlite_version()").Scan(&v); err != nil {
		t.Fatalf("the driver syft opens by name does not answer: %v", err)
	}
	t.Logf("SQLite %s", v)
	_, err = storedb.Open(context.Background(), t.TempDir())
	var oe *storedb.OpenError
	if !errors.As(err, &oe) {
		t.Errorf("storedb.Open of an empty state directory: err = %v, want *OpenError", err)
	}
}
