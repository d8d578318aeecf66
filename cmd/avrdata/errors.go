package main

import (
	"errors"
	"fmt"

	"github.com/avrdata/avrdata/crypto"
	"github.com/avrdata/avrdata/internal/hint"
	"github.com/avrdata/avrdata/store"
)

// Exit statuses, the contract of DESIGN.md.
const (
	exitOK     = 0
	exitFailed = 1
	exitUsage  = 2
)

// usageError is a command line the command cannot run: exit status 2.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usageErrorf(format string, args ...any) error {
	return &usageError{err: fmt.Errorf(format, args...)}
}

// hinter is an error that knows what the operator should do about it.
type hinter interface {
	Hint() string
}

// withHint returns err with advice, printed after it by report.
var withHint = hint.With

// report prints err for an operator and returns its exit status.
func (a *app) report(err error) int {
	fmt.Fprintf(a.stderr, "avrdata: %v\n", err)

	var h hinter
	if errors.As(err, &h) && h.Hint() != "" {
		fmt.Fprintf(a.stderr, "hint: %s\n", h.Hint())
	}
	return exitCode(err)
}

// exitCode maps an error to the documented exit status: 2 for bad usage or
// configuration, 1 for everything else.
func exitCode(err error) int {
	var usage *usageError
	var config *ConfigError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &usage), errors.As(err, &config):
		return exitUsage
	}
	for _, target := range usageErrors {
		if errors.Is(err, target) {
			return exitUsage
		}
	}
	return exitFailed
}

// usageErrors are the errors of the packages below that mean bad input or
// configuration, not a failed operation.
var usageErrors = []error{
	crypto.ErrBadKey, crypto.ErrWrongKey, crypto.ErrBadNumber,
	store.ErrNotMigrated, store.ErrSchemaTooNew, store.ErrConnect,
	store.ErrBadCallID, store.ErrBadRecordID,
}
