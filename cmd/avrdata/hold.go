package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/avrdata/avrdata/store"
)

// notFoundCallHint is the advice for a call id that matches no call.
const notFoundCallHint = `"avrdata ls" lists the calls that have records; an erased call is gone`

func (a *app) holdCommand() *cobra.Command {
	var reason string
	cmd := &cobra.Command{
		Use:   "hold CALL --reason TEXT",
		Short: "Place a call under legal hold: it is neither purged nor erased",
		Long: `hold places call CALL under legal hold: none of its records is purged when its
retention period ends, nor erased by "avrdata erase", until "avrdata release".
The reason is required; it is stored encrypted. Holding a held call replaces
its reason. The hold and its release are audit events.

Environment: DATABASE_URL, ENCRYPTION_KEY (or ENCRYPTION_KEY_FILE).

  avrdata hold 4f1c2a9e-0b7d-4e43-9a51-d2f0c1b8e7aa --reason "case 2024-117, court order"`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.hold(cmd.Context(), args[0], reason)
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why the call is held, e.g. a case number (required)")
	return cmd
}

func (a *app) releaseCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "release CALL",
		Short: "Lift the legal hold of a call",
		Long: `release lifts the legal hold of call CALL: its records that are past their
retention period go with the next purge. Releasing a call that is not held
does nothing.

Environment: DATABASE_URL, ENCRYPTION_KEY (or ENCRYPTION_KEY_FILE).

  avrdata release 4f1c2a9e-0b7d-4e43-9a51-d2f0c1b8e7aa`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.release(cmd.Context(), args[0])
		},
	}
}

// hintNotFound adds hint to err when it is a not-found error.
func hintNotFound(err error, hint string) error {
	if errors.Is(err, store.ErrNotFound) {
		return withHint(err, hint)
	}
	return err
}

func (a *app) hold(ctx context.Context, callID, reason string) error {
	if strings.TrimSpace(reason) == "" {
		return usageErrorf("--reason is required: say why the call is held, e.g. a case number")
	}
	if err := store.ValidateCallID(callID); err != nil {
		return err
	}
	s, err := a.openStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()

	if err := s.Hold(ctx, callID, reason); err != nil {
		return hintNotFound(err, notFoundCallHint)
	}
	fmt.Fprintf(a.stdout, "call %s is under legal hold\n", callID)
	return nil
}

func (a *app) release(ctx context.Context, callID string) error {
	if err := store.ValidateCallID(callID); err != nil {
		return err
	}
	s, err := a.openStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()

	if err := s.Release(ctx, callID); err != nil {
		return hintNotFound(err, notFoundCallHint)
	}
	fmt.Fprintf(a.stdout, "released call %s: it is no longer under legal hold\n", callID)
	return nil
}
