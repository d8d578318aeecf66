package main

import (
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/promhttp"

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
