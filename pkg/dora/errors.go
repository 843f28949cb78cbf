package dora

import (
	"errors"
	"fmt"
)

// ConfigError is a Config field whose value cannot be used, or does not
// fit the repository (a branch it does not have, a tag pattern matching
// none of its tags). Field is the name of the Config field, such as
// "Window"; Err says what is wrong and what is accepted, without naming
// the field, so that a caller can name it its own way.
type ConfigError struct {
	Field string
	Err   error
}

func (e *ConfigError) Error() string { return e.Field + ": " + e.Err.Error() }
func (e *ConfigError) Unwrap() error { return e.Err }

func configError(field, format string, args ...any) error {
	return &ConfigError{Field: field, Err: fmt.Errorf(format, args...)}
}

// ErrShallow is wrapped by Compute's error for a shallow clone, unless
// Config.AllowShallow: the history it would measure is cut.
var ErrShallow = errors.New("the repository is a shallow clone")
