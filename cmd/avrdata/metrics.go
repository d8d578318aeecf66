package main

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/avrdata/avrdata/retention"
	"github.com/avrdata/avrdata/store"
)

// metrics are what the daemon serves on /metrics, in a registry of its
// own: nothing registered globally by a library leaks in.
type metrics struct {
	registry *prometheus.Registry

	stored            *prometheus.GaugeVec
	pastRetention     prometheus.Gauge
	pastRetentionHeld prometheus.Gauge
	purged            prometheus.Counter
	purgedBytes       prometheus.Counter
	lastPurge         prometheus.Gauge
	purgeDuration     prometheus.Histogram
	operations        *prometheus.CounterVec
	operationErrors   *prometheus.CounterVec
	backups           backupMetrics
}

func newMetrics() *metrics {
	m := &metrics{registry: prometheus.NewRegistry()}
	m.stored = m.gaugeVec("avrdata_records_stored",
		"Records in the store, by kind; refreshed after each retention pass.", "kind")
	m.pastRetention = m.gauge("avrdata_records_past_retention",
		"Records older than the retention period still stored, held ones included; "+
			"refreshed after each retention pass.")
	m.pastRetentionHeld = m.gauge("avrdata_records_past_retention_held",
		"Records older than the retention period kept because their call is under legal hold.")
	m.purged = m.counter("avrdata_records_purged_total", "Records deleted by retention passes.")
	m.purgedBytes = m.counter("avrdata_purged_bytes_total",
		"Plaintext bytes of the records deleted by retention passes.")
	m.lastPurge = m.gauge("avrdata_last_successful_purge_timestamp_seconds",
		"When the last retention pass that deleted (AUTO_DELETE=true) completed, as Unix seconds.")
	m.purgeDuration = m.histogram("avrdata_purge_duration_seconds", "Duration of retention passes.")
	m.operations = m.counterVec("avrdata_operations_total",
		"Puts and gets of records made through this process's store.", "operation")
	m.operationErrors = m.counterVec("avrdata_operation_errors_total",
		"Puts and gets of records through this process's store that failed.", "operation")

	m.registerBackups()

	m.registry.MustRegister(collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for _, op := range []string{"put", "get"} {
		m.operations.WithLabelValues(op)
		m.operationErrors.WithLabelValues(op)
	}
	return m
}

// observePurge counts a retention pass, whole or stopped early.
func (m *metrics) observePurge(rep retention.Report, err error) {
	m.purged.Add(float64(rep.Records))
	m.purgedBytes.Add(float64(rep.Bytes))
	m.purgeDuration.Observe(rep.Duration.Seconds())
	if err == nil {
		m.lastPurge.Set(float64(time.Now().Unix()))
	}
}

// setBacklog sets the records past retention.
func (m *metrics) setBacklog(b retention.Backlog) {
	m.pastRetention.Set(float64(b.Expired))
	m.pastRetentionHeld.Set(float64(b.Held))
}

// setStored sets the records stored by kind.
func (m *metrics) setStored(counts map[store.Kind]int64) {
	for kind, n := range counts {
		m.stored.WithLabelValues(string(kind)).Set(float64(n))
	}
}

// observeEvent is the store's event hook: it counts puts and reads (gets)
// and their failures.
func (m *metrics) observeEvent(e store.Event) {
	op := map[string]string{"put": "put", "read": "get"}[e.Action]
	if op == "" {
		return
	}
	m.operations.WithLabelValues(op).Inc()
	if e.Outcome != "ok" {
		m.operationErrors.WithLabelValues(op).Inc()
	}
}

func (m *metrics) gauge(name, help string) prometheus.Gauge {
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: help})
	m.registry.MustRegister(g)
	return g
}

func (m *metrics) gaugeVec(name, help, label string) *prometheus.GaugeVec {
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help}, []string{label})
	m.registry.MustRegister(g)
	return g
}

func (m *metrics) counter(name, help string) prometheus.Counter {
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: name, Help: help})
	m.registry.MustRegister(c)
	return c
}

func (m *metrics) counterVec(name, help, label string) *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, []string{label})
	m.registry.MustRegister(c)
	return c
}

func (m *metrics) histogram(name, help string) prometheus.Histogram {
	h := prometheus.NewHistogram(prometheus.HistogramOpts{Name: name, Help: help,
		Buckets: prometheus.ExponentialBuckets(0.01, 4, 10)}) // 10 ms to about 43 min
	m.registry.MustRegister(h)
	return h
}
