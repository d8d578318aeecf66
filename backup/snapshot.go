package backup

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/avrdata/avrdata/crypto"
	"github.com/avrdata/avrdata/store"
)

// tables are the store's tables a backup holds, in the order they are
// written and restored: a table comes after those it refers to, erasures
// before records so that a restore can tell which tombstones it lacks,
// and records before record_chunks so that the chunks of records left
// out are never loaded.
var tables = []string{
	"key_check", "keysets", "settings", "calls", "erasures",
	"records", "record_chunks", "audit_events",
}

// snapshot streams every table of st into objects of backup m.ID, in one
// read-only repeatable-read transaction, so the tables agree with each
// other as of one moment, and fills in m's tables and totals.
func snapshot(
	ctx context.Context,
	st *store.Store,
	dest Destination,
	key crypto.StreamKey,
	m *Manifest,
	opts Options,
) error {
	tx, err := st.Pool().BeginTx(ctx, pgx.TxOptions{
		IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("begin snapshot: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))

	// The first statement fixes the snapshot.
	var estimate int64
	err = tx.QueryRow(ctx, `SELECT statement_timestamp(),
		(SELECT coalesce(sum(pg_table_size(to_regclass(t))), 0)::bigint FROM unnest($1::text[]) t)`,
		tables).Scan(&m.Snapshot, &estimate)
	if err != nil {
		return fmt.Errorf("begin snapshot: %w", err)
	}
	m.Snapshot = m.Snapshot.UTC()

	progress := newMeter(opts.Progress, "backup", m.ID, estimate)
	for _, name := range tables {
		t, err := copyTable(ctx, tx, tableWriter{ctx: ctx, dest: dest, key: key, id: m.ID,
			table: name, limit: partLimit(opts), written: progress.add}, progress)
		if err != nil {
			return err
		}
		m.add(t)
	}
	progress.finish()
	return nil
}

func partLimit(opts Options) int64 {
	if opts.PartLimit > 0 {
		return opts.PartLimit
	}
	return DefaultPartLimit
}

// copyTable streams table w.table out of tx through w.
func copyTable(ctx context.Context, tx pgx.Tx, w tableWriter, progress *meter) (Table, error) {
	cols, err := columns(ctx, tx, w.table)
	if err != nil {
		return Table{}, err
	}

	progress.object(w.table)
	sql := fmt.Sprintf(`COPY (SELECT %s FROM %s) TO STDOUT (FORMAT binary)`,
		columnList(cols), pgx.Identifier{w.table}.Sanitize())
	tag, err := tx.Conn().PgConn().CopyTo(ctx, &w, sql)
	if err != nil {
		return Table{}, w.abort(fmt.Errorf("copy table %s: %w", w.table, err))
	}

	objects, err := w.close()
	if err != nil {
		return Table{}, err
	}
	return Table{Name: w.table, Columns: cols, Rows: tag.RowsAffected(), Objects: objects}, nil
}

// querier is what pgx.Tx and pgxpool.Pool have in common that columns
// needs.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// columns returns the column names of table, in order.
func columns(ctx context.Context, q querier, table string) ([]string, error) {
	rows, _ := q.Query(ctx, `SELECT attname FROM pg_attribute
		WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped
		ORDER BY attnum`, table)
	cols, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("read columns of %s: %w", table, err)
	}
	if len(cols) == 0 {
		return nil, fmt.Errorf("table %s does not exist", table)
	}
	return cols, nil
}

func columnList(cols []string) string {
	quoted := make([]string, len(cols))
	for i, c := range cols {
		quoted[i] = pgx.Identifier{c}.Sanitize()
	}
	return strings.Join(quoted, ", ")
}

// add appends t to m and counts its bytes.
func (m *Manifest) add(t Table) {
	m.Tables = append(m.Tables, t)
	for _, o := range t.Objects {
		m.Bytes += o.Size
		m.DataBytes += o.DataBytes
	}
}
