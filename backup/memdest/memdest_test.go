package memdest_test

import (
	"testing"

	"github.com/avrdata/avrdata/backup/backuptest"
	"github.com/avrdata/avrdata/backup/memdest"
)

func TestConformance(t *testing.T) {
	backuptest.Conformance(t, memdest.New(), 0)
}
