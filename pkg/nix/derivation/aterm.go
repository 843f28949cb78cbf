package derivation

import (
	"bytes"
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
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read derivation: %w", err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("read derivation %s: %w", path, err)
	}
	d, err := ParseATerm(data, abs)
	if err != nil {
		return nil, fmt.Errorf("read derivation %s: %w", path, err)
	}
	return d, nil
}

// ParseATerm reads the ATerm text of a .drv file; drvPath is the store
// path the result is known by (the file may have been read from another
// place, such as the directory of a chroot store).
func ParseATerm(data []byte, drvPath string) (*Derivation, error) {
	drv, err := nixdrv.ReadDerivation(bytes.NewReader(data))
	if drv == nil {
		return nil, fmt.Errorf("not a valid ATerm .drv file: %w", err)
	}
	return fromATerm(drv, drvPath)
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
