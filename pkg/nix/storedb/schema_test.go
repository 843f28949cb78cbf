package storedb_test

import (
	"context"
	"database/sql"
	"errors"
	"github.com/voidnxsec/nixops-actions/pkg/nix/storedb"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"modernc.org/sqlite"
)

// TestSchema opens copies of a real database changed in each way Open must
// refuse, and checks the typed error that lets a caller fall back to the
// CLI.
func TestSchema(t *testing.T) {
	f := sharedFixture(t)
	tests := []struct {
		name    string
		change  func(t *testing.T, db string)
		want    string // "schema" (*storedb.SchemaError), "missing" (*storedb.OpenError, fs.ErrNotExist), "open" (*storedb.OpenError)
		version string // for a *storedb.SchemaError
	}{
		{"newer", writeSchema("11"), "schema", "11"},
		{"older", writeSchema("7\n"), "schema", "7"},
		{"not-a-number", writeSchema("ten"), "schema", "ten"},
		{"empty", writeSchema(""), "schema", ""},
		{"no-schema-file", remove("schema"), "missing", ""},
		{"no-database", remove("db.sqlite"), "missing", ""},
		{"missing-column", dropColumn("ValidPaths", "ca"), "schema", "10"},
		{"missing-table", dropTable("DerivationOutputs"), "schema", "10"},
		{"not-sqlite", overwrite("db.sqlite", "not a database, but long enough to be read as one's header\n"), "open", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			state := copyState(t, f.state)
			tt.change(t, filepath.Join(state, "db"))
			db, err := storedb.Open(context.Background(), state)
			if err == nil {
				db.Close()
				t.Fatal("Open accepted it")
			}
			var se *storedb.SchemaError
			var oe *storedb.OpenError
			switch tt.want {
			case "schema":
				if !errors.As(err, &se) || se.Version != tt.version {
					t.Errorf("err = %v (%T), want *SchemaError with version %q", err, err, tt.version)
				}
			case "missing":
				if !errors.As(err, &oe) || !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("err = %v (%T), want *OpenError wrapping fs.ErrNotExist", err, err)
				}
			default:
				if !errors.As(err, &oe) || errors.As(err, &se) {
					t.Errorf("err = %v (%T), want *OpenError", err, err)
				}
			}
			if !strings.Contains(err.Error(), state) {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
}

// TestSchemaOfThisNix checks the schema version the Nix under test writes
// and logs its tables, which differ between Nix versions only where a
// query of this package does not look.
func TestSchemaOfThisNix(t *testing.T) {
	f := sharedFixture(t)
	data, err := os.ReadFile(filepath.Join(f.state, "db", "schema"))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("schema file of the Nix under test: %q", data)
	if strings.TrimSpace(string(data)) != "10" {
		t.Errorf("Nix wrote schema version %q, this package reads %d", data, storedb.SchemaVersion)
	}
	db := f.open(t)
	var tables string
	q := `SELECT group_concat(m.name || '(' || (SELECT group_concat(name, ',') FROM pragma_table_info(m.name)) || ')', ' ')
		FROM sqlite_master m WHERE m.type = 'table'`
	if err := storedb.SQL(db).QueryRow(q).Scan(&tables); err != nil {
		t.Fatal(err)
	}
	t.Logf("tables: %s", tables)
	if strings.Contains(tables, "SchemaMigrations(") {
		var migrations sql.NullString
		if err := storedb.SQL(db).QueryRow(`SELECT group_concat(migration, ' ') FROM SchemaMigrations`).Scan(&migrations); err != nil {
			t.Fatal(err)
		}
		t.Logf("migrations: %q", migrations.String)
	}
}

func writeSchema(v string) func(*testing.T, string) {
	return func(t *testing.T, dir string) {
		if err := os.WriteFile(filepath.Join(dir, "schema"), []byte(v), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func remove(name string) func(*testing.T, string) {
	return func(t *testing.T, dir string) {
		if err := os.Remove(filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
}

func overwrite(name, content string) func(*testing.T, string) {
	return func(t *testing.T, dir string) {
		for _, suffix := range []string{"-wal", "-shm"} {
			os.Remove(filepath.Join(dir, name+suffix))
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func dropColumn(table, column string) func(*testing.T, string) {
	return alter("ALTER TABLE " + table + " DROP COLUMN " + column)
}

func dropTable(table string) func(*testing.T, string) {
	return alter("DROP TABLE " + table)
}

// alter changes a database copy through a read-write connection.
func alter(stmt string) func(*testing.T, string) {
	return func(t *testing.T, dir string) {
		conn, err := sqlite.NewConnector("file:" + filepath.Join(dir, "db.sqlite"))
		if err != nil {
			t.Fatal(err)
		}
		db := sql.OpenDB(conn)
		defer db.Close()
		if _, err := db.Exec(stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
}

// TestDirectoryName opens a database under a directory whose name holds
// the characters a SQLite URI gives meaning to.
func TestDirectoryName(t *testing.T) {
	f := sharedFixture(t)
	state := filepath.Join(t.TempDir(), "a b?mode=rw#c%41d")
	if err := os.Rename(copyState(t, f.state), state); err != nil {
		t.Fatal(err)
	}
	if got := storedb.DSN(filepath.Join(state, "db", "db.sqlite"), storedb.DefaultBusyTimeout); strings.Count(got, "?") != 1 || strings.Contains(got, "#") {
		t.Errorf("dsn = %q: the name is not escaped", got)
	}
	db, err := storedb.Open(context.Background(), state)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if db.File() != filepath.Join(state, "db", "db.sqlite") {
		t.Errorf("File() = %q", db.File())
	}
	infos, err := db.PathInfo(context.Background(), []string{f.out["top.out"]}, true)
	if err != nil || len(infos) != 7 {
		t.Errorf("closure of top from %s: %d paths, %v", state, len(infos), err)
	}
}
