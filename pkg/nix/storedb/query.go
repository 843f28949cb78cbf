package storedb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nix-community/go-nix/pkg/nixhash"

	"github.com/voidnxsec/nixops-actions/pkg/nix/pathinfo"
)

// Object is one valid store path with what the database records beyond
// pathinfo.Info.
type Object struct {
	pathinfo.Info
	RegistrationTime time.Time // when the path became valid, in seconds
	Ultimate         bool      // built locally rather than substituted or copied
}

// InvalidPathError is a path whose closure was asked for but which is not
// valid in the store, as `nix path-info -r` fails on one.
type InvalidPathError struct{ Path string }

func (e *InvalidPathError) Error() string {
	return fmt.Sprintf("%s is not a valid path in the store", e.Path)
}

// The roots come as one JSON array parameter: any number of paths, no
// statement text built from them, and no temporary table (the connection
// is read-only). References come as the ids Refs holds, read from its
// primary key alone, and become paths in Go: in a closure every one of
// them is a row of the answer already.
const (
	rootsCTE = `roots(id) AS (SELECT id FROM ValidPaths WHERE path IN (SELECT value FROM json_each(?1)))`
	// UNION, not UNION ALL: each path enters the closure once however
	// many paths refer to it.
	closureCTE = `WITH RECURSIVE ` + rootsCTE + `,
		closure(id) AS (SELECT id FROM roots UNION SELECT Refs.reference FROM Refs JOIN closure ON Refs.referrer = closure.id)`
	selectObjects = `
		SELECT v.id, v.path, v.hash, v.registrationTime, v.deriver, v.narSize, v.ultimate, v.sigs, v.ca,
			(SELECT group_concat(reference) FROM Refs WHERE referrer = v.id)
		FROM %s AS c JOIN ValidPaths v ON v.id = c.id`
	pathsQuery = `SELECT id, path FROM ValidPaths WHERE id IN (SELECT value FROM json_each(?1))`
)

var (
	objectsQuery = `WITH ` + rootsCTE + fmt.Sprintf(selectObjects, "roots")
	closureQuery = closureCTE + fmt.Sprintf(selectObjects, "closure")
)

// PathInfo is Objects as pkg/nix/store's PathInfo returns it, so either
// source answers a caller: the metadata of paths (with recursive, of their
// closures), sorted by path. A path the store does not hold comes back
// with Valid false, except with recursive, where it is an
// *InvalidPathError.
func (db *DB) PathInfo(ctx context.Context, paths []string, recursive bool) ([]pathinfo.Info, error) {
	return db.PathInfoEach(ctx, paths, recursive, nil)
}

// PathInfoEach is PathInfo that also calls each with every object as its
// row is read, before the query ends (its references not yet resolved):
// a caller can start work on the object's files while the rest is read.
func (db *DB) PathInfoEach(ctx context.Context, paths []string, recursive bool, each func(Object)) ([]pathinfo.Info, error) {
	objs, err := db.objects(ctx, paths, recursive, each)
	if err != nil {
		return nil, err
	}
	infos := make([]pathinfo.Info, len(objs))
	for i, o := range objs {
		infos[i] = o.Info
	}
	return infos, nil
}

// Objects returns the store objects of paths (with recursive, of their
// closures: every path reachable through references), sorted by path, all
// read in one transaction. Missing paths are as in PathInfo.
func (db *DB) Objects(ctx context.Context, paths []string, recursive bool) ([]Object, error) {
	return db.objects(ctx, paths, recursive, nil)
}

func (db *DB) objects(ctx context.Context, paths []string, recursive bool, each func(Object)) ([]Object, error) {
	if len(paths) == 0 {
		return nil, nil
	}
	roots, err := json.Marshal(paths)
	if err != nil {
		return nil, err
	}
	tx, err := db.sql.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, db.wrap(err)
	}
	defer tx.Rollback() //nolint:errcheck // read-only: nothing to undo
	q := objectsQuery
	if recursive {
		q = closureQuery
	}
	rows, err := tx.QueryContext(ctx, q, string(roots))
	objs, refs, err := db.scanObjects(rows, err, each)
	if err != nil {
		return nil, err
	}
	if err := db.resolveRefs(ctx, tx, objs, refs); err != nil {
		return nil, err
	}
	return addMissing(objs, paths, recursive)
}

// scanObjects reads the rows of selectObjects: the objects, and the ids
// of their references; each, when set, is told of every object read.
func (db *DB) scanObjects(rows *sql.Rows, err error, each func(Object)) (objs []Object, refs []idRefs, _ error) {
	if err != nil {
		return nil, nil, db.wrap(err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			o                         Object
			r                         idRefs
			hash                      string
			regTime                   int64
			deriver, sigs, ca, refIDs sql.NullString
			narSize, ultimate         sql.NullInt64
		)
		if err := rows.Scan(&r.id, &o.Path, &hash, &regTime, &deriver, &narSize, &ultimate, &sigs, &ca, &refIDs); err != nil {
			return nil, nil, db.wrap(err)
		}
		o.Valid = true
		if o.NarHash, err = sriHash(hash); err != nil {
			return nil, nil, fmt.Errorf("%s: NAR hash of %s: %w", db.file, o.Path, err)
		}
		if r.refs, err = parseIDs(refIDs.String); err != nil {
			return nil, nil, fmt.Errorf("%s: references of %s: %w", db.file, o.Path, err)
		}
		o.NarSize = narSize.Int64
		o.Deriver, o.CA = deriver.String, ca.String
		o.Signatures = nilIfEmpty(strings.Fields(sigs.String))
		o.RegistrationTime = time.Unix(regTime, 0)
		o.Ultimate = ultimate.Int64 != 0
		if each != nil {
			each(o)
		}
		objs, refs = append(objs, o), append(refs, r)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, db.wrap(err)
	}
	return objs, refs, nil
}

// idRefs is the row id of an object and the ids of its references.
type idRefs struct {
	id   int64
	refs []int64
}

// parseIDs reads group_concat's comma-separated integers.
func parseIDs(s string) ([]int64, error) {
	if s == "" {
		return nil, nil
	}
	ids := make([]int64, 0, strings.Count(s, ",")+1)
	for f := range strings.SplitSeq(s, ",") {
		id, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// resolveRefs sets the references of objs (refs[i] belongs to objs[i]) to
// sorted paths, asking the database for the paths of ids outside objs.
func (db *DB) resolveRefs(ctx context.Context, tx *sql.Tx, objs []Object, refs []idRefs) error {
	paths := make(map[int64]string, len(objs))
	for i, r := range refs {
		paths[r.id] = objs[i].Path
	}
	var unknown []int64
	for _, r := range refs {
		for _, id := range r.refs {
			if _, ok := paths[id]; !ok {
				paths[id] = ""
				unknown = append(unknown, id)
			}
		}
	}
	if len(unknown) > 0 {
		if err := db.readPaths(ctx, tx, unknown, paths); err != nil {
			return err
		}
	}
	for i, r := range refs {
		objs[i].References = make([]string, len(r.refs))
		for j, id := range r.refs {
			objs[i].References[j] = paths[id]
		}
		slices.Sort(objs[i].References)
	}
	return nil
}

// readPaths fills paths[id] for ids.
func (db *DB) readPaths(ctx context.Context, tx *sql.Tx, ids []int64, paths map[int64]string) error {
	arg, err := json.Marshal(ids)
	if err != nil {
		return err
	}
	rows, err := tx.QueryContext(ctx, pathsQuery, string(arg))
	if err != nil {
		return db.wrap(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var p string
		if err := rows.Scan(&id, &p); err != nil {
			return db.wrap(err)
		}
		paths[id] = p
	}
	return db.wrap(rows.Err())
}

// addMissing sorts objs by path and adds the paths the store lacks (or,
// recursive, fails on the first).
func addMissing(objs []Object, paths []string, recursive bool) ([]Object, error) {
	found := make(map[string]bool, len(objs))
	for _, o := range objs {
		found[o.Path] = true
	}
	for _, p := range paths {
		if found[p] {
			continue
		}
		if recursive {
			return nil, &InvalidPathError{Path: p}
		}
		found[p] = true
		objs = append(objs, Object{Info: pathinfo.Info{Path: p}})
	}
	slices.SortFunc(objs, func(a, b Object) int { return strings.Compare(a.Path, b.Path) })
	return objs, nil
}

// sriHash renders the NAR hash the database holds ("sha256:<base16>"
// since Nix 2.0) in SRI form, as every `nix path-info --json` prints it.
func sriHash(s string) (string, error) {
	h, err := nixhash.ParseAny(s, nil)
	if err != nil {
		return "", err
	}
	return h.Format(nixhash.SRI, true), nil
}

func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

// DerivationOutputs returns the output paths the database records for
// each derivation, keyed by .drv path, then output name. A derivation the
// store does not hold is absent; so are the outputs of content-addressed
// derivations, whose paths are known only once built (Nix keeps those in
// its Realisations table).
func (db *DB) DerivationOutputs(ctx context.Context, drvPaths []string) (map[string]map[string]string, error) {
	if len(drvPaths) == 0 {
		return map[string]map[string]string{}, nil
	}
	roots, err := json.Marshal(drvPaths)
	if err != nil {
		return nil, err
	}
	const q = `SELECT v.path, o.id, o.path FROM ValidPaths v JOIN DerivationOutputs o ON o.drv = v.id
		WHERE v.path IN (SELECT value FROM json_each(?1))`
	rows, err := db.sql.QueryContext(ctx, q, string(roots))
	if err != nil {
		return nil, db.wrap(err)
	}
	defer rows.Close()
	outs := map[string]map[string]string{}
	for rows.Next() {
		var drv, name, out string
		if err := rows.Scan(&drv, &name, &out); err != nil {
			return nil, db.wrap(err)
		}
		if outs[drv] == nil {
			outs[drv] = map[string]string{}
		}
		outs[drv][name] = out
	}
	if err := rows.Err(); err != nil {
		return nil, db.wrap(err)
	}
	return outs, nil
}
