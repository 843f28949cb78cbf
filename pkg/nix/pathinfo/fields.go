package pathinfo

import (
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/nix-community/go-nix/pkg/nixhash"

	"github.com/voidnxsec/nixops-actions/pkg/nix/internal/nixjson"
)

// integer reads a non-negative integer field.
func integer(fields map[string]json.RawMessage, field, where string, required bool) (int64, error) {
	raw, ok := fields[field]
	if !ok || nixjson.IsNull(raw) {
		if required {
			return 0, fmt.Errorf("path-info JSON: field %q of %s: missing", field, where)
		}
		return 0, nil
	}
	var n int64
	if err := json.Unmarshal(raw, &n); err != nil || n < 0 {
		return 0, infoJSON.FieldErr(field, where, "non-negative integer", raw)
	}
	return n, nil
}

// narHash returns the NAR hash as Nix printed it. The structured form
// {"algorithm", "format", "hash"} appeared only in Nix development versions
// before 2.33; it is rendered as SRI, the form every release prints.
func narHash(fields map[string]json.RawMessage, where string) (string, error) {
	raw, ok := fields["narHash"]
	if !ok || nixjson.IsNull(raw) {
		return "", fmt.Errorf("path-info JSON: field \"narHash\" of %s: missing", where)
	}
	switch nixjson.Kind(raw) {
	case "string":
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", infoJSON.FieldErr("narHash", where, "string", raw)
		}
		return s, nil
	case "object":
		h, err := structuredHash(raw)
		if err != nil {
			return "", fmt.Errorf("path-info JSON: field \"narHash\" of %s: %w", where, err)
		}
		return h.Format(nixhash.SRI, true), nil
	}
	return "", infoJSON.FieldErr("narHash", where, "string or {algorithm, format, hash} object", raw)
}

// structuredHash decodes {"algorithm": "sha256", "format": "base64", "hash": "..."}.
func structuredHash(raw json.RawMessage) (*nixhash.Hash, error) {
	var h struct{ Algorithm, Format, Hash string }
	if err := json.Unmarshal(raw, &h); err != nil {
		return nil, fmt.Errorf("want {algorithm, format, hash} strings: %w", err)
	}
	sep := ":"
	switch h.Format {
	case "base16", "nix32", "base32":
	case "base64", "sri":
		sep = "-"
	default:
		return nil, fmt.Errorf("unknown hash format %q, want base16, nix32, base64 or sri", h.Format)
	}
	return parseHash(h.Algorithm + sep + h.Hash)
}

// parseHash parses "algo:<base16|nix32|base64>" or SRI "algo-<base64>".
func parseHash(s string) (*nixhash.Hash, error) {
	h, err := nixhash.ParseAny(s, nil)
	if err != nil {
		return nil, fmt.Errorf("hash %q: %w", s, err)
	}
	return &h.Hash, nil
}

// contentAddress returns the legacy string form of the "ca" field
// ("fixed:r:sha256:<nix32>", "text:sha256:<nix32>"), converting the
// structured {"method", "hash"} form of --json-format 2.
func contentAddress(fields map[string]json.RawMessage, where string) (string, error) {
	raw, ok := fields["ca"]
	if !ok || nixjson.IsNull(raw) {
		return "", nil
	}
	switch nixjson.Kind(raw) {
	case "string":
		return infoJSON.Str(fields, "ca", where)
	case "object":
		var ca struct {
			Method string
			Hash   json.RawMessage
		}
		if err := json.Unmarshal(raw, &ca); err != nil {
			return "", infoJSON.FieldErr("ca", where, "{method, hash} object", raw)
		}
		s, err := renderCA(ca.Method, ca.Hash)
		if err != nil {
			return "", fmt.Errorf("path-info JSON: field \"ca\" of %s: %w", where, err)
		}
		return s, nil
	}
	return "", infoJSON.FieldErr("ca", where, "string, null or {method, hash} object", raw)
}

func renderCA(method string, rawHash json.RawMessage) (string, error) {
	var h *nixhash.Hash
	var err error
	switch nixjson.Kind(rawHash) {
	case "string":
		var s string
		_ = json.Unmarshal(rawHash, &s)
		h, err = parseHash(s)
	case "object":
		h, err = structuredHash(rawHash)
	default:
		return "", fmt.Errorf("field \"hash\": want string, got %s", nixjson.Kind(rawHash))
	}
	if err != nil {
		return "", err
	}
	nix32 := h.Format(nixhash.NixBase32, true)
	switch method {
	case "text":
		return "text:" + nix32, nil
	case "flat":
		return "fixed:" + nix32, nil
	case "nar":
		return "fixed:r:" + nix32, nil
	case "git":
		return "fixed:git:" + nix32, nil
	}
	return "", fmt.Errorf("field \"method\": unknown method %q, want nar, flat, text or git", method)
}

// signatures reads a list of "<key>:<sig>" strings or, in format 3,
// {"keyName", "sig"} objects, and returns them all as strings.
func signatures(fields map[string]json.RawMessage, where string) ([]string, error) {
	raw, ok := fields["signatures"]
	if !ok || nixjson.IsNull(raw) {
		return nil, nil
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, infoJSON.FieldErr("signatures", where, "list", raw)
	}
	sigs := make([]string, 0, len(items))
	for _, item := range items {
		switch nixjson.Kind(item) {
		case "string":
			var s string
			_ = json.Unmarshal(item, &s)
			sigs = append(sigs, s)
		case "object":
			var sig struct{ KeyName, Sig string }
			if err := json.Unmarshal(item, &sig); err != nil || sig.KeyName == "" {
				return nil, fmt.Errorf("path-info JSON: field \"signatures\" of %s: want {keyName, sig} strings", where)
			}
			sigs = append(sigs, sig.KeyName+":"+sig.Sig)
		default:
			return nil, fmt.Errorf("path-info JSON: field \"signatures\" of %s: want list of strings or {keyName, sig} objects, got a %s element", where, nixjson.Kind(item))
		}
	}
	return sigs, nil
}

// NarHashHex returns the lower-case hex digest of a sha256 NAR hash in any
// form Nix prints: "sha256:<nix32>", "sha256:<hex>" or "sha256-<base64>".
func NarHashHex(narHash string) (string, error) {
	h, err := parseHash(narHash)
	if err != nil {
		return "", fmt.Errorf("NAR hash: %w", err)
	}
	if h.Algo() != nixhash.SHA256 {
		return "", fmt.Errorf("NAR hash %q: want sha256, got %s", narHash, h.Algo())
	}
	return hex.EncodeToString(h.Digest()), nil
}
