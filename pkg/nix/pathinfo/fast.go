package pathinfo

import (
	"encoding/json"
	"sort"
	"strings"

	"github.com/voidnxsec/nixops-actions/pkg/nix/storepath"
)

// fastEntry is one store object in the shapes plain Nix prints for local
// stores (all strings, no structured hashes), decoded in a single pass.
// Anything else (a field of another type, a per-entry version or store
// directory) makes the decode fail or the entry be refused, and the
// field-by-field reader, which knows every shape and explains every error,
// takes over.
type fastEntry struct {
	Path        string          `json:"path"`
	Valid       *bool           `json:"valid"`
	NarHash     *string         `json:"narHash"`
	NarSize     *int64          `json:"narSize"`
	ClosureSize *int64          `json:"closureSize"`
	References  []string        `json:"references"`
	Deriver     *string         `json:"deriver"`
	CA          *string         `json:"ca"`
	Signatures  []string        `json:"signatures"`
	Version     json.RawMessage `json:"version"`
	StoreDir    json.RawMessage `json:"storeDir"`
}

// fastParse reads the list shape of Nix <= 2.18 and the object keyed by
// full path of 2.19 to 2.32; ok is false when the slow path must decide.
func fastParse(data []byte, storeDir string) (infos []Info, ok bool) {
	switch data[0] {
	case '[':
		var items []*fastEntry
		if json.Unmarshal(data, &items) != nil {
			return nil, false
		}
		infos = make([]Info, 0, len(items))
		for _, e := range items {
			if e == nil || e.Path == "" {
				return nil, false
			}
			in, ok := e.info(storepath.Join(storeDir, e.Path), storeDir)
			if !ok {
				return nil, false
			}
			infos = append(infos, in)
		}
	case '{':
		var entries map[string]*fastEntry
		if json.Unmarshal(data, &entries) != nil {
			return nil, false
		}
		infos = make([]Info, 0, len(entries))
		for key, e := range entries {
			if !strings.HasPrefix(key, "/") {
				return nil, false
			}
			if e == nil {
				infos = append(infos, Info{Path: key})
				continue
			}
			if e.Valid != nil {
				return nil, false // not a field of this shape
			}
			in, ok := e.info(key, storeDir)
			if !ok {
				return nil, false
			}
			infos = append(infos, in)
		}
	default:
		return nil, false
	}
	sort.SliceStable(infos, func(i, j int) bool { return infos[i].Path < infos[j].Path })
	return infos, true
}

// info is parseEntry for a typed entry.
func (e *fastEntry) info(p, storeDir string) (Info, bool) {
	if e.Valid != nil && !*e.Valid {
		return Info{Path: p}, true
	}
	if e.Version != nil || e.StoreDir != nil || e.NarHash == nil || e.NarSize == nil || *e.NarSize < 0 ||
		(e.ClosureSize != nil && *e.ClosureSize < 0) {
		return Info{}, false
	}
	in := Info{Path: p, Valid: true, NarHash: *e.NarHash, NarSize: *e.NarSize, References: e.References, Signatures: e.Signatures}
	if e.ClosureSize != nil {
		in.ClosureSize = *e.ClosureSize
	}
	for i, r := range in.References {
		in.References[i] = storepath.Join(storeDir, r)
	}
	sort.Strings(in.References)
	if e.Deriver != nil && *e.Deriver != "" {
		in.Deriver = storepath.Join(storeDir, *e.Deriver)
	}
	if e.CA != nil {
		in.CA = *e.CA
	}
	return in, true
}
