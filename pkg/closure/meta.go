package closure

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
)

//go:embed meta.nix
var metaExpr string

// Meta is what meta.nix returns for one derivation. Nulls stay zero.
type Meta struct {
	Pname       string        `json:"pname"`
	Version     string        `json:"version"`
	Licenses    []metaLicense `json:"licenses"`
	Homepage    string        `json:"homepage"`
	Description string        `json:"description"`
	Maintainers []string      `json:"maintainers"`
	CPE         string        `json:"cpe"`
	Sources     []string      `json:"sources"`
	Patches     []string      `json:"patches"`
}

type metaLicense struct {
	SPDXID string `json:"spdxId"`
	Name   string `json:"name"`
}

// evalMeta runs meta.nix over the installable in one evaluation.
func evalMeta(ctx context.Context, st Store, installable string) (map[string]Meta, error) {
	out, err := st.Eval(ctx, installable, metaExpr)
	if err != nil {
		return nil, err
	}
	var m map[string]Meta
	if err := json.Unmarshal(out, &m); err != nil {
		return nil, fmt.Errorf("metadata of %s: unexpected JSON from nix eval: %w", installable, err)
	}
	return m, nil
}
