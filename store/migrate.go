package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/avrdata/avrdata/migrations"
)

// MigrationStatus is the state of one migration in a database.
type MigrationStatus struct {
	Version int64
	Name    string
	Applied bool
}

// Migrate brings the database's schema up to the latest version. A
// PostgreSQL session lock makes concurrent callers (several daemons starting
// at once) run the migrations once. It returns the versions it applied.
func Migrate(ctx context.Context, pool *pgxpool.Pool) ([]int64, error) {
	p, db, err := provider(pool)
	if err != nil {
		return nil, err
	}
	defer db.Close()

	results, err := p.Up(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	applied := make([]int64, 0, len(results))
	for _, r := range results {
		applied = append(applied, r.Source.Version)
	}
	return applied, nil
}

// Migrations reports every migration this avrdata knows and whether the
// database has it.
func Migrations(ctx context.Context, pool *pgxpool.Pool) ([]MigrationStatus, error) {
	p, db, err := provider(pool)
	if err != nil {
		return nil, err
	}
	defer db.Close()

	statuses, err := p.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("migration status: %w", err)
	}
	out := make([]MigrationStatus, 0, len(statuses))
	for _, s := range statuses {
		out = append(out, MigrationStatus{
			Version: s.Source.Version,
			Name:    s.Source.Path,
			Applied: s.State == goose.StateApplied,
		})
	}
	return out, nil
}

// SchemaVersion returns the database's current schema version (0 for an
// empty database) and the latest version this avrdata knows.
func SchemaVersion(ctx context.Context, pool *pgxpool.Pool) (current, latest int64, err error) {
	p, db, err := provider(pool)
	if err != nil {
		return 0, 0, err
	}
	defer db.Close()

	current, err = p.GetDBVersion(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("read schema version: %w", err)
	}
	sources := p.ListSources()
	if len(sources) > 0 {
		latest = sources[len(sources)-1].Version
	}
	return current, latest, nil
}

// checkSchema refuses a database whose schema is not the latest.
func checkSchema(ctx context.Context, pool *pgxpool.Pool) error {
	current, latest, err := SchemaVersion(ctx, pool)
	switch {
	case err != nil:
		return err
	case current < latest:
		return withHint(fmt.Errorf("%w: at version %d, want %d", ErrNotMigrated, current, latest),
			`run "avrdata migrate" (the daemon migrates on start)`)
	case current > latest:
		return withHint(fmt.Errorf("%w: at version %d, this avrdata knows %d", ErrSchemaTooNew, current, latest),
			"upgrade avrdata to the version that migrated this database")
	}
	return nil
}

// provider returns a goose provider over a database/sql view of the pool.
// The caller closes db.
func provider(pool *pgxpool.Pool) (*goose.Provider, *sql.DB, error) {
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return nil, nil, fmt.Errorf("migration lock: %w", err)
	}
	db := stdlib.OpenDBFromPool(pool)
	p, err := goose.NewProvider(goose.DialectPostgres, db, migrations.FS,
		goose.WithSessionLocker(locker))
	if err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("load migrations: %w", err)
	}
	return p, db, nil
}
