package backup

import (
	"context"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/avrdata/avrdata/crypto"
)

// loader loads the tables of one backup into the target in one
// transaction.
type loader struct {
	ctx      context.Context
	tx       pgx.Tx
	dest     Destination
	key      crypto.StreamKey
	m        Manifest
	cutoff   time.Time   // records created before it are expired
	tombs    []tombstone // erasures beside the backups
	rep      *Report
	progress *meter
	dropped  map[[16]byte]bool // records left out, whose chunks are too
}

// load restores m's tables into opts.Target, leaving out what expired or
// was erased since, and commits only when every object checked out.
func load(
	ctx context.Context,
	dest Destination,
	key crypto.StreamKey,
	m Manifest,
	opts RestoreOptions,
	rep *Report,
) error {
	tombs, err := readTombstones(ctx, dest)
	if err != nil {
		return err
	}
	tx, err := opts.Target.Begin(ctx)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))

	l := &loader{ctx: ctx, tx: tx, dest: dest, key: key, m: m, tombs: tombs, rep: rep,
		cutoff:   now(opts).Add(-time.Duration(retentionDays(opts, m)) * 24 * time.Hour),
		progress: newMeter(opts.Progress, "restore", m.ID, m.Bytes),
		dropped:  map[[16]byte]bool{}}
	if err := l.run(); err != nil {
		return err
	}
	l.progress.finish()
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("restore: commit: %w", err)
	}
	return nil
}

func now(opts RestoreOptions) time.Time {
	if opts.Now.IsZero() {
		return time.Now()
	}
	return opts.Now
}

func (l *loader) run() error {
	for _, t := range l.m.Tables {
		if err := l.table(t); err != nil {
			return err
		}
		if t.Name == "records" {
			if err := l.leaveOut(); err != nil {
				return err
			}
		}
	}
	if err := l.dropExpiredCalls(); err != nil {
		return err
	}
	return resetSequences(l.ctx, l.tx, l.m)
}

// table streams table t's objects into the target and checks its rows.
func (l *loader) table(t Table) error {
	src := &tableReader{ctx: l.ctx, dest: l.dest, key: l.key, id: l.m.ID,
		objects: t.Objects, progress: l.progress}
	defer src.close()
	filter := l.filterFor(t, src)

	tag, err := l.tx.Conn().PgConn().CopyFrom(l.ctx, filter, copyInSQL(t))
	l.rep.Objects += src.read
	l.rep.Bytes += src.bytes
	if src.err != nil && src.err != io.EOF {
		return src.err
	}
	if err != nil {
		return &TableError{Backup: l.m.ID, Table: t.Name, Err: err}
	}

	skipped := filter.skipped
	if got := tag.RowsAffected() + skipped; got != t.Rows {
		return &TableError{Backup: l.m.ID, Table: t.Name,
			Err: fmt.Errorf("%w: %d rows, manifest says %d", ErrRowCount, got, t.Rows)}
	}
	l.rep.Tables = append(l.rep.Tables, TableReport{Name: t.Name, Rows: t.Rows, Skipped: skipped})
	return nil
}

// filterFor returns the reader COPY reads table t from: the chunks of the
// records left out are dropped on the way.
func (l *loader) filterFor(t Table, src *tableReader) *rowFilter {
	col := -1
	if t.Name == "record_chunks" {
		col = slices.Index(t.Columns, "record_id")
	}
	return newRowFilter(src, col, l.dropped)
}

func copyInSQL(t Table) string {
	return fmt.Sprintf(`COPY %s (%s) FROM STDIN (FORMAT binary)`,
		pgx.Identifier{t.Name}.Sanitize(), columnList(t.Columns))
}
