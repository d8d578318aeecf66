package backup

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
)

// copySignature starts PostgreSQL's binary COPY format.
const copySignature = "PGCOPY\n\xff\r\n\x00"

// maxField bounds one field of a filtered row: PostgreSQL's own limit.
const maxField = 1 << 30

// readPiece is how much of a field is read at a time.
const readPiece = 1 << 20

// errCopyFormat means a decrypted table is not in binary COPY format.
var errCopyFormat = errors.New("not a binary COPY stream")

// rowFilter passes a binary COPY stream through, leaving out the rows
// whose field col is one of the 16-byte keys in drop (the chunks of
// records a restore leaves out). It holds one row at a time.
type rowFilter struct {
	src     *bufio.Reader
	col     int
	drop    map[[16]byte]bool
	started bool
	row     []byte // the row being passed on
	out     []byte // what is left of it to return
	skipped int64
	err     error
}

func newRowFilter(src io.Reader, col int, drop map[[16]byte]bool) *rowFilter {
	return &rowFilter{src: bufio.NewReaderSize(src, 256<<10), col: col, drop: drop}
}

func (f *rowFilter) Read(p []byte) (int, error) {
	for len(f.out) == 0 && f.err == nil {
		f.err = f.next()
	}
	if len(f.out) > 0 {
		n := copy(p, f.out)
		f.out = f.out[n:]
		return n, nil
	}
	return 0, f.err
}

// next reads the header or one row and queues what passes.
func (f *rowFilter) next() error {
	if !f.started {
		f.started = true
		return f.header()
	}

	var count [2]byte
	if _, err := io.ReadFull(f.src, count[:]); err != nil {
		return formatError(err)
	}
	fields := int16(binary.BigEndian.Uint16(count[:]))
	if fields == -1 {
		f.out = count[:]
		return f.drain()
	}

	f.row = append(f.row[:0], count[:]...)
	key, err := f.readFields(int(fields))
	if err != nil {
		return err
	}
	if len(key) == 16 && f.drop[[16]byte(key)] {
		f.skipped++
		return nil
	}
	f.out = f.row
	return nil
}

// header passes the signature, flags and header extension on.
func (f *rowFilter) header() error {
	head := make([]byte, len(copySignature)+8)
	if _, err := io.ReadFull(f.src, head); err != nil {
		return formatError(err)
	}
	if string(head[:len(copySignature)]) != copySignature {
		return errCopyFormat
	}
	ext := binary.BigEndian.Uint32(head[len(head)-4:])
	f.row = append(f.row[:0], head...)
	if err := f.readN(int64(ext)); err != nil {
		return err
	}
	f.out = f.row
	return nil
}

// readFields appends the row's fields to f.row and returns field col.
func (f *rowFilter) readFields(fields int) ([]byte, error) {
	var keyAt, keyLen int
	for i := range fields {
		var size [4]byte
		if _, err := io.ReadFull(f.src, size[:]); err != nil {
			return nil, formatError(err)
		}
		f.row = append(f.row, size[:]...)
		n := int32(binary.BigEndian.Uint32(size[:]))
		if n < 0 {
			continue // NULL
		}
		if i == f.col {
			keyAt, keyLen = len(f.row), int(n)
		}
		if err := f.readN(int64(n)); err != nil {
			return nil, err
		}
	}
	return f.row[keyAt : keyAt+keyLen], nil
}

// readN appends the next n bytes of the source to f.row, a piece at a
// time, so that a damaged length never allocates more than is there.
func (f *rowFilter) readN(n int64) error {
	if n > maxField {
		return fmt.Errorf("%w: field of %d bytes", errCopyFormat, n)
	}
	for n > 0 {
		k := int(min(n, readPiece))
		start := len(f.row)
		f.row = slices.Grow(f.row, k)[:start+k]
		if _, err := io.ReadFull(f.src, f.row[start:]); err != nil {
			return formatError(err)
		}
		n -= int64(k)
	}
	return nil
}

// drain reads the source to its end after the trailer, so that the last
// object is checked, and then ends the stream.
func (f *rowFilter) drain() error {
	n, err := io.Copy(io.Discard, f.src)
	switch {
	case err != nil:
		return err
	case n > 0:
		return fmt.Errorf("%w: %d bytes after the end", errCopyFormat, n)
	}
	return io.EOF
}

// formatError turns a stream that ended early into errCopyFormat, and
// keeps the errors of the source (a damaged object) as they are.
func formatError(err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return fmt.Errorf("%w: cut short", errCopyFormat)
	}
	return err
}
