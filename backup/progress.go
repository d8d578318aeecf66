package backup

import (
	"time"
)

// progressEvery is how often a meter calls its callback at most, besides
// at each new object and at the end.
const progressEvery = 250 * time.Millisecond

// Progress is how far a backup or restore has come, given to the callback
// of Options.Progress and RestoreOptions.Progress.
type Progress struct {
	Op      string        // "backup" or "restore"
	Backup  string        // the backup id
	Object  string        // the object being written or read
	Done    int64         // bytes so far: before encryption (backup), stored (restore)
	Total   int64         // bytes expected: an estimate for backups; 0 when unknown
	Elapsed time.Duration // since the operation started
	Final   bool          // the last call, once everything is done
}

// Rate returns the throughput so far in bytes a second.
func (p Progress) Rate() float64 {
	if p.Elapsed <= 0 {
		return 0
	}
	return float64(p.Done) / p.Elapsed.Seconds()
}

// minEstimate is how long an operation must have run before Left
// estimates: the first tables of a backup are small, and a rate measured
// over them says little about the rest.
const minEstimate = time.Second

// Left estimates the time left at the rate so far; 0 when unknown, as it
// is during the first second.
func (p Progress) Left() time.Duration {
	rate := p.Rate()
	if rate <= 0 || p.Total <= p.Done || p.Elapsed < minEstimate {
		return 0
	}
	return time.Duration(float64(p.Total-p.Done) / rate * float64(time.Second))
}

// meter calls a progress callback, at most every progressEvery.
type meter struct {
	fn    func(Progress)
	p     Progress
	start time.Time
	last  time.Time
}

func newMeter(fn func(Progress), op, id string, total int64) *meter {
	now := time.Now()
	return &meter{fn: fn, p: Progress{Op: op, Backup: id, Total: total}, start: now, last: now}
}

// object reports that object name is being worked on.
func (m *meter) object(name string) {
	m.p.Object = name
	m.report()
}

// add counts n more bytes.
func (m *meter) add(n int) {
	m.p.Done += int64(n)
	if time.Since(m.last) >= progressEvery {
		m.report()
	}
}

// finish makes the final report.
func (m *meter) finish() {
	m.p.Final = true
	m.report()
}

func (m *meter) report() {
	if m.fn == nil {
		return
	}
	m.last = time.Now()
	m.p.Elapsed = m.last.Sub(m.start)
	m.fn(m.p)
}
