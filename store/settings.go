package store

import (
	"context"
	"fmt"
	"strconv"
)

// recordRetention writes the retention period this process applies to the
// settings table, with an audit event when it changed, so that an auditor
// sees when the policy changed. Expiry is computed from the period at
// each use, never stored per record, so existing records follow a new
// period at once. Every process should run with the same period.
func (s *Store) recordRetention(ctx context.Context, days int) error {
	if days <= 0 {
		days = DefaultRetentionDays
	}
	value := strconv.Itoa(days)

	var previous string
	err := s.pool.QueryRow(ctx, `
		WITH old AS (SELECT value FROM settings WHERE name = 'retention_days')
		INSERT INTO settings (name, value) VALUES ('retention_days', $1)
		ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value, updated_at = now()
		WHERE settings.value <> EXCLUDED.value
		RETURNING coalesce((SELECT value FROM old), '')`, value).Scan(&previous)
	if err != nil && !isNoRows(err) {
		return fmt.Errorf("record retention period: %w", err)
	}
	if err == nil {
		s.audit(ctx, Event{Action: "policy", Outcome: "ok",
			Detail: map[string]any{"retention_days": days, "previous": previous}})
	}
	return nil
}
