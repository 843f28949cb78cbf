package action

import (
	"fmt"
	"strings"
)

// InputError is a problem with one input, found by the step itself rather
// than by Parse: a library's validation that the action layer maps back to
// the input it came from, or a check across inputs. It reads like Parse's
// own errors, `input "name": what is wrong (accepted: ...)`.
type InputError struct {
	Input    string // the input's name, as action.yml spells it
	Err      error
	Accepted string // the values that would do, when the error does not say
}

func (e *InputError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "input %q: %v", e.Input, e.Err)
	if e.Accepted != "" {
		fmt.Fprintf(&b, " (accepted: %s)", e.Accepted)
	}
	return b.String()
}

func (e *InputError) Unwrap() error { return e.Err }
