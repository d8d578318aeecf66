package backup

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/avrdata/avrdata/store"
)

// tombstonePrefix is where tombstones are kept, beside the backups: one
// small object per erasure, named by its time and call id, so that a
// listing alone tells a restore what to erase again.
const tombstonePrefix = "tombstones/"

// tombstoneLayout is the erasure time in a tombstone's name, to the
// microsecond as PostgreSQL keeps it.
const tombstoneLayout = "20060102T150405.000000Z"

// tombstone is the record of one erasure.
type tombstone struct {
	CallID   string    `json:"call_id"`
	ErasedAt time.Time `json:"erased_at"`
}

// name is "tombstones/TIME_ID", the call id in unpadded base64url so that
// any valid call id (even "..") makes a safe object name.
func (t tombstone) name() string {
	return tombstonePrefix + t.ErasedAt.UTC().Format(tombstoneLayout) + "_" +
		base64.RawURLEncoding.EncodeToString([]byte(t.CallID))
}

// parseTombstone reads a tombstone's name; false for any other object.
func parseTombstone(name string) (tombstone, bool) {
	rest, ok := strings.CutPrefix(name, tombstonePrefix)
	stamp, encoded, found := strings.Cut(rest, "_")
	if !ok || !found {
		return tombstone{}, false
	}
	at, err := time.Parse(tombstoneLayout, stamp)
	id, err2 := base64.RawURLEncoding.DecodeString(encoded)
	if err != nil || err2 != nil || store.ValidateCallID(string(id)) != nil {
		return tombstone{}, false
	}
	return tombstone{CallID: string(id), ErasedAt: at}, true
}

// WriteTombstones writes a tombstone at dest for every erasure recorded in
// st that has none yet, and returns how many it wrote. Each backup calls
// it; an erasure path calls it too when BACKUP_URL is set, so that a
// restore of an older backup erases the call again even before the next
// backup runs. It is safe to call concurrently and again after a failure.
func WriteTombstones(ctx context.Context, dest Destination, st *store.Store) (int, error) {
	have, err := readTombstones(ctx, dest)
	if err != nil {
		return 0, err
	}
	known := make(map[string]bool, len(have))
	for _, t := range have {
		known[t.name()] = true
	}

	erasures, err := loadErasures(ctx, st)
	if err != nil {
		return 0, err
	}
	written := 0
	for _, t := range erasures {
		if known[t.name()] {
			continue
		}
		if err := putTombstone(ctx, dest, t); err != nil {
			return written, err
		}
		written++
	}
	return written, nil
}

func loadErasures(ctx context.Context, st *store.Store) ([]tombstone, error) {
	rows, _ := st.Pool().Query(ctx, `SELECT call_id, erased_at FROM erasures ORDER BY erased_at, call_id`)
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (tombstone, error) {
		var t tombstone
		err := r.Scan(&t.CallID, &t.ErasedAt)
		t.ErasedAt = t.ErasedAt.UTC()
		return t, err
	})
	if err != nil {
		return nil, fmt.Errorf("read erasures: %w", err)
	}
	return out, nil
}

func putTombstone(ctx context.Context, dest Destination, t tombstone) error {
	body, err := json.Marshal(t)
	if err != nil {
		return fmt.Errorf("encode tombstone: %w", err)
	}
	if err := dest.Put(ctx, t.name(), bytes.NewReader(append(body, '\n'))); err != nil {
		return fmt.Errorf("write tombstone of call %s: %w", t.CallID, err)
	}
	return nil
}

// readTombstones lists the tombstones at dest.
func readTombstones(ctx context.Context, dest Destination) ([]tombstone, error) {
	objects, err := dest.List(ctx, tombstonePrefix)
	if err != nil {
		return nil, fmt.Errorf("list tombstones at %s: %w", dest, err)
	}
	var out []tombstone
	for _, o := range objects {
		if t, ok := parseTombstone(o.Name); ok {
			out = append(out, t)
		}
	}
	return out, nil
}
