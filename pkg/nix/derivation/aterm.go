package derivation

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"

	nixdrv "github.com/nix-community/go-nix/pkg/derivation"
)

// ReadFile reads a .drv file in Nix's ATerm format. Path is set to path as
// given, made absolute, so that a .drv read through a chroot store keeps
// the location it was read from.
//
// go-nix's validation (which assumes /nix/store and rejects, for example,
// floating content-addressed outputs with no path) is not applied: the
// file was written by Nix, and a parse error is still an error.
func ReadFile(path string) (*Derivation, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read derivation: %w", err)
	}
	defer f.Close()
	drv, err := nixdrv.ReadDerivation(f)
	if drv == nil {
		return nil, fmt.Errorf("read derivation %s: not a valid ATerm .drv file: %w", path, err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("read derivation %s: %w", path, err)
	}
	return fromATerm(drv, abs)
}

func fromATerm(drv *nixdrv.Derivation, path string) (*Derivation, error) {
	d := &Derivation{
		Path:      path,
		Outputs:   make(map[string]Output, len(drv.Outputs)),
		InputSrcs: append([]string{}, drv.InputSources...),
		InputDrvs: make(map[string][]string, len(drv.InputDerivations)),
		System:    drv.Platform,
		Builder:   drv.Builder,
		Args:      append([]string{}, drv.Arguments...),
		Env:       make(map[string]string, len(drv.Env)),
	}
	for id, o := range drv.Outputs {
		d.Outputs[id] = Output{Path: o.Path, HashAlgo: o.HashAlgorithm, Hash: o.Hash}
	}
	sort.Strings(d.InputSrcs)
	for p, outs := range drv.InputDerivations {
		outs = append([]string{}, outs...)
		sort.Strings(outs)
		d.InputDrvs[p] = outs
	}
	for k, v := range drv.Env {
		d.Env[k] = v
	}
	if err := d.takeEnvJSON(); err != nil {
		return nil, err
	}
	d.fillName()
	return d, nil
}
