package crypto

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"strings"
)

const (
	rootKeySize = 32
	redacted    = "REDACTED"
	keygenHint  = `run "avrdata keygen" to make one`
)

// RootKey is the root secret, ENCRYPTION_KEY, from which every other
// key is derived. It prints, formats and logs as "RootKey(REDACTED)",
// so that a stray %v or slog attribute cannot leak it. The zero value
// is not a key: Open refuses it with ErrBadKey.
type RootKey struct {
	// key is behind a pointer so that even fmt's printing of an enclosing
	// struct's unexported fields, which skips String, shows an address.
	key      *[rootKeySize]byte
	variable string // where the key came from, for error messages
}

// ParseRootKey decodes value, read from the environment variable named
// variable, as a root key: 32 bytes in base64, standard or URL
// alphabet, padded or not, surrounding whitespace ignored. It returns a
// *KeyError wrapping ErrBadKey when the value is empty, not base64, of
// another length, or weak (every byte the same); the error names
// variable and never contains the value.
func ParseRootKey(variable, value string) (RootKey, error) {
	key, problem := decodeRootKey(value)
	if problem != "" {
		return RootKey{}, badKey(variable, problem)
	}

	return RootKey{key: (*[rootKeySize]byte)(key), variable: variable}, nil
}

// LoadRootKey reads the root key from variable (e.g. "ENCRYPTION_KEY")
// through getenv, or from the file named by variable+"_FILE" through
// readFile (e.g. os.ReadFile), for Docker secrets. found reports
// whether either variable is set; when neither is, err is nil and the
// caller decides whether the key is required. When both are set, or the
// file cannot be read, is empty or holds a bad key, it returns a
// *KeyError wrapping ErrBadKey that names the variable and the file's
// path.
func LoadRootKey(
	getenv func(string) string,
	readFile func(string) ([]byte, error),
	variable string,
) (key RootKey, found bool, err error) {
	fileVariable := variable + "_FILE"
	value, path := getenv(variable), getenv(fileVariable)

	switch {
	case value != "" && path != "":
		return RootKey{}, true, &KeyError{
			Variable: variable,
			Problem:  "is set together with " + fileVariable,
			Hint:     "unset one of them",
			Err:      ErrBadKey,
		}
	case path != "":
		key, err = loadRootKeyFile(readFile, fileVariable, path)
		return key, true, err
	case value != "":
		key, err = ParseRootKey(variable, value)
		return key, true, err
	}
	return RootKey{}, false, nil
}

// loadRootKeyFile reads and parses the key file at path. The path is
// not secret and goes into errors; the file's content never does.
func loadRootKeyFile(
	readFile func(string) ([]byte, error),
	variable, path string,
) (RootKey, error) {
	data, err := readFile(path)
	if err != nil {
		return RootKey{}, &KeyError{
			Variable: variable,
			Problem:  "read " + path + ": " + readProblem(err),
			Hint:     "point it at a readable file holding the key",
			Err:      errors.Join(ErrBadKey, err),
		}
	}
	defer clear(data)

	key, problem := decodeRootKey(string(data))
	if problem != "" {
		return RootKey{}, badKey(variable, "file "+path+" "+problem)
	}
	return RootKey{key: (*[rootKeySize]byte)(key), variable: variable}, nil
}

// readProblem describes a read error without repeating the path that a
// *fs.PathError carries.
func readProblem(err error) string {
	var pathErr *fs.PathError
	if errors.As(err, &pathErr) {
		return pathErr.Err.Error()
	}
	return err.Error()
}

// GenerateRootKey returns a new root key: 32 bytes from crypto/rand in
// padded standard base64, ready for ENCRYPTION_KEY. Its error is
// reserved for a failing random source.
func GenerateRootKey() (string, error) {
	key := make([]byte, rootKeySize)
	if _, err := rand.Read(key); err != nil {
		return "", fmt.Errorf("generate root key: %w", err)
	}
	defer clear(key)

	return base64.StdEncoding.EncodeToString(key), nil
}

// decodeRootKey returns the key that value encodes, or a problem phrase
// that describes what is wrong without quoting value.
func decodeRootKey(value string) ([]byte, string) {
	text := strings.TrimSpace(value)
	if text == "" {
		return nil, "is empty"
	}

	key, ok := decodeBase64(text)
	if !ok {
		return nil, "is not valid base64"
	}

	if len(key) != rootKeySize {
		clear(key)
		return nil, fmt.Sprintf("decodes to %d bytes, want %d",
			len(key), rootKeySize)
	}

	// A key of one repeated byte is a placeholder, not a random secret.
	if bytes.Count(key, key[:1]) == len(key) {
		clear(key)
		return nil, "is weak: all its bytes are equal"
	}
	return key, ""
}

// decodeBase64 accepts the four common spellings of base64.
func decodeBase64(text string) ([]byte, bool) {
	encodings := []*base64.Encoding{
		base64.StdEncoding, base64.RawStdEncoding,
		base64.URLEncoding, base64.RawURLEncoding,
	}
	for _, enc := range encodings {
		if key, err := enc.DecodeString(text); err == nil {
			return key, true
		}
	}
	return nil, false
}

func badKey(variable, problem string) *KeyError {
	return &KeyError{
		Variable: variable,
		Problem:  problem,
		Hint:     keygenHint,
		Err:      ErrBadKey,
	}
}

// String returns "RootKey(REDACTED)".
func (RootKey) String() string { return "RootKey(" + redacted + ")" }

// GoString returns "RootKey(REDACTED)", for %#v.
func (k RootKey) GoString() string { return k.String() }

// Format prints "RootKey(REDACTED)" for every verb, %x and %d included.
func (k RootKey) Format(f fmt.State, _ rune) { io.WriteString(f, k.String()) }

// LogValue returns "REDACTED", so that slog never records the key.
func (RootKey) LogValue() slog.Value { return slog.StringValue(redacted) }
