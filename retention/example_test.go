package retention_test

import (
	"fmt"
	"time"

	"github.com/avrdata/avrdata/retention"
	"github.com/avrdata/avrdata/store"
)

func ExampleDecide() {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	records := []store.Record{
		{ID: "rec-1", CallID: "call-a", CreatedAt: now.AddDate(0, 0, -45)},
		{ID: "rec-2", CallID: "call-b", CreatedAt: now.AddDate(0, 0, -60), Held: true},
		{ID: "rec-3", CallID: "call-c", CreatedAt: now.AddDate(0, 0, -2)},
	}

	d := retention.Decide(records, retention.Days(30), now)
	for _, v := range d.Purge {
		fmt.Println("purge", v.Record.ID, v.Reason)
	}
	for _, v := range d.Keep {
		fmt.Println("keep ", v.Record.ID, v.Reason)
	}
	// Output:
	// purge rec-1 expired 15d ago
	// keep  rec-2 legal hold, expired 30d ago
	// keep  rec-3 within retention, expires in 28d
}
