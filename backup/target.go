package backup

import (
	"context"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/avrdata/avrdata/store"
)

// gooseTable is where the migrations keep the schema version.
const gooseTable = "goose_db_version"

// prepareTarget makes sure the target may be restored into and migrates
// it to the backup's schema version. With force, the store's tables of a
// target that has some are dropped first.
func prepareTarget(ctx context.Context, pool *pgxpool.Pool, version int64, force bool) error {
	problem, err := targetProblem(ctx, pool)
	if err != nil {
		return err
	}
	if problem != "" && !force {
		return withHint(fmt.Errorf("%w: %s", ErrTargetNotEmpty, problem),
			"restore into a new database (createdb NAME), or add --force to replace "+
				"the store's tables in this one and lose their rows")
	}

	if problem != "" {
		if _, err := store.MigrateTo(ctx, pool, 0); err != nil {
			return fmt.Errorf("clear target: %w", err)
		}
	}
	if _, err := store.MigrateTo(ctx, pool, version); err != nil {
		return fmt.Errorf("prepare target: %w", err)
	}
	return nil
}

// targetProblem says why the target is not empty, or "" when it is: no
// tables but the store's own, and none of those with a row (a database
// that was only migrated, or a restore that failed, counts as empty).
func targetProblem(ctx context.Context, pool *pgxpool.Pool) (string, error) {
	rows, _ := pool.Query(ctx, `SELECT CASE WHEN n.nspname = current_schema()
		THEN c.relname ELSE n.nspname || '.' || c.relname END
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
		  AND n.nspname NOT LIKE 'pg\_%'
		ORDER BY 1`)
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return "", fmt.Errorf("inspect target: %w", err)
	}

	for _, name := range names {
		if name != gooseTable && !slices.Contains(tables, name) {
			return "it has table " + name, nil
		}
	}
	for _, name := range names {
		if name == gooseTable {
			continue
		}
		var has bool
		err := pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+pgx.Identifier{name}.Sanitize()+`)`).Scan(&has)
		if err != nil {
			return "", fmt.Errorf("inspect target: %w", err)
		}
		if has {
			return "table " + name + " has rows", nil
		}
	}
	return "", nil
}
