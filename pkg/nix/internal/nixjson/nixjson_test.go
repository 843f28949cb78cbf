package nixjson

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestKind(t *testing.T) {
	for raw, want := range map[string]string{
		` {"a":1}`: "object", `[]`: "list", `"s"`: "string", `true`: "bool", `false`: "bool",
		`null`: "null", `-1`: "number", `0.5`: "number", "": "nothing", " \n": "nothing", `x`: "invalid JSON",
	} {
		if got := Kind([]byte(raw)); got != want {
			t.Errorf("Kind(%q) = %q, want %q", raw, got, want)
		}
	}
}

// TestReaders checks the values and messages of the field readers: absent
// and null are the zero value, a wrong type names the document, the field,
// where it is and both types.
func TestReaders(t *testing.T) {
	const doc Doc = "test JSON"
	fields := map[string]json.RawMessage{
		"s": json.RawMessage(`"v"`), "l": json.RawMessage(`["a","b"]`), "m": json.RawMessage(`{"k":"v"}`),
		"null": json.RawMessage(`null`), "num": json.RawMessage(`1`),
	}
	read := map[string]func(field string) (any, error){
		"Str":     func(f string) (any, error) { return doc.Str(fields, f, "entry e") },
		"StrList": func(f string) (any, error) { return doc.StrList(fields, f, "entry e") },
		"StrMap":  func(f string) (any, error) { return doc.StrMap(fields, f, "entry e") },
	}
	tests := []struct {
		reader, field string
		want          any
		wantErr       string
	}{
		{"Str", "s", "v", ""},
		{"Str", "absent", "", ""},
		{"Str", "null", "", ""},
		{"Str", "num", "", `test JSON: field "num" of entry e: want string, got number`},
		{"StrList", "l", []string{"a", "b"}, ""},
		{"StrList", "absent", []string(nil), ""},
		{"StrList", "s", []string(nil), `test JSON: field "s" of entry e: want list of strings, got string`},
		{"StrMap", "m", map[string]string{"k": "v"}, ""},
		{"StrMap", "null", map[string]string{}, ""},
		{"StrMap", "l", map[string]string(nil), `test JSON: field "l" of entry e: want object of strings, got list`},
	}
	for _, tt := range tests {
		t.Run(tt.reader+"/"+tt.field, func(t *testing.T) {
			got, err := read[tt.reader](tt.field)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %#v, %v; want %#v", got, err, tt.want)
			}
		})
	}
}

func TestObject(t *testing.T) {
	if m, err := Object(json.RawMessage(` {"a":1}`)); err != nil || string(m["a"]) != "1" {
		t.Errorf("Object = %v, %v; want field a = 1", m, err)
	}
	if _, err := Object(json.RawMessage(`[1]`)); err == nil || err.Error() != "want object, got list" {
		t.Errorf("Object of a list: error = %v, want \"want object, got list\"", err)
	}
}
