package action

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"syscall"
)

// Step is the whole work of one binary: it declares its inputs with
// a.Inputs, does its job and returns what went wrong.
type Step func(ctx context.Context, a *Action) error

// Main runs step as the program: the process environment and streams, the
// command-line arguments, cancellation on SIGINT and SIGTERM (the runner
// sends SIGINT, then SIGTERM, when a job is cancelled), and the exit code
// that Run returns.
func Main(step Step) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := Run(ctx, step, WithArgs(os.Args[1:]))
	stop()
	os.Exit(code)
}

// Run runs step on an Action built from opts and returns the exit code:
// 0 when step returns nil (or the user asked for -h), the code of an
// ExitCode error, else 1. Every error is reported through Fail first.
func Run(ctx context.Context, step Step, opts ...Option) int {
	a := New(opts...)
	err := step(ctx, a)
	var ec *exitCodeError
	if !errors.As(err, &ec) {
		return a.Fail(err)
	}
	if ec.err != nil || err != error(ec) {
		a.Fail(err)
	}
	return ec.code
}

// ExitCode makes Run exit with code after reporting err (nil err: exit
// with code and report nothing). A gate that ran and said no exits 1, a
// scan that could not run exits 2: such tools document their codes.
func ExitCode(code int, err error) error { return &exitCodeError{code, err} }

type exitCodeError struct {
	code int
	err  error
}

func (e *exitCodeError) Error() string {
	if e.err == nil {
		return ""
	}
	return e.err.Error()
}

func (e *exitCodeError) Unwrap() error { return e.err }
