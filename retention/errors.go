package retention

import (
	"context"
	"errors"
	"fmt"
)

// ErrBadPolicy is returned by Purger.Run and Purger.DryRun when the
// policy's retention period is not positive: a zero period would purge
// every record.
var ErrBadPolicy = errors.New("retention period must be positive")

// PartialError is returned by Purger.Run and Purger.DryRun when a pass
// stopped before the end, because its context was cancelled or the
// database failed. Report says what the pass did before it stopped; Err is
// the cause. Running another pass finishes the work.
type PartialError struct {
	Report Report
	Err    error
}

func (e *PartialError) Error() string {
	verb := "purged"
	if e.Report.DryRun {
		verb = "found"
	}
	return fmt.Sprintf("purge pass stopped after %d batches (%d records %s): %v",
		e.Report.Batches, e.Report.Records, verb, e.Err)
}

func (e *PartialError) Unwrap() error { return e.Err }

// Interrupted reports whether err is a pass stopped by the cancellation of
// its context (a shutdown, an operator's Ctrl-C) rather than a failure.
func Interrupted(err error) bool {
	var pe *PartialError
	return errors.As(err, &pe) && ctxErr(err)
}

func ctxErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
