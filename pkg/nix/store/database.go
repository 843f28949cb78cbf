package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/voidnxsec/nixops-actions/pkg/nix/pathinfo"
	"github.com/voidnxsec/nixops-actions/pkg/nix/storedb"
	"github.com/voidnxsec/nixops-actions/pkg/nix/storepath"
)

// Why PathInfo asks Nix's CLI when the database is not even tried.
var (
	// ErrNoLocalDatabase: the store keeps no database on this machine
	// (ssh, binary caches, other store types): only Nix reaches it.
	ErrNoLocalDatabase = errors.New("the store keeps no database on this machine")
	// ErrDatabaseOff: WithoutDatabase turned reading the database off.
	ErrDatabaseOff = errors.New("reading the store database is turned off")
)

// Source says where PathInfo's answers come from.
type Source struct {
	// Database is the store database file read; "" when Nix's CLI answers.
	Database string
	// Reason is why the CLI answers: ErrNoLocalDatabase, ErrDatabaseOff,
	// or what opening or reading the database failed with (a
	// *storedb.SchemaError, *storedb.OpenError, storedb.ErrBusy...).
	Reason error
}

// WithoutDatabase has Nix's CLI answer PathInfo even where the store
// database could be read; for comparing the two ways.
func WithoutDatabase() Option { return func(s *Store) { s.noDB = true } }

// WithSourceReport calls fn when PathInfo first chooses between the store
// database and Nix's CLI, and again if it leaves the database for the CLI
// after a failed read.
func WithSourceReport(fn func(Source)) Option { return func(s *Store) { s.report = fn } }

// dbState is the store database as PathInfo uses it: opened at the first
// query, dropped for good at the first failure.
type dbState struct {
	opened bool
	db     *storedb.DB
}

// database opens the store database the first time; nil means ask Nix.
func (s *Store) database(ctx context.Context) *storedb.DB {
	s.dbMu.Lock()
	defer s.dbMu.Unlock()
	if s.dbs.opened {
		return s.dbs.db
	}
	s.dbs.opened = true
	var err error
	switch {
	case s.noDB:
		err = ErrDatabaseOff
	case s.loc.StateDir == "":
		err = fmt.Errorf("%s: %w", s.loc.URI, ErrNoLocalDatabase)
	default:
		s.dbs.db, err = storedb.Open(ctx, s.loc.StateDir)
	}
	if err != nil {
		s.tell(Source{Reason: err})
		return nil
	}
	s.tell(Source{Database: s.dbs.db.File()})
	return s.dbs.db
}

// dropDatabase stops reading db after it failed with err.
func (s *Store) dropDatabase(db *storedb.DB, err error) {
	s.dbMu.Lock()
	defer s.dbMu.Unlock()
	if s.dbs.db != db {
		return // another query dropped it already
	}
	s.dbs.db = nil
	db.Close()
	s.tell(Source{Reason: err})
}

func (s *Store) tell(src Source) {
	if s.report != nil {
		s.report(src)
	}
}

// Close closes the store database if PathInfo opened it.
func (s *Store) Close() error {
	s.dbMu.Lock()
	defer s.dbMu.Unlock()
	s.dbs.opened = true
	if db := s.dbs.db; db != nil {
		s.dbs.db = nil
		return db.Close()
	}
	return nil
}

// pathInfoFromDB answers PathInfo from the store database; ok is false
// when Nix has to answer instead. Any failure but cancellation leaves the
// database for good: the CLI gives the same answer, and says why where
// the database could not. A path the database does not know the CLI's
// way (one outside the store directory, or a missing root of a closure)
// goes to Nix this once, for Nix's own error.
func (s *Store) pathInfoFromDB(ctx context.Context, paths []string, recursive bool) ([]pathinfo.Info, bool, error) {
	db := s.database(ctx)
	if db == nil {
		return nil, false, nil
	}
	for _, p := range paths {
		if _, err := storepath.Parse(s.StoreDir(), p); err != nil {
			return nil, false, nil
		}
	}
	var each func(storedb.Object)
	if recursive && s.prefetchDrvs && s.loc.RealDir != "" && !s.noFiles {
		pf := s.startPrefetch()
		defer pf.end()
		each = pf.each
	}
	infos, err := db.PathInfoEach(ctx, paths, recursive, each)
	var invalid *storedb.InvalidPathError
	switch {
	case err == nil:
		return infos, true, nil
	case ctx.Err() != nil:
		return nil, true, err
	case errors.As(err, &invalid):
		return nil, false, nil
	}
	s.dropDatabase(db, err)
	return nil, false, nil
}
