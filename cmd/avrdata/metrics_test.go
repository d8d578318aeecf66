package main

import (
	"errors"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/avrdata/avrdata/backup"
	"github.com/avrdata/avrdata/store"
)

func discardLog() *slog.Logger { return slog.New(slog.DiscardHandler) }

// exposition returns m as /metrics serves it.
func exposition(m *metrics) string {
	rec := httptest.NewRecorder()
	promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{}).
		ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	return rec.Body.String()
}

func TestMetricsCountOperations(t *testing.T) {
	m := newMetrics()
	for _, e := range []store.Event{
		{Action: "put", Outcome: "ok"},
		{Action: "put", Outcome: "ok"},
		{Action: "read", Outcome: "ok"},
		{Action: "read", Outcome: "failed"},
		{Action: "hold", Outcome: "ok"},
		{Action: "purge", Outcome: "failed"},
	} {
		m.observeEvent(e)
	}

	got := exposition(m)
	for _, want := range []string{
		`avrdata_operations_total{operation="put"} 2`,
		`avrdata_operations_total{operation="get"} 2`,
		`avrdata_operation_errors_total{operation="put"} 0`,
		`avrdata_operation_errors_total{operation="get"} 1`,
	} {
		if !strings.Contains(got, want+"\n") {
			t.Errorf("metrics lack %q", want)
		}
	}
}

func TestMetricsBackupPrune(t *testing.T) {
	m := newMetrics()
	m.observePrune(backup.PruneResult{Backups: 2, Debris: 1, Uploads: 3}, nil)
	m.observePrune(backup.PruneResult{Backups: 1}, errors.New("s3: delete: access denied"))
	m.observeDrill(backup.Report{StaleDropped: []string{"avrdata_drill_1_0a"}}, nil)

	got := exposition(m)
	for _, want := range []string{
		`avrdata_backups_pruned_total 3`,
		`avrdata_backup_debris_removed_total 1`,
		`avrdata_backup_uploads_aborted_total 3`,
		`avrdata_backup_prune_failures_total 1`,
		`avrdata_restore_drill_stale_dropped_total 1`,
	} {
		if !strings.Contains(got, want+"\n") {
			t.Errorf("metrics lack %q", want)
		}
	}
	if !metricNonZero(got, "avrdata_last_successful_backup_prune_timestamp_seconds") {
		t.Errorf("the last successful prune's time is not set")
	}
}

// metricNonZero reports whether exposition has a sample of name with a
// value other than zero.
func metricNonZero(exposition, name string) bool {
	for _, line := range strings.Split(exposition, "\n") {
		if value, ok := strings.CutPrefix(line, name+" "); ok && value != "0" {
			return true
		}
	}
	return false
}
