package integration

import (
	"regexp"
	"strings"
	"syscall"
	"testing"
)

// TestDaemonBacksUpAndDrills: with BACKUP_URL set the daemon writes
// backups on its interval, drills the newest one, and exports both in
// /metrics; the backups it wrote are listed and restore.
func TestDaemonBacksUpAndDrills(t *testing.T) {
	c := newCLI(t)
	s := libraryStore(t, c, 30)
	putAged(t, s, "call-backup-1", 0, 0)
	putAged(t, s, "call-backup-2", day, 0)
	dest := "file://" + t.TempDir()
	dc, password := daemonCLI(c, "BACKUP_URL="+dest,
		"BACKUP_INTERVAL=2s", "RESTORE_DRILL_INTERVAL=3s")

	d := dc.startDaemon()
	addr := d.waitLog(listeningLog, 1)[1]
	d.waitLog(regexp.MustCompile(`msg="backup complete" .*records=2`), 1)
	d.waitLog(regexp.MustCompile(`msg="restore drill passed"`), 1)
	checkEndpoint(t, addr, "/metrics", 200)
	_, body := fetch(t, addr, "/metrics")
	for _, name := range []string{"avrdata_last_successful_backup_timestamp_seconds",
		"avrdata_last_successful_backup_prune_timestamp_seconds",
		"avrdata_last_successful_restore_drill_timestamp_seconds"} {
		if !metricSet(body, name) {
			t.Errorf("/metrics: %s is not set after a backup and a drill", name)
		}
	}
	if code := d.stop(syscall.SIGTERM); code != 0 {
		t.Errorf("after SIGTERM: got exit %d, want 0", code)
	}

	ls := c.mustRun("backup", "ls", "--to", dest)
	if strings.TrimSpace(ls) == "" {
		t.Errorf("backup ls after the daemon ran: %q, want at least one backup", ls)
	}
	target := c.withVars("BACKUP_URL=" + dest)
	target.mustRun("restore", "--verify")
	checkNoSecrets(t, c, d.out.String(), password)
}

// metricSet reports whether body has a sample of name with a value other
// than zero.
func metricSet(body, name string) bool {
	for _, line := range strings.Split(body, "\n") {
		value, ok := strings.CutPrefix(line, name+" ")
		if ok && value != "0" {
			return true
		}
	}
	return false
}
