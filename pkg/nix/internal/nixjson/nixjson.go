// Package nixjson reads fields of the JSON documents Nix prints (derivations,
// path-info), whose fields may be absent, null or of another type from one
// Nix version to the next, and names what was wrong in the terms of the
// document at hand.
package nixjson

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Doc names a kind of document ("derivation JSON") at the start of the
// errors its readers return, so a user learns which Nix output was wrong.
type Doc string

// Object decodes a JSON object into its raw fields.
func Object(raw json.RawMessage) (map[string]json.RawMessage, error) {
	if Kind(raw) != "object" {
		return nil, fmt.Errorf("want object, got %s", Kind(raw))
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	return m, nil
}

// Kind names the JSON type of raw for error messages.
func Kind(raw []byte) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "nothing"
	}
	switch c := raw[0]; {
	case c == '{':
		return "object"
	case c == '[':
		return "list"
	case c == '"':
		return "string"
	case c == 't' || c == 'f':
		return "bool"
	case c == 'n':
		return "null"
	case c == '-' || ('0' <= c && c <= '9'):
		return "number"
	}
	return "invalid JSON"
}

// IsNull tells whether raw is JSON null, which Nix prints for some absent
// values.
func IsNull(raw json.RawMessage) bool { return Kind(raw) == "null" }

// FieldErr reports that field of where holds raw where want was expected.
func (d Doc) FieldErr(field, where, want string, raw json.RawMessage) error {
	return fmt.Errorf("%s: field %q of %s: want %s, got %s", d, field, where, want, Kind(raw))
}

// Str reads an optional string field; absent and null both give "".
func (d Doc) Str(fields map[string]json.RawMessage, field, where string) (string, error) {
	raw, ok := fields[field]
	if !ok || IsNull(raw) {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", d.FieldErr(field, where, "string", raw)
	}
	return s, nil
}

// StrList reads an optional list of strings; absent and null give nil.
func (d Doc) StrList(fields map[string]json.RawMessage, field, where string) ([]string, error) {
	raw, ok := fields[field]
	if !ok || IsNull(raw) {
		return nil, nil
	}
	var l []string
	if err := json.Unmarshal(raw, &l); err != nil {
		return nil, d.FieldErr(field, where, "list of strings", raw)
	}
	return l, nil
}

// StrMap reads an optional object of strings; absent and null give an
// empty map.
func (d Doc) StrMap(fields map[string]json.RawMessage, field, where string) (map[string]string, error) {
	m := map[string]string{}
	raw, ok := fields[field]
	if !ok || IsNull(raw) {
		return m, nil
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, d.FieldErr(field, where, "object of strings", raw)
	}
	return m, nil
}
