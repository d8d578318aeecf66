package main

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/avrdata/avrdata/store"
)

func (a *app) migrateCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "migrate [up|status]",
		Short: "Bring the database schema up to date (up), or list its migrations (status)",
		Long: `migrate applies the schema migrations this avrdata knows and the database
lacks ("up", the default), or lists every migration with its state ("status").
Concurrent runs, such as several daemons starting at once, apply each
migration once. "avrdata serve" migrates on start too.

migrate reads only DATABASE_URL (and the LOG_* variables): it does not need
ENCRYPTION_KEY, so it can run before the key is in place.

  DATABASE_URL=postgres://avrdata@db:5432/avrdata avrdata migrate
  avrdata migrate status`,
		Args:      cobra.MatchAll(cobra.MaximumNArgs(1), cobra.OnlyValidArgs),
		ValidArgs: []string{"up", "status"},
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 && args[0] == "status" {
				return a.migrateStatus(cmd.Context())
			}
			return a.migrateUp(cmd.Context())
		},
	}
}

// migrateUp applies the pending migrations and says what it did.
func (a *app) migrateUp(ctx context.Context) error {
	pool, err := a.connect(ctx)
	if err != nil {
		return err
	}
	defer pool.Close()

	applied, err := store.Migrate(ctx, pool)
	if err != nil {
		return err
	}
	current, _, err := store.SchemaVersion(ctx, pool)
	if err != nil {
		return err
	}

	if len(applied) == 0 {
		fmt.Fprintf(a.stdout, "schema is up to date at version %d\n", current)
		return nil
	}
	fmt.Fprintf(a.stdout, "applied %s; schema is at version %d\n",
		plural(int64(len(applied)), "migration"), current)
	return nil
}

// migrateStatus lists every migration with its state, and what to do when
// some are pending.
func (a *app) migrateStatus(ctx context.Context) error {
	pool, err := a.connect(ctx)
	if err != nil {
		return err
	}
	defer pool.Close()

	statuses, err := store.Migrations(ctx, pool)
	if err != nil {
		return err
	}

	w := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "VERSION\tSTATE\tMIGRATION")
	pending := 0
	for _, s := range statuses {
		state := "applied"
		if !s.Applied {
			state, pending = "pending", pending+1
		}
		fmt.Fprintf(w, "%d\t%s\t%s\n", s.Version, state, s.Name)
	}
	if err := w.Flush(); err != nil {
		return err
	}

	if pending > 0 {
		fmt.Fprintf(a.stderr, "%s pending: run \"avrdata migrate\" to apply\n",
			plural(int64(pending), "migration"))
	}
	return nil
}
