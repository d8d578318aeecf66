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

	"github.com/avrdata/avrdata/internal/pglock"
	"github.com/avrdata/avrdata/store"
)

// drillPrefix starts the name of every scratch database a drill makes:
// avrdata_drill_<live database oid>_<random>.
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
// avrdata_drill_<live oid>_<random> on the live server, restores the
// backup into it with every check of Restore (Verify as opts ask), and
// drops it, also when the restore failed. The report's Database names
// the scratch database. It returns an error wrapping ErrNoCreateDB, with
// a hint, when the live role may not create databases, and Restore's
// errors otherwise. It leaves a "drill" audit event with opts.Audit.
//
// A drill holds an advisory lock on the live database for as long as its
// scratch database exists. Before it makes its own, it drops the scratch
// databases of the same live database whose lock nobody holds: those of
// drills that were killed or lost their connection, which would otherwise
// keep a copy of the store for good. The report's StaleDropped names them.
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

	prefix, err := drillNamePrefix(ctx, opts.Live)
	if err != nil {
		return Report{Failures: []Failure{failureOf(err)}}, err
	}
	name, unlock, err := claimDrillName(ctx, opts.Live, prefix)
	if err != nil {
		return Report{Failures: []Failure{failureOf(err)}}, err
	}
	defer unlock()
	stale, err := dropStaleDrills(ctx, opts.Live, prefix)
	if err != nil {
		return Report{StaleDropped: stale, Failures: []Failure{failureOf(err)}}, err
	}

	rep, err = drillInto(ctx, dest, opts, name)
	rep.StaleDropped = stale
	return rep, err
}

// drillInto restores into a new scratch database name and drops it.
func drillInto(ctx context.Context, dest Destination, opts DrillOptions, name string) (rep Report, err error) {
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

// claimDrillName picks the name of a new scratch database, prefix and a
// random suffix, and takes its advisory lock, which unlock releases.
func claimDrillName(ctx context.Context, live *pgxpool.Pool, prefix string) (name string, unlock func(), err error) {
	name = prefix + randomHex(6)
	unlock, ok, err := pglock.TryLock(ctx, live, drillLock(name))
	if err != nil {
		return "", nil, fmt.Errorf("lock drill database %s: %w", name, err)
	}
	if !ok {
		return "", nil, fmt.Errorf("lock drill database %s: held by another session", name)
	}
	return name, unlock, nil
}

// drillNamePrefix is the start of the names of the scratch databases of
// drills of the live database: avrdata_drill_<its oid>_. Drills of other
// databases on the same server take their locks in those databases, so
// their scratch databases are left to them.
func drillNamePrefix(ctx context.Context, live *pgxpool.Pool) (string, error) {
	var oid uint32
	err := live.QueryRow(ctx, `SELECT oid FROM pg_database WHERE datname = current_database()`).Scan(&oid)
	if err != nil {
		return "", fmt.Errorf("read the live database's oid: %w", err)
	}
	return fmt.Sprintf("%s%d_", drillPrefix, oid), nil
}

func drillLock(name string) string { return "drill database " + name }

// dropStaleDrills drops the scratch databases named with prefix (those
// of this live database) that the role owns and whose drill holds no
// lock, and returns their names.
func dropStaleDrills(ctx context.Context, live *pgxpool.Pool, prefix string) ([]string, error) {
	rows, _ := live.Query(ctx, `SELECT datname FROM pg_database
		WHERE starts_with(datname, $1) AND datdba = (SELECT oid FROM pg_roles WHERE rolname = current_user)
		ORDER BY datname`, prefix)
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("list drill databases: %w", err)
	}

	var dropped []string
	for _, name := range names {
		unlock, ok, err := pglock.TryLock(ctx, live, drillLock(name))
		if err != nil {
			return dropped, fmt.Errorf("lock stale drill database %s: %w", name, err)
		}
		if !ok {
			continue // a drill in progress
		}
		err = dropDatabase(ctx, live, name)
		unlock()
		if err != nil {
			return dropped, fmt.Errorf("drop stale drill database %s: %w", name, err)
		}
		dropped = append(dropped, name)
	}
	return dropped, nil
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
	e.Detail["stale_dropped"] = len(rep.StaleDropped)
	return e
}
