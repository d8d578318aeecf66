package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"
)

// MigrateTo brings the database's schema to version exactly: up when it is
// older, down when it is newer (the down migrations drop what later
// versions added, data included). Version 0 removes every table of the
// store. Restores use it to load a backup into the schema it was taken
// from. A PostgreSQL session lock serialises concurrent migrations, as in
// Migrate.
//
// It returns the versions it applied or rolled back, and an error wrapping
// ErrSchemaTooNew when version is above every migration this avrdata knows,
// or when the database is.
func MigrateTo(ctx context.Context, pool *pgxpool.Pool, version int64) ([]int64, error) {
	p, db, err := provider(pool)
	if err != nil {
		return nil, err
	}
	defer db.Close()

	current, latest, err := SchemaVersion(ctx, pool)
	if err != nil {
		return nil, err
	}
	if version > latest || current > latest {
		return nil, fmt.Errorf("migrate to version %d: %w: database at %d, this avrdata knows %d",
			version, ErrSchemaTooNew, current, latest)
	}

	if current == version {
		return nil, nil
	}
	run := p.UpTo
	if current > version {
		run = p.DownTo
	}
	results, err := run(ctx, version)
	if err != nil {
		return nil, fmt.Errorf("migrate to version %d: %w", version, err)
	}
	applied := make([]int64, 0, len(results))
	for _, r := range results {
		applied = append(applied, r.Source.Version)
	}
	return applied, nil
}
