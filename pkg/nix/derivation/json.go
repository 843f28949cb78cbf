package derivation

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/voidnxsec/nixops-actions/pkg/nix/internal/nixjson"
	"github.com/voidnxsec/nixops-actions/pkg/nix/storepath"
)

// drvJSON heads the errors about what `nix derivation show` printed.
const drvJSON nixjson.Doc = "derivation JSON"

// ParseJSON reads the output of `nix show-derivation` or `nix derivation
// show` of any Nix version and returns the derivations keyed by full .drv
// path. Basenames (Nix 2.32+) are joined with storeDir, or with
// storepath.DefaultStoreDir when storeDir is empty.
func ParseJSON(data []byte, storeDir string) (map[string]*Derivation, error) {
	if storeDir == "" {
		storeDir = storepath.DefaultStoreDir
	}
	top, err := nixjson.Object(bytes.TrimSpace(data))
	if err != nil {
		return nil, fmt.Errorf("derivation JSON: top level: %w", err)
	}
	if raw, ok := top["derivations"]; ok {
		if err := checkVersion(top, "top level"); err != nil {
			return nil, err
		}
		if top, err = nixjson.Object(raw); err != nil {
			return nil, fmt.Errorf("derivation JSON: field \"derivations\" of top level: %w", err)
		}
	} else {
		for key := range top {
			if !strings.HasSuffix(key, ".drv") {
				return nil, fmt.Errorf("derivation JSON: top-level key %q: want a .drv path, or the keys \"version\" and \"derivations\" of Nix 2.33+", key)
			}
		}
	}
	drvs := make(map[string]*Derivation, len(top))
	for key, raw := range top {
		drvPath := storepath.Join(storeDir, key)
		if !strings.HasSuffix(drvPath, ".drv") {
			return nil, fmt.Errorf("derivation JSON: key %q of \"derivations\": want a .drv path", key)
		}
		fields, err := nixjson.Object(raw)
		if err != nil {
			return nil, fmt.Errorf("derivation JSON: %s: %w", drvPath, err)
		}
		d, err := parseDrv(fields, drvPath, storeDir)
		if err != nil {
			return nil, err
		}
		drvs[drvPath] = d
	}
	return drvs, nil
}

func checkVersion(fields map[string]json.RawMessage, where string) error {
	raw, ok := fields["version"]
	if !ok {
		return nil
	}
	var v int
	if err := json.Unmarshal(raw, &v); err != nil {
		return drvJSON.FieldErr("version", where, "number", raw)
	}
	if v != 3 && v != 4 {
		return fmt.Errorf("derivation JSON: field \"version\" of %s: unsupported version %d, want 3 or 4", where, v)
	}
	return nil
}

func parseDrv(fields map[string]json.RawMessage, drvPath, storeDir string) (*Derivation, error) {
	if err := checkVersion(fields, drvPath); err != nil {
		return nil, err
	}
	d := &Derivation{Path: drvPath}
	var err error
	for _, f := range []struct {
		name string
		dst  *string
	}{{"name", &d.Name}, {"system", &d.System}, {"builder", &d.Builder}} {
		if *f.dst, err = drvJSON.Str(fields, f.name, drvPath); err != nil {
			return nil, err
		}
	}
	if d.Args, err = drvJSON.StrList(fields, "args", drvPath); err != nil {
		return nil, err
	}
	if d.Env, err = drvJSON.StrMap(fields, "env", drvPath); err != nil {
		return nil, err
	}
	if err := d.parseStructuredAttrs(fields); err != nil {
		return nil, err
	}
	d.fillName()
	if err := d.parseInputs(fields, storeDir); err != nil {
		return nil, err
	}
	if err := d.parseOutputs(fields, storeDir); err != nil {
		return nil, err
	}
	return d, nil
}

// parseStructuredAttrs takes the "structuredAttrs" field of Nix 2.31+ or
// the "__json" variable earlier versions leave in env.
func (d *Derivation) parseStructuredAttrs(fields map[string]json.RawMessage) error {
	if raw, ok := fields["structuredAttrs"]; ok && !nixjson.IsNull(raw) {
		if nixjson.Kind(raw) != "object" {
			return drvJSON.FieldErr("structuredAttrs", d.Path, "object", raw)
		}
		if err := json.Unmarshal(raw, &d.StructuredAttrs); err != nil {
			return fmt.Errorf("derivation JSON: field \"structuredAttrs\" of %s: %w", d.Path, err)
		}
	}
	return d.takeEnvJSON()
}

// takeEnvJSON moves env.__json into StructuredAttrs.
func (d *Derivation) takeEnvJSON() error {
	s, ok := d.Env["__json"]
	if !ok {
		return nil
	}
	if d.StructuredAttrs == nil {
		if err := json.Unmarshal([]byte(s), &d.StructuredAttrs); err != nil || d.StructuredAttrs == nil {
			return fmt.Errorf("derivation %s: env variable __json: want a JSON object, got %.40q", d.Path, s)
		}
	}
	delete(d.Env, "__json")
	return nil
}

// parseInputs reads "inputs": {"srcs", "drvs"} of version 4, or the
// "inputSrcs" and "inputDrvs" fields of earlier versions.
func (d *Derivation) parseInputs(fields map[string]json.RawMessage, storeDir string) error {
	srcsField, drvsField, where := "inputSrcs", "inputDrvs", d.Path
	if raw, ok := fields["inputs"]; ok {
		inputs, err := nixjson.Object(raw)
		if err != nil {
			return drvJSON.FieldErr("inputs", d.Path, "object", raw)
		}
		fields, srcsField, drvsField, where = inputs, "srcs", "drvs", "inputs of "+d.Path
	}
	srcs, err := drvJSON.StrList(fields, srcsField, where)
	if err != nil {
		return err
	}
	d.InputSrcs = make([]string, len(srcs))
	for i, s := range srcs {
		d.InputSrcs[i] = storepath.Join(storeDir, s)
	}
	sort.Strings(d.InputSrcs)

	d.InputDrvs = map[string][]string{}
	raw, ok := fields[drvsField]
	if !ok || nixjson.IsNull(raw) {
		return nil
	}
	drvs, err := nixjson.Object(raw)
	if err != nil {
		return drvJSON.FieldErr(drvsField, where, "object", raw)
	}
	for key, val := range drvs {
		p := storepath.Join(storeDir, key)
		outs, err := inputOutputs(val)
		if err != nil {
			return fmt.Errorf("derivation JSON: field %q of %s: input %s: %w", drvsField, where, p, err)
		}
		sort.Strings(outs)
		d.InputDrvs[p] = outs
	}
	return nil
}

// inputOutputs reads the outputs wanted of one input derivation: a list
// (Nix < 2.18) or {"outputs": [...], "dynamicOutputs": {...}}. Dynamic
// outputs (outputs of derivations that are outputs, experimental) are not
// represented and are dropped.
func inputOutputs(raw json.RawMessage) ([]string, error) {
	switch nixjson.Kind(raw) {
	case "list":
		var outs []string
		if err := json.Unmarshal(raw, &outs); err != nil {
			return nil, fmt.Errorf("want list of strings")
		}
		return outs, nil
	case "object":
		fields, _ := nixjson.Object(raw)
		outs, err := drvJSON.StrList(fields, "outputs", "input")
		if err != nil {
			return nil, fmt.Errorf("field \"outputs\": want list of strings, got %s", nixjson.Kind(fields["outputs"]))
		}
		if outs == nil {
			outs = []string{}
		}
		return outs, nil
	}
	return nil, fmt.Errorf("want list of output names or {outputs, dynamicOutputs} object, got %s", nixjson.Kind(raw))
}

func (d *Derivation) parseOutputs(fields map[string]json.RawMessage, storeDir string) error {
	raw, ok := fields["outputs"]
	if !ok {
		return fmt.Errorf("derivation JSON: field \"outputs\" of %s: missing", d.Path)
	}
	outs, err := nixjson.Object(raw)
	if err != nil {
		return drvJSON.FieldErr("outputs", d.Path, "object", raw)
	}
	d.Outputs = make(map[string]Output, len(outs))
	for id, rawOut := range outs {
		of, err := nixjson.Object(rawOut)
		if err != nil {
			return fmt.Errorf("derivation JSON: output %q of %s: want object, got %s", id, d.Path, nixjson.Kind(rawOut))
		}
		o, err := parseOutput(of, fmt.Sprintf("output %q of %s", id, d.Path))
		if err != nil {
			return err
		}
		if o.Path != "" {
			o.Path = storepath.Join(storeDir, o.Path)
		} else if o.Hash != "" {
			o.Path = fixedOutputPath(storeDir, outputPathName(d.Name, id), o)
		}
		d.Outputs[id] = o
	}
	return nil
}
