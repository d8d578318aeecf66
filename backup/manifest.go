package backup

import (
	"time"
)

// FormatVersion is the backup format this avrdata writes; Restore reads
// this one and every earlier one.
const FormatVersion = 1

// manifestName is the object, under the backup's id, that makes a backup
// complete. It is written last.
const manifestName = "manifest.json"

// Manifest describes a complete backup: what it holds, and what is needed
// to check and decrypt it. It holds no secret: the backup key in it is
// wrapped under a key derived from ENCRYPTION_KEY.
type Manifest struct {
	Format        int       `json:"format"`
	ID            string    `json:"backup_id"`
	SchemaVersion int64     `json:"schema_version"`
	Created       time.Time `json:"created_at"`  // when the backup started
	Snapshot      time.Time `json:"snapshot_at"` // the database time of the snapshot
	Finished      time.Time `json:"finished_at"` // when the last object was stored
	RetentionDays int       `json:"retention_days"`
	Tables        []Table   `json:"tables"`
	Bytes         int64     `json:"bytes"`      // stored (encrypted) bytes of all objects
	DataBytes     int64     `json:"data_bytes"` // the same before encryption

	// WrappedKeys are two independent wrappings of the backup key by
	// crypto.Keyring.WrapBackupKey. Each carries the root key's check
	// value: a wrong ENCRYPTION_KEY fails both checks alike, while damage
	// to the manifest fails at most one, so the two are told apart.
	WrappedKeys [][]byte `json:"wrapped_keys"`
}

// Table is one table of the snapshot, stored as one or more objects that
// together hold its rows in PostgreSQL's binary COPY format.
type Table struct {
	Name    string   `json:"name"`
	Columns []string `json:"columns"`
	Rows    int64    `json:"rows"`
	Objects []Object `json:"objects"`
}

// Object is one stored object of a table.
type Object struct {
	Name      string `json:"name"`       // within the backup: "records.0000"
	Size      int64  `json:"size"`       // stored (encrypted) bytes
	SHA256    string `json:"sha256"`     // of the stored bytes, hex
	DataBytes int64  `json:"data_bytes"` // bytes before encryption
}

// Rows returns the row count of table name, or 0 when the backup has no
// such table.
func (m Manifest) Rows(name string) int64 {
	for _, t := range m.Tables {
		if t.Name == name {
			return t.Rows
		}
	}
	return 0
}

// Objects returns every object of the backup, table by table.
func (m Manifest) Objects() []Object {
	var out []Object
	for _, t := range m.Tables {
		out = append(out, t.Objects...)
	}
	return out
}

// objectPath is where object name of backup id is stored.
func objectPath(id, name string) string {
	return id + "/" + name
}
