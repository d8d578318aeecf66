package main

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/avrdata/avrdata/backup"
)

// backupMetrics describe backups and restore drills.
type backupMetrics struct {
	lastBackup     prometheus.Gauge
	backupDuration prometheus.Histogram
	backupBytes    prometheus.Gauge
	backupFailures prometheus.Counter
	lastDrill      prometheus.Gauge
	drillDuration  prometheus.Histogram
	drillFailures  prometheus.Counter
}

func (m *metrics) registerBackups() {
	m.backups = backupMetrics{
		lastBackup: m.gauge("avrdata_last_successful_backup_timestamp_seconds",
			"When the last complete backup finished, as Unix seconds."),
		backupDuration: m.histogram("avrdata_backup_duration_seconds", "Duration of backups."),
		backupBytes: m.gauge("avrdata_backup_bytes",
			"Stored (encrypted) bytes of the last complete backup."),
		backupFailures: m.counter("avrdata_backup_failures_total", "Backups that failed."),
		lastDrill: m.gauge("avrdata_last_successful_restore_drill_timestamp_seconds",
			"When the last restore drill that verified every record finished, as Unix seconds."),
		drillDuration: m.histogram("avrdata_restore_drill_duration_seconds",
			"Duration of restore drills."),
		drillFailures: m.counter("avrdata_restore_drill_failures_total",
			"Restore drills that failed or found a problem."),
	}
}

// observeBackup records a backup's outcome.
func (m *metrics) observeBackup(res backup.Result, err error) {
	if err != nil {
		m.backups.backupFailures.Inc()
		return
	}
	m.backups.lastBackup.Set(float64(time.Now().Unix()))
	m.backups.backupDuration.Observe(res.Duration.Seconds())
	m.backups.backupBytes.Set(float64(res.Manifest.Bytes))
}

// observeDrill records a restore drill's outcome.
func (m *metrics) observeDrill(rep backup.Report, err error) {
	if err != nil || !rep.OK() {
		m.backups.drillFailures.Inc()
		return
	}
	m.backups.lastDrill.Set(float64(time.Now().Unix()))
	m.backups.drillDuration.Observe(rep.Duration.Seconds())
}
