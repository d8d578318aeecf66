package main

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/avrdata/avrdata/internal/pglock"
)

// lockLinger is how long, at least, a run holds its job's lock from its
// start (a quarter of the interval when that is shorter): a daemon whose
// tick fires a little late then finds the job taken rather than running it
// a second time in the same interval.
const lockLinger = 30 * time.Second

// job is a periodic task of the daemon.
type job struct {
	name     string        // also the name of its advisory lock
	interval time.Duration // runs at multiples of it on the wall clock
	atStart  bool          // runs once when the daemon starts, too
	run      func(ctx context.Context) error
}

// scheduler runs jobs so that several daemons on one database run each
// once per interval. Ticks fall on multiples of the interval (as cron's
// do), so the daemons try at the same moments, and each run takes the
// job's PostgreSQL advisory lock first: the daemon that gets it runs the
// job; the others skip that tick.
type scheduler struct {
	pool *pgxpool.Pool
	log  *slog.Logger
}

// run runs jobs until ctx is cancelled, then waits for the runs under way,
// which see the cancellation and stop at a safe point.
func (s *scheduler) run(ctx context.Context, jobs []job) {
	var wg sync.WaitGroup
	for _, j := range jobs {
		wg.Go(func() { s.loop(ctx, j) })
	}
	wg.Wait()
}

func (s *scheduler) loop(ctx context.Context, j job) {
	if j.atStart {
		s.once(ctx, j)
	}
	for {
		timer := time.NewTimer(time.Until(nextTick(time.Now(), j.interval)))
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-timer.C:
		}
		s.once(ctx, j)
	}
}

// nextTick returns the first multiple of interval after now.
func nextTick(now time.Time, interval time.Duration) time.Time {
	return now.Truncate(interval).Add(interval)
}

// once runs j under its lock, unless another daemon holds it. Failures are
// logged here, where they end: the job runs again at the next tick.
func (s *scheduler) once(ctx context.Context, j job) {
	log := s.log.With("job", j.name)
	unlock, ok, err := pglock.TryLock(ctx, s.pool, j.name)
	switch {
	case err != nil && ctx.Err() == nil:
		log.Error("job not run: cannot take its lock", "error", err)
		return
	case err != nil:
		return
	case !ok:
		log.Info("job skipped: another daemon took it")
		return
	}
	defer unlock()

	start := time.Now()
	err = j.run(ctx)
	switch {
	case err != nil && ctx.Err() != nil:
		log.Info("job interrupted by shutdown", "error", err)
	case err != nil:
		log.Error("job failed", "error", err)
	}
	linger(ctx, min(lockLinger, j.interval/4)-time.Since(start))
}

// linger waits for d, or until ctx is cancelled.
func linger(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
