// Package hint attaches advice for the operator to an error: what to do
// about it. The command prints the advice after the error.
package hint

// Error is an error with advice for the operator.
type Error struct {
	Err    error
	Advice string
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Hint returns the advice.
func (e *Error) Hint() string { return e.Advice }

// With returns err with advice; errors.Is and errors.As see through it.
func With(err error, advice string) error {
	return &Error{Err: err, Advice: advice}
}
