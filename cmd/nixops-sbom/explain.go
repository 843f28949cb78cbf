package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/voidnxsec/nixops-actions/pkg/action"
	"github.com/voidnxsec/nixops-actions/pkg/closure"
	"github.com/voidnxsec/nixops-actions/pkg/embedded"
	"github.com/voidnxsec/nixops-actions/pkg/nix/store"
)

// explain words what the libraries report in terms of this action's
// inputs, with what to do about it.
func explain(err error) error {
	var te *closure.TargetError
	switch {
	case errors.Is(err, store.ErrNixMissing):
		return fmt.Errorf("%w: run the setup-nix action (or cachix/install-nix-action) in an earlier step, "+
			"or install Nix yourself (https://nixos.org/download), then retry", err)
	case errors.Is(err, embedded.ErrNotLocal):
		return inputError("embedded", fmt.Errorf("%w: there are no files to scan, set embedded: false", err))
	case !errors.As(err, &te):
		return err
	}
	paths := strings.Join(te.Paths, ", ")
	switch {
	case errors.Is(err, store.ErrImportFromDerivation):
		return inputError("target", fmt.Errorf("%q: %w: build it first (nix build %s) and give its store path or ./result link%s",
			te.Spec, store.ErrImportFromDerivation, te.Spec, nixSaid(err)))
	case errors.Is(err, closure.ErrNotBuilt):
		return inputError("target", fmt.Errorf("%q: no output is in the store (%s): build it first (nix build %s), or use closure: buildtime", te.Spec, paths, te.Spec))
	case errors.Is(err, closure.ErrNotInStore):
		return inputError("target", fmt.Errorf("%q: %s is not in the store: build it first (nix build), or use closure: buildtime with a .drv or flake target", te.Spec, paths))
	case errors.Is(err, closure.ErrNoDerivation):
		return inputError("closure", fmt.Errorf("target %q has no known derivation (%s was added to the store without one), so its build-time closure cannot be read: use closure: runtime, or give the .drv or flake", te.Spec, paths))
	case paths != "":
		return inputError("target", fmt.Errorf("%q: %s: %w", te.Spec, paths, te.Err))
	}
	return inputError("target", fmt.Errorf("%q: %w", te.Spec, te.Err))
}

func inputError(input string, err error) error { return &action.InputError{Input: input, Err: err} }

// nixSaid is what Nix printed about err, on lines of its own; "" when err
// did not come from a Nix command.
func nixSaid(err error) string {
	var ce *store.CmdError
	if !errors.As(err, &ce) || ce.Stderr == "" {
		return ""
	}
	return "\nNix said: " + ce.Stderr
}
