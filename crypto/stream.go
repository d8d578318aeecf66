package crypto

import (
	"fmt"
	"io"

	"github.com/tink-crypto/tink-go/v2/streamingaead/subtle"
)

// SegmentSize is the size of a stream's ciphertext segments. A stream is
// a 40-byte header, then segments that each end in a 16-byte tag: the
// first SegmentSize-40 bytes long, so that it fills SegmentSize with the
// header, the others SegmentSize long, the last one possibly shorter.
const SegmentSize = 1 << 20

// newStreamAEAD returns Tink's AES-256-GCM-HKDF streaming AEAD. Each
// stream derives its own AES key from key and a random salt, so one key
// may encrypt many streams; each segment's nonce carries its index and
// a last-segment flag, so reordering and truncation fail to decrypt.
func newStreamAEAD(key []byte) (*subtle.AESGCMHKDF, error) {
	return subtle.NewAESGCMHKDF(key, "SHA256", 32, SegmentSize, 0)
}

// NewStreamWriter returns a writer that encrypts a recording for ref
// into dst, and the data key wrapped by the primary key, to be stored
// beside the ciphertext and given to NewStreamReader. It writes the
// header to dst at once. It holds about two segments in memory whatever
// the size. Close writes the last segment and must succeed for the
// stream to be whole; it does not close dst. After an error every call
// returns it again, and the partial ciphertext must be discarded.
func (k *Keyring) NewStreamWriter(
	dst io.Writer,
	ref Ref,
) (w io.WriteCloser, wrappedKey []byte, err error) {
	key := newDataKey()
	defer clear(key)

	wrappedKey, err = k.wrapDataKey(ref, formatStream, key)
	if err != nil {
		return nil, nil, fmt.Errorf("write %s: %w", ref, err)
	}

	w, err = newStreamWriter(dst, key, ref)
	if err != nil {
		return nil, nil, err
	}
	return w, wrappedKey, nil
}

// NewStreamReader returns a reader of the plaintext of the recording
// that NewStreamWriter encrypted for ref. It returns io.EOF only after
// the last segment authenticated. A wrapped key, header or segment that
// was modified, reordered, cut short or taken from another record makes
// NewStreamReader or a Read return an *IntegrityError naming ref; an
// error of src comes back wrapped instead. Every Read after an error
// returns it again. Plaintext already returned before an error was
// authenticated, but is not the whole recording.
func (k *Keyring) NewStreamReader(src io.Reader, ref Ref, wrappedKey []byte) (io.Reader, error) {
	key, err := k.unwrapDataKey(ref, formatStream, wrappedKey)
	if err != nil {
		return nil, err
	}
	defer clear(key)

	return newStreamReader(src, key, ref)
}

func newStreamWriter(dst io.Writer, key []byte, ref Ref) (io.WriteCloser, error) {
	s, err := newStreamAEAD(key)
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", ref, err)
	}

	w, err := s.NewEncryptingWriter(dst, associatedData(ref, useStream))
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", ref, err)
	}
	return &streamWriter{w: w, ref: ref}, nil
}

func newStreamReader(src io.Reader, key []byte, ref Ref) (io.Reader, error) {
	s, err := newStreamAEAD(key)
	if err != nil {
		return nil, integrityError(ref)
	}

	in := &sourceReader{r: src}
	r, err := s.NewDecryptingReader(in, associatedData(ref, useStream))
	if err != nil {
		return nil, in.failure(ref)
	}
	return &streamReader{r: r, in: in, ref: ref}, nil
}

// streamWriter makes the first error sticky: Tink's writer is left in an
// undefined state by a failed write.
type streamWriter struct {
	w   io.WriteCloser
	ref Ref
	err error
}

func (s *streamWriter) Write(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}

	n, err := s.w.Write(p)
	if err != nil {
		s.err = fmt.Errorf("write %s: %w", s.ref, err)
	}
	return n, s.err
}

func (s *streamWriter) Close() error {
	if s.err != nil {
		return s.err
	}

	if err := s.w.Close(); err != nil {
		s.err = fmt.Errorf("write %s: %w", s.ref, err)
	}
	return s.err
}

// streamReader turns every decryption failure into one sticky
// *IntegrityError, so that no caller can read on past damage.
type streamReader struct {
	r   io.Reader
	in  *sourceReader
	ref Ref
	err error
}

func (s *streamReader) Read(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}

	n, err := s.r.Read(p)
	switch {
	case err == nil:
		return n, nil
	case err == io.EOF:
		s.err = io.EOF
		return n, io.EOF
	default:
		s.err = s.in.failure(s.ref)
	}
	return 0, s.err
}

// sourceReader remembers an error of the underlying reader, so that a
// failing disk or database is reported as such and not as tampering.
type sourceReader struct {
	r   io.Reader
	err error
}

func (s *sourceReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err != nil && err != io.EOF && s.err == nil {
		s.err = err
	}
	return n, err
}

// failure returns the error of a stream that failed to decrypt.
func (s *sourceReader) failure(ref Ref) error {
	if s.err != nil {
		return fmt.Errorf("read %s: %w", ref, s.err)
	}
	return integrityError(ref)
}
