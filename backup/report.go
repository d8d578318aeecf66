package backup

import (
	"errors"
	"time"

	"github.com/avrdata/avrdata/store"
)

// Report is what Restore did and found. Restored counts are those of the
// manifest less what was left out.
type Report struct {
	Backup        string    `json:"backup_id"`
	Created       time.Time `json:"backup_created_at"`
	SchemaVersion int64     `json:"schema_version"`
	Database      string    `json:"database,omitempty"` // the drill's scratch database

	// StaleDropped names the scratch databases of earlier drills that did
	// not finish (killed, disconnected), which the drill dropped.
	StaleDropped []string `json:"stale_dropped,omitempty"`

	Tables  []TableReport `json:"tables"`
	Objects int           `json:"objects"` // objects read and checked
	Bytes   int64         `json:"bytes"`   // stored bytes read

	ExpiredRecords int64 `json:"expired_records"` // past retention at restore time
	ExpiredCalls   int64 `json:"expired_calls"`   // old calls left without records
	ErasedCalls    int64 `json:"erased_calls"`    // erased after the backup (tombstones)
	ErasedRecords  int64 `json:"erased_records"`
	Tombstones     int   `json:"tombstones"` // tombstones newer than the backup

	// ResealedFromPrevious is set when the backup was made under the
	// previous root key and its restored keysets were re-sealed under the
	// current one.
	ResealedFromPrevious bool `json:"resealed_from_previous"`

	Verified *Verified     `json:"verified,omitempty"` // with Verify
	Failures []Failure     `json:"failures"`
	Duration time.Duration `json:"-"`

	started time.Time
}

// OK reports whether the restore succeeded and everything verified.
func (r Report) OK() bool { return len(r.Failures) == 0 }

// Verified counts what the store decrypted after the restore.
type Verified struct {
	Records int64 `json:"records"`
	Bytes   int64 `json:"bytes"` // plaintext
	Calls   int64 `json:"calls"` // call metadata and hold reasons
}

// TableReport counts the rows of one table.
type TableReport struct {
	Name    string `json:"name"`
	Rows    int64  `json:"rows"`    // in the manifest, checked while loading
	Skipped int64  `json:"skipped"` // left out: expired or erased
}

// Failure names one thing that did not restore or verify.
type Failure struct {
	Kind  string `json:"kind"` // object, table, recording, transcript, call, hold, restore
	Name  string `json:"name"`
	Error string `json:"error"`
}

// failureOf describes err as a Failure, naming the object when it is one.
func failureOf(err error) Failure {
	var oe *ObjectError
	if errors.As(err, &oe) {
		return Failure{Kind: "object", Name: oe.Name, Error: err.Error()}
	}
	var te *TableError
	if errors.As(err, &te) {
		return Failure{Kind: "table", Name: te.Table, Error: err.Error()}
	}
	return Failure{Kind: "restore", Error: err.Error()}
}

func restoreEvent(rep Report, err error) store.Event {
	return store.Event{Action: "restore", Outcome: outcome(err), Count: rep.restoredRecords(),
		Detail: map[string]any{
			"backup_id":       rep.Backup,
			"bytes":           rep.Bytes,
			"objects":         rep.Objects,
			"expired_records": rep.ExpiredRecords,
			"erased_calls":    rep.ErasedCalls,
			"verified":        rep.Verified != nil,
			"resealed":        rep.ResealedFromPrevious,
			"failures":        len(rep.Failures),
			"duration_ms":     rep.Duration.Milliseconds(),
		}}
}

// restoredRecords is the number of records in the restored store.
func (r Report) restoredRecords() int64 {
	for _, t := range r.Tables {
		if t.Name == "records" {
			return t.Rows - t.Skipped
		}
	}
	return 0
}
