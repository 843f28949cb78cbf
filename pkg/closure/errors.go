package closure

import (
	"errors"
	"fmt"
	"strings"
)

// What can be wrong with a target; each comes inside a *TargetError, for
// the caller to explain in its own terms (an action names its inputs).
var (
	// ErrNoTarget: the target is empty.
	ErrNoTarget = errors.New("no target given")
	// ErrNotInStore: a store path given as target is not in the store.
	ErrNotInStore = errors.New("not in the store")
	// ErrNotBuilt: none of the target's outputs is in the store, so it
	// has no runtime closure yet.
	ErrNotBuilt = errors.New("no output is in the store")
	// ErrNoDerivation: the target is a store path without a recorded
	// deriver, so its build-time closure cannot be read.
	ErrNoDerivation = errors.New("no known derivation, so its build-time closure cannot be read")
	// ErrEval: Nix could not evaluate the target; what Nix said is
	// wrapped too (store.ErrImportFromDerivation among others).
	ErrEval = errors.New("does not evaluate")
)

// TargetError is a problem with one target.
type TargetError struct {
	Spec  string   // the target as given
	Paths []string // the store paths concerned, if any
	Err   error
}

func (e *TargetError) Error() string {
	if len(e.Paths) > 0 {
		return fmt.Sprintf("target %q: %s: %v", e.Spec, strings.Join(e.Paths, ", "), e.Err)
	}
	return fmt.Sprintf("target %q: %v", e.Spec, e.Err)
}

func (e *TargetError) Unwrap() error { return e.Err }
