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
	drillStale     prometheus.Counter

	lastPrune     prometheus.Gauge
	pruneFailures prometheus.Counter
	pruned        prometheus.Counter
	debris        prometheus.Counter
	aborted       prometheus.Counter
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
		drillStale: m.counter("avrdata_restore_drill_stale_dropped_total",
			"Scratch databases of drills that did not finish, dropped by later drills."),
		lastPrune: m.gauge("avrdata_last_successful_backup_prune_timestamp_seconds",
			"When the last backup prune finished, as Unix seconds."),
		pruneFailures: m.counter("avrdata_backup_prune_failures_total", "Backup prunes that failed."),
		pruned: m.counter("avrdata_backups_pruned_total",
			"Complete backups removed for being older than BACKUP_RETENTION_DAYS."),
		debris: m.counter("avrdata_backup_debris_removed_total",
			"Incomplete backup runs (failed or killed) removed."),
		aborted: m.counter("avrdata_backup_uploads_aborted_total",
			"Unfinished S3 multipart uploads of killed runs aborted."),
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
	m.backups.drillStale.Add(float64(len(rep.StaleDropped)))
	if err != nil || !rep.OK() {
		m.backups.drillFailures.Inc()
		return
	}
	m.backups.lastDrill.Set(float64(time.Now().Unix()))
	m.backups.drillDuration.Observe(rep.Duration.Seconds())
}

// observePrune records what a backup prune removed, also when it stopped
// part way.
func (m *metrics) observePrune(res backup.PruneResult, err error) {
	m.backups.pruned.Add(float64(res.Backups))
	m.backups.debris.Add(float64(res.Debris))
	m.backups.aborted.Add(float64(res.Uploads))
	if err != nil {
		m.backups.pruneFailures.Inc()
		return
	}
	m.backups.lastPrune.Set(float64(time.Now().Unix()))
}
