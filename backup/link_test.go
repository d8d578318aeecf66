package backup_test

import (
	"context"
	"io"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/avrdata/avrdata/backup"
)

// linkDest returns dest as seen over a link of AVRDATA_BENCH_LINK_MBPS
// megabytes a second each way, or dest itself when that is unset. On
// loopback the S3 server answers faster than any network would; a link
// of, say, 125 MB/s (1 Gbit/s) shows what a backup and a restore cost
// when the network, not the machine, is the limit.
func linkDest(dest backup.Destination) backup.Destination {
	rate := linkRate()
	if rate == 0 {
		return dest
	}
	return &link{Destination: dest, rate: rate}
}

// linkSource returns r as received over the link of linkDest, or r
// itself when there is none.
func linkSource(r io.Reader) io.Reader {
	rate := linkRate()
	if rate == 0 {
		return r
	}
	return newLinkReader(r, newPace(rate), nil)
}

// linkRate is AVRDATA_BENCH_LINK_MBPS in bytes a second; 0 when unset.
func linkRate() float64 {
	mbps, err := strconv.ParseFloat(os.Getenv("AVRDATA_BENCH_LINK_MBPS"), 64)
	if err != nil || mbps <= 0 {
		return 0
	}
	return mbps * 1e6
}

// A link holds up to linkWindow bytes in flight, as a TCP connection's
// socket buffers do: a sender writes that far ahead of the link, and a
// receiver that is busy finds that much waiting when it reads again.
const (
	linkWindow = 4 << 20
	linkChunk  = 64 << 10
)

// link carries the bytes of each Put and Get at rate bytes a second.
type link struct {
	backup.Destination
	rate float64
}

// Put lets the caller's bytes leave at the link's rate, from a window
// the caller fills as fast as it can.
func (l *link) Put(ctx context.Context, name string, r io.Reader) error {
	lr := newLinkReader(r, nil, newPace(l.rate))
	defer lr.Close()
	return l.Destination.Put(ctx, name, lr)
}

// Get lets the object's bytes arrive at the link's rate into a window
// the caller drains as fast as it can.
func (l *link) Get(ctx context.Context, name string) (io.ReadCloser, error) {
	rc, err := l.Destination.Get(ctx, name)
	if err != nil {
		return nil, err
	}
	lr := newLinkReader(rc, newPace(l.rate), nil)
	return struct {
		io.Reader
		io.Closer
	}{lr, closers{lr, rc}}, nil
}

type closers []io.Closer

func (cs closers) Close() error {
	for _, c := range cs {
		c.Close()
	}
	return nil
}

// linkReader moves bytes from r through a window of linkWindow bytes;
// in paces filling it, out paces draining it.
type linkReader struct {
	chunks chan linkChunkRead
	done   chan struct{}
	once   sync.Once
	out    *pace
	cur    []byte
	err    error
}

type linkChunkRead struct {
	data []byte
	err  error
}

func newLinkReader(r io.Reader, in, out *pace) *linkReader {
	l := &linkReader{chunks: make(chan linkChunkRead, linkWindow/linkChunk),
		done: make(chan struct{}), out: out}
	go l.fill(r, in)
	return l
}

func (l *linkReader) fill(r io.Reader, in *pace) {
	for {
		buf := make([]byte, linkChunk)
		n, err := r.Read(buf)
		in.wait(n)
		select {
		case l.chunks <- linkChunkRead{buf[:n], err}:
		case <-l.done:
			return
		}
		if err != nil {
			return
		}
	}
}

func (l *linkReader) Read(p []byte) (int, error) {
	for len(l.cur) == 0 && l.err == nil {
		c := <-l.chunks
		l.out.wait(len(c.data))
		l.cur, l.err = c.data, c.err
	}
	n := copy(p, l.cur)
	l.cur = l.cur[n:]
	if n > 0 {
		return n, nil
	}
	return 0, l.err
}

func (l *linkReader) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

// pace lets bytes through at rate bytes a second on average, from its
// first bytes on; a nil pace lets them through at once.
type pace struct {
	rate  float64
	start time.Time
	n     int64
}

func newPace(rate float64) *pace { return &pace{rate: rate} }

// wait counts n more bytes and sleeps until the rate allows them.
func (p *pace) wait(n int) {
	if p == nil {
		return
	}
	if p.start.IsZero() {
		p.start = time.Now()
	}
	p.n += int64(n)
	time.Sleep(time.Until(p.start.Add(time.Duration(float64(p.n) / p.rate * float64(time.Second)))))
}
