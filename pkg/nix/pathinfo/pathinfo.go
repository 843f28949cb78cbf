// Package pathinfo reads the store object metadata that `nix path-info
// --json` prints, in every shape Nix and Lix have used, into one flat type.
package pathinfo

// The shapes, as read from the Nix source (src/nix/path-info.cc,
// src/libstore/path-info.cc):

//   - Nix <= 2.18 and Lix: a list of objects, each with a "path"; a missing
//     path is {"path": ..., "valid": false}.
//   - Nix 2.19 to 2.32 (and --json-format 1 later): an object keyed by full
//     store path; a missing path maps to null; from 2.23 absent fields are
//     explicit nulls.
//   - Nix 2.33+ --json-format 2 (and 3): {"version", "storeDir", "info"},
//     with "info" keyed by store path basename, references and deriver as
//     basenames, "ca" as {"method", "hash"} and, in format 3, signatures as
//     {"keyName", "sig"} objects.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/voidnxsec/nixops-actions/pkg/nix/internal/nixjson"
	"github.com/voidnxsec/nixops-actions/pkg/nix/storepath"
)

// infoJSON heads the errors about what `nix path-info --json` printed.
const infoJSON nixjson.Doc = "path-info JSON"

// Info is one store object. Fields Nix did not print are zero.
type Info struct {
	Path        string // full store path
	Valid       bool   // false for a path Nix reports as missing
	NarHash     string // as Nix printed it ("sha256:<base32>" or SRI "sha256-<base64>")
	NarSize     int64
	References  []string // full store paths, sorted
	Deriver     string   // full .drv path or ""
	CA          string   // legacy string form, e.g. "fixed:r:sha256:<base32>"
	Signatures  []string // "<key-name>:<base64>"
	ClosureSize int64    // only with `nix path-info --closure-size`
}

// Parse reads the output of `nix path-info --json` in any known shape and
// returns one Info per path, sorted by Path. Basenames are joined with the
// storeDir the JSON names, else with storeDir, else with storepath.DefaultStoreDir.
func Parse(data []byte, storeDir string) ([]Info, error) {
	if storeDir == "" {
		storeDir = storepath.DefaultStoreDir
	}
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return nil, fmt.Errorf("path-info JSON: empty input: want the output of `nix path-info --json`")
	}
	if infos, ok := fastParse(data, storeDir); ok {
		return infos, nil
	}
	var infos []Info
	var err error
	switch data[0] {
	case '[':
		infos, err = parseList(data, storeDir)
	case '{':
		infos, err = parseObject(data, storeDir)
	default:
		return nil, fmt.Errorf("path-info JSON: top level: want list or object, got %s", nixjson.Kind(data))
	}
	if err != nil {
		return nil, err
	}
	sort.SliceStable(infos, func(i, j int) bool { return infos[i].Path < infos[j].Path })
	return infos, nil
}

// parseList reads the list shape of Nix <= 2.18 and Lix.
func parseList(data []byte, storeDir string) ([]Info, error) {
	var items []json.RawMessage
	if err := json.Unmarshal(data, &items); err != nil {
		return nil, fmt.Errorf("path-info JSON: top-level list: %w", err)
	}
	infos := make([]Info, 0, len(items))
	for i, item := range items {
		fields, err := nixjson.Object(item)
		if err != nil {
			return nil, fmt.Errorf("path-info JSON: element %d of top-level list: want object, got %s", i, nixjson.Kind(item))
		}
		where := fmt.Sprintf("element %d", i)
		p, err := infoJSON.Str(fields, "path", where)
		if err != nil {
			return nil, err
		}
		if p == "" {
			return nil, fmt.Errorf("path-info JSON: field \"path\" of %s: missing or empty", where)
		}
		p = storepath.Join(storeDir, p)
		valid := true
		if raw, ok := fields["valid"]; ok && !nixjson.IsNull(raw) {
			if err := json.Unmarshal(raw, &valid); err != nil {
				return nil, infoJSON.FieldErr("valid", p, "bool", raw)
			}
		}
		if !valid {
			infos = append(infos, Info{Path: p})
			continue
		}
		info, err := parseEntry(fields, p, storeDir)
		if err != nil {
			return nil, err
		}
		infos = append(infos, info)
	}
	return infos, nil
}

// parseObject tells the 2.19+ object keyed by full path from the 2.33+
// wrapper object by their keys: wrapper keys are not store paths.
func parseObject(data []byte, storeDir string) ([]Info, error) {
	top, err := nixjson.Object(data)
	if err != nil {
		return nil, fmt.Errorf("path-info JSON: top-level object: %w", err)
	}
	if raw, ok := top["info"]; ok {
		return parseWrapper(top, raw, storeDir)
	}
	for key := range top {
		if !strings.HasPrefix(key, "/") {
			return nil, fmt.Errorf("path-info JSON: top-level key %q: want a full store path, or the keys \"version\", \"storeDir\" and \"info\" of --json-format 2", key)
		}
	}
	return parseKeyed(top, storeDir)
}

func parseWrapper(top map[string]json.RawMessage, info json.RawMessage, storeDir string) ([]Info, error) {
	if raw, ok := top["version"]; ok {
		var v int
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, infoJSON.FieldErr("version", "top level", "number", raw)
		}
		if v < 1 || v > 3 {
			return nil, fmt.Errorf("path-info JSON: field \"version\" of top level: unsupported version %d, want 1, 2 or 3", v)
		}
	}
	if raw, ok := top["storeDir"]; ok && !nixjson.IsNull(raw) {
		var dir string
		if err := json.Unmarshal(raw, &dir); err != nil {
			return nil, infoJSON.FieldErr("storeDir", "top level", "string", raw)
		}
		if dir != "" && !strings.HasPrefix(dir, "/") {
			return nil, fmt.Errorf("path-info JSON: field \"storeDir\" of top level: want an absolute directory, got %q", dir)
		}
		if dir != "" {
			storeDir = dir
		}
	}
	entries, err := nixjson.Object(info)
	if err != nil {
		return nil, fmt.Errorf("path-info JSON: field \"info\" of top level: want object keyed by store path, got %s", nixjson.Kind(info))
	}
	return parseKeyed(entries, storeDir)
}

// parseKeyed reads an object mapping store paths (full or basename) to
// entries, where null marks a missing path.
func parseKeyed(entries map[string]json.RawMessage, storeDir string) ([]Info, error) {
	infos := make([]Info, 0, len(entries))
	for key, raw := range entries {
		p := storepath.Join(storeDir, key)
		if nixjson.IsNull(raw) {
			infos = append(infos, Info{Path: p})
			continue
		}
		fields, err := nixjson.Object(raw)
		if err != nil {
			return nil, fmt.Errorf("path-info JSON: entry %s: want object or null, got %s", p, nixjson.Kind(raw))
		}
		entryDir := storeDir
		if d, err := infoJSON.Str(fields, "storeDir", p); err != nil {
			return nil, err
		} else if strings.HasPrefix(d, "/") {
			entryDir = d
		} else if d != "" {
			return nil, fmt.Errorf("path-info JSON: field \"storeDir\" of %s: want an absolute directory, got %q", p, d)
		}
		info, err := parseEntry(fields, p, entryDir)
		if err != nil {
			return nil, err
		}
		infos = append(infos, info)
	}
	return infos, nil
}

// parseEntry reads the fields of one valid store object. Fields Nix added
// later (registrationTime, ultimate, url, ...) are ignored: Nix promises
// that adding fields is not a breaking change.
func parseEntry(fields map[string]json.RawMessage, p, storeDir string) (Info, error) {
	info := Info{Path: p, Valid: true}
	if raw, ok := fields["version"]; ok && !nixjson.IsNull(raw) {
		var v int
		if err := json.Unmarshal(raw, &v); err != nil {
			return Info{}, infoJSON.FieldErr("version", p, "number", raw)
		}
		if v < 1 || v > 3 {
			return Info{}, fmt.Errorf("path-info JSON: field \"version\" of %s: unsupported version %d, want 1, 2 or 3", p, v)
		}
	}
	var err error
	if info.NarHash, err = narHash(fields, p); err != nil {
		return Info{}, err
	}
	if info.NarSize, err = integer(fields, "narSize", p, true); err != nil {
		return Info{}, err
	}
	if info.ClosureSize, err = integer(fields, "closureSize", p, false); err != nil {
		return Info{}, err
	}
	if info.References, err = infoJSON.StrList(fields, "references", p); err != nil {
		return Info{}, err
	}
	for i, r := range info.References {
		info.References[i] = storepath.Join(storeDir, r)
	}
	sort.Strings(info.References)
	if info.Deriver, err = infoJSON.Str(fields, "deriver", p); err != nil {
		return Info{}, err
	}
	if info.Deriver != "" {
		info.Deriver = storepath.Join(storeDir, info.Deriver)
	}
	if info.CA, err = contentAddress(fields, p); err != nil {
		return Info{}, err
	}
	if info.Signatures, err = signatures(fields, p); err != nil {
		return Info{}, err
	}
	return info, nil
}
