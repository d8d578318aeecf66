package retention

import (
	"context"
	"time"
)

// batch carries out decision d: it deletes its purge list in one
// transaction (none in a dry run) and returns what the batch did.
//
// The deletion runs on a context that outlives ctx's cancellation, within
// batchTimeout, so a shutdown finishes the batch rather than tearing it
// down; the transaction makes it whole or nothing either way.
func (p *Purger) batch(ctx context.Context, d Decision, cutoff time.Time,
	dry bool) (Report, error) {
	b := Report{Held: heldCount(d.Keep)}
	ids := make([]string, 0, len(d.Purge))
	for _, v := range d.Purge {
		p.notify(v)
		ids = append(ids, v.Record.ID)
		if dry {
			b.Records, b.Bytes = b.Records+1, b.Bytes+v.Record.Size
		}
	}
	if dry || len(ids) == 0 {
		return b, nil
	}

	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), batchTimeout)
	defer cancel()
	del, err := p.store.Purge(dctx, ids, cutoff)
	if err != nil {
		return b, err
	}
	b.Records, b.Bytes, b.Calls = del.Records, del.Bytes, del.Calls
	b.Skipped = int64(len(ids)) - del.Records
	p.log.Debug("purge batch", "records", b.Records, "bytes", b.Bytes,
		"calls", b.Calls, "held", b.Held, "skipped", b.Skipped)
	return b, nil
}

// notify logs v and hands it to Options.OnPurge.
func (p *Purger) notify(v Verdict) {
	p.log.Debug("purge record", "record", v.Record.ID, "kind", string(v.Record.Kind),
		"call", v.Record.CallID, "reason", v.Reason)
	if p.opts.OnPurge != nil {
		p.opts.OnPurge(v)
	}
}

func heldCount(keep []Verdict) int64 {
	var n int64
	for _, v := range keep {
		if v.Record.Held {
			n++
		}
	}
	return n
}

// emptyCalls removes the calls created before the cutoff that have no
// records left and are not held (a call's metadata is personal data too).
// The store deletes them a bounded number at a time.
func (p *Purger) emptyCalls(ctx context.Context, rep *Report) error {
	for {
		n, err := p.store.PurgeEmptyCalls(ctx, rep.Cutoff)
		rep.Calls += n
		if err != nil || n == 0 {
			return err
		}
	}
}
