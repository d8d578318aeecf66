package crypto_test

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/avrdata/avrdata/crypto"
)

// The streaming benchmarks compare the stream format with the standard
// library's AES-256-GCM over the same payload in segments of the same
// size, both reading their input from an io.Reader into a 1 MiB buffer,
// as a recording arrives from a file or the database. The difference is
// the cost of the stream format, not of the cipher.
const benchPayload = 64 << 20

var benchData = sync.OnceValue(func() []byte { return pattern(benchPayload) })

// An op makes one pass over the payload; its constructor does the setup.
type op func()

func BenchmarkStreamEncrypt(b *testing.B) { run(b, streamEncrypt(b)) }
func BenchmarkStreamDecrypt(b *testing.B) { run(b, streamDecrypt(b)) }
func BenchmarkGCMEncrypt(b *testing.B)    { run(b, gcmEncrypt(b)) }
func BenchmarkGCMDecrypt(b *testing.B)    { run(b, gcmDecrypt(b)) }

func run(b *testing.B, pass op) {
	b.SetBytes(benchPayload)
	for b.Loop() {
		pass()
	}
}

// BenchmarkStreamRatio times the streaming and the plain GCM passes in
// turn, five rounds, so that both see the same machine load, and
// reports the stream's throughput as a fraction of GCM's, from the best
// pass of each (goal: at least 0.7).
func BenchmarkStreamRatio(b *testing.B) {
	encStream, encGCM := streamEncrypt(b), gcmEncrypt(b)
	decStream, decGCM := streamDecrypt(b), gcmDecrypt(b)

	var enc, dec [2]time.Duration
	for range 15 {
		enc[0] = fastest(enc[0], encStream)
		enc[1] = fastest(enc[1], encGCM)
		dec[0] = fastest(dec[0], decStream)
		dec[1] = fastest(dec[1], decGCM)
	}

	b.ReportMetric(0, "ns/op")
	b.ReportMetric(float64(enc[1])/float64(enc[0]), "enc-ratio")
	b.ReportMetric(float64(dec[1])/float64(dec[0]), "dec-ratio")
}

// fastest times one pass and returns the shorter of it and best.
func fastest(best time.Duration, pass op) time.Duration {
	start := time.Now()
	pass()
	d := time.Since(start)

	if best == 0 || d < best {
		return d
	}
	return best
}

func streamEncrypt(b *testing.B) op {
	k, _ := newKeyring(b)
	buf := make([]byte, crypto.SegmentSize)

	return func() {
		w, _, err := k.NewStreamWriter(io.Discard, recording)
		if err != nil {
			b.Fatal(err)
		}
		src := bytes.NewReader(benchData())
		for {
			n, _ := io.ReadFull(src, buf)
			if n == 0 {
				break
			}
			w.Write(buf[:n])
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

func streamDecrypt(b *testing.B) op {
	k, _ := newKeyring(b)
	ciphertext, wrapped := encryptStream(b, k, recording, benchData())
	buf := make([]byte, crypto.SegmentSize)

	return func() {
		r, err := k.NewStreamReader(bytes.NewReader(ciphertext), recording, wrapped)
		if err != nil {
			b.Fatal(err)
		}
		for err == nil {
			_, err = r.Read(buf)
		}
		if err != io.EOF {
			b.Fatal(err)
		}
	}
}

func newGCM(b *testing.B) cipher.AEAD {
	block, err := aes.NewCipher(make([]byte, 32))
	if err != nil {
		b.Fatal(err)
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		b.Fatal(err)
	}
	return gcm
}

func gcmEncrypt(b *testing.B) op {
	gcm := newGCM(b)
	nonce := make([]byte, gcm.NonceSize())
	segment := make([]byte, segmentPlain)
	dst := make([]byte, 0, crypto.SegmentSize)

	return func() {
		src := bytes.NewReader(benchData())
		for i := 0; ; i++ {
			n, _ := io.ReadFull(src, segment)
			if n == 0 {
				break
			}
			binary.BigEndian.PutUint32(nonce, uint32(i))
			dst = gcm.Seal(dst[:0], nonce, segment[:n], nil)
		}
	}
}

func gcmDecrypt(b *testing.B) op {
	gcm := newGCM(b)
	nonce := make([]byte, gcm.NonceSize())
	segment := make([]byte, crypto.SegmentSize)
	dst := make([]byte, 0, crypto.SegmentSize)

	var ciphertext []byte
	i := uint32(0)
	for chunk := range slices(benchData(), segmentPlain) {
		binary.BigEndian.PutUint32(nonce, i)
		ciphertext = gcm.Seal(ciphertext, nonce, chunk, nil)
		i++
	}

	return func() {
		src := bytes.NewReader(ciphertext)
		for i := uint32(0); ; i++ {
			n, _ := io.ReadFull(src, segment)
			if n == 0 {
				break
			}

			binary.BigEndian.PutUint32(nonce, i)
			var err error
			if dst, err = gcm.Open(dst[:0], nonce, segment[:n], nil); err != nil {
				b.Fatal(err)
			}
		}
	}
}
