package backup

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/avrdata/avrdata/store"
)

// drillPrefix starts the name of every scratch database a drill makes.
const drillPrefix = "avrdata_drill_"

// DrillOptions configure Drill: those of a restore, whose Target is the
// scratch database.
type DrillOptions struct {
	RestoreOptions

	// Live is a pool on the live database. Its role creates the scratch
	// database beside it (it needs CREATEDB) and drops it afterwards; the
	// live data is never written, except for the audit event.
	Live *pgxpool.Pool

	// Audit receives the "drill" event, usually the live store; nil for
	// none.
	Audit Auditor
}

// Drill proves that a backup restores: it creates a scratch database
// avrdata_drill_<random> on the live server, restores the backup into it
// with every check of Restore (Verify as opts ask), and drops it, also
// when the restore failed. The report's Database names the scratch
// database. It returns an error wrapping ErrNoCreateDB, with a hint, when
// the live role may not create databases, and Restore's errors otherwise.
// It leaves a "drill" audit event with opts.Audit.
func Drill(ctx context.Context, dest Destination, opts DrillOptions) (Report, error) {
	start := time.Now()
	rep, err := drill(ctx, dest, opts)
	rep.Duration = time.Since(start)

	if auditErr := audit(ctx, opts.Audit, drillEvent(rep, err)); auditErr != nil && err == nil {
		err = fmt.Errorf("drill passed, but was not audited: %w", auditErr)
	}
	return rep, err
}

func drill(ctx context.Context, dest Destination, opts DrillOptions) (rep Report, err error) {
	// A missing backup or a wrong key is found before the database is made.
	if _, err := openBackup(ctx, dest, opts.RestoreOptions); err != nil {
		return Report{Failures: []Failure{failureOf(err)}}, err
	}

	name := drillPrefix + randomHex(6)
	if err := createDatabase(ctx, opts.Live, name); err != nil {
		return Report{Database: name, Failures: []Failure{failureOf(err)}}, err
	}
	defer func() {
		if dropErr := dropDatabase(ctx, opts.Live, name); dropErr != nil && err == nil {
			err = fmt.Errorf("drop drill database %s: %w", name, dropErr)
		}
	}()

	pool, err := connectTo(ctx, opts.Live, name)
	if err != nil {
		return Report{Database: name, Failures: []Failure{failureOf(err)}}, err
	}
	defer pool.Close()

	ro := opts.RestoreOptions
	ro.Target, ro.Force = pool, false
	rep, err = Restore(ctx, dest, ro)
	rep.Database = name
	return rep, err
}

func createDatabase(ctx context.Context, live *pgxpool.Pool, name string) error {
	_, err := live.Exec(ctx, `CREATE DATABASE `+pgx.Identifier{name}.Sanitize())
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42501" { // insufficient_privilege
		return withHint(fmt.Errorf("%w %s: the role of DATABASE_URL lacks CREATEDB", ErrNoCreateDB, name),
			"grant it (ALTER ROLE name CREATEDB), or restore into an empty database "+
				"you made with --target-database-url")
	}
	if err != nil {
		return fmt.Errorf("%w %s: %v", ErrNoCreateDB, name, err)
	}
	return nil
}

// dropDatabase drops the scratch database, even after ctx was cancelled.
func dropDatabase(ctx context.Context, live *pgxpool.Pool, name string) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	_, err := live.Exec(ctx, `DROP DATABASE IF EXISTS `+pgx.Identifier{name}.Sanitize()+` WITH (FORCE)`)
	return err
}

// connectTo opens a pool on database name of the live server, with the
// live pool's settings and credentials.
func connectTo(ctx context.Context, live *pgxpool.Pool, name string) (*pgxpool.Pool, error) {
	cfg := live.Config().Copy()
	cfg.ConnConfig.Database = name
	cfg.MaxConns = 4
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to drill database %s: %w", name, err)
	}
	return pool, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func drillEvent(rep Report, err error) store.Event {
	e := restoreEvent(rep, err)
	e.Action = "drill"
	e.Detail["database"] = rep.Database
	return e
}
