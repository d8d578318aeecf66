package crypto_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/avrdata/avrdata/crypto"
)

// keyBytes has bytes that base64 spells differently in the standard and
// URL alphabets.
var keyBytes = []byte{
	0xfb, 0xff, 0xbf, 0xfe, 0x3e, 0x3f, 0xf8, 0x00,
	0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
	0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10,
	0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18,
}

func TestParseRootKeyGood(t *testing.T) {
	store := &crypto.MemoryKeysetStore{}
	canonical, err := crypto.ParseRootKey("ENCRYPTION_KEY", base64.StdEncoding.EncodeToString(keyBytes))
	if err != nil {
		t.Fatalf("ParseRootKey: got error %v, want nil", err)
	}
	openKeyring(t, canonical, store)

	tests := []struct {
		name  string
		value string
	}{
		{"standard padded", base64.StdEncoding.EncodeToString(keyBytes)},
		{"standard unpadded", base64.RawStdEncoding.EncodeToString(keyBytes)},
		{"url padded", base64.URLEncoding.EncodeToString(keyBytes)},
		{"url unpadded", base64.RawURLEncoding.EncodeToString(keyBytes)},
		{"trailing newline", base64.StdEncoding.EncodeToString(keyBytes) + "\n"},
		{"surrounding spaces", "  " + base64.StdEncoding.EncodeToString(keyBytes) + " \r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root, err := crypto.ParseRootKey("ENCRYPTION_KEY", tt.value)
			if err != nil {
				t.Fatalf("got error %v, want nil", err)
			}

			// The same key opens the store; any other would be refused.
			if _, err := crypto.Open(context.Background(), root, store); err != nil {
				t.Fatalf("Open: got error %v, want nil", err)
			}
		})
	}
}

func TestParseRootKeyBad(t *testing.T) {
	const weak = "is weak: all its bytes are equal"
	tests := []struct {
		name    string
		value   string
		problem string
	}{
		{"empty", "", "is empty"},
		{"blank", " \n", "is empty"},
		{"16 bytes", base64.StdEncoding.EncodeToString(keyBytes[:16]), "decodes to 16 bytes, want 32"},
		{"33 bytes", base64.StdEncoding.EncodeToString(append(keyBytes, 1)), "decodes to 33 bytes, want 32"},
		{"hex, not base64", fmt.Sprintf("%x", keyBytes), "decodes to 48 bytes, want 32"},
		{"not base64", "this is not base64 at all!!", "is not valid base64"},
		{"mixed alphabets", "+_" + base64.RawStdEncoding.EncodeToString(keyBytes)[2:], "is not valid base64"},
		{"all zero", base64.StdEncoding.EncodeToString(make([]byte, 32)), weak},
		{"all 0xff", base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0xff}, 32)), weak},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := crypto.ParseRootKey("ENCRYPTION_KEY", tt.value)
			want := "ENCRYPTION_KEY: " + tt.problem + `; run "avrdata keygen" to make one`
			if err == nil || err.Error() != want {
				t.Fatalf("got error %v, want %q", err, want)
			}
			if !errors.Is(err, crypto.ErrBadKey) {
				t.Fatalf("errors.Is(err, ErrBadKey): got false, want true")
			}
			if v := strings.TrimSpace(tt.value); v != "" && strings.Contains(err.Error(), v) {
				t.Fatalf("error %q contains the value", err)
			}
		})
	}
}

func TestLoadRootKey(t *testing.T) {
	const keygen = `run "avrdata keygen" to make one`
	dir := t.TempDir()
	good := base64.StdEncoding.EncodeToString(keyBytes)
	write := func(name, content string) string {
		t.Helper()
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatalf("WriteFile: got error %v, want nil", err)
		}
		return path
	}
	goodFile := write("good", good+"\n")
	emptyFile := write("empty", "\n")
	shortFile := write("short", base64.StdEncoding.EncodeToString(keyBytes[:8]))
	missing := filepath.Join(dir, "missing")

	tests := []struct {
		name      string
		env       map[string]string
		wantFound bool
		wantErr   string // empty for none
	}{
		{"neither set", nil, false, ""},
		{"variable", map[string]string{"ENCRYPTION_KEY": good}, true, ""},
		{"file with newline", map[string]string{"ENCRYPTION_KEY_FILE": goodFile}, true, ""},
		{"both set", map[string]string{"ENCRYPTION_KEY": good, "ENCRYPTION_KEY_FILE": goodFile}, true,
			"ENCRYPTION_KEY: is set together with ENCRYPTION_KEY_FILE; unset one of them"},
		{"empty file", map[string]string{"ENCRYPTION_KEY_FILE": emptyFile}, true,
			"ENCRYPTION_KEY_FILE: file " + emptyFile + " is empty; " + keygen},
		{"short key in file", map[string]string{"ENCRYPTION_KEY_FILE": shortFile}, true,
			"ENCRYPTION_KEY_FILE: file " + shortFile + " decodes to 8 bytes, want 32; " + keygen},
		{"missing file", map[string]string{"ENCRYPTION_KEY_FILE": missing}, true,
			"ENCRYPTION_KEY_FILE: read " + missing + ": no such file or directory; " +
				"point it at a readable file holding the key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			getenv := func(name string) string { return tt.env[name] }
			_, found, err := crypto.LoadRootKey(getenv, os.ReadFile, "ENCRYPTION_KEY")
			if found != tt.wantFound {
				t.Fatalf("found: got %v, want %v", found, tt.wantFound)
			}

			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("got error %v, want nil", err)
			case tt.wantErr != "" && (err == nil || err.Error() != tt.wantErr):
				t.Fatalf("got error %v, want %q", err, tt.wantErr)
			case tt.wantErr != "" && !errors.Is(err, crypto.ErrBadKey):
				t.Fatalf("errors.Is(%v, ErrBadKey): got false, want true", err)
			}
		})
	}
}

func TestLoadRootKeyMissingFileWrapsCause(t *testing.T) {
	env := map[string]string{"ENCRYPTION_KEY_FILE": filepath.Join(t.TempDir(), "none")}

	_, _, err := crypto.LoadRootKey(func(k string) string { return env[k] }, os.ReadFile, "ENCRYPTION_KEY")
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("got error %v, want one wrapping fs.ErrNotExist", err)
	}
}

func TestRootKeyRedacted(t *testing.T) {
	text := base64.StdEncoding.EncodeToString(keyBytes)
	root, err := crypto.ParseRootKey("ENCRYPTION_KEY", text)
	if err != nil {
		t.Fatalf("ParseRootKey: got error %v, want nil", err)
	}

	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("start", "key", root)

	outputs := map[string]string{"slog": logged.String()}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%X", "%d", "%q"} {
		outputs[verb] = fmt.Sprintf(verb, root)
		outputs[verb+" in a struct"] = fmt.Sprintf(verb, struct{ K crypto.RootKey }{root})
	}

	for _, verb := range []string{"%v", "%+v", "%x", "%d"} {
		hidden := fmt.Sprintf(verb, struct{ k crypto.RootKey }{root})
		if leaks(hidden, keyBytes) {
			t.Fatalf("%s in an unexported field: got %q, which shows the key", verb, hidden)
		}
	}

	for name, out := range outputs {
		if !strings.Contains(out, "REDACTED") {
			t.Fatalf("%s: got %q, want REDACTED", name, out)
		}
		if leaks(out, keyBytes) {
			t.Fatalf("%s: got %q, which shows the key", name, out)
		}
	}
}

// leaks reports whether out shows key in base64, hex or decimal.
func leaks(out string, key []byte) bool {
	forms := []string{
		base64.StdEncoding.EncodeToString(key)[:8],
		fmt.Sprintf("%x", key[:4]),
		fmt.Sprintf("%X", key[:4]),
		fmt.Sprint(key[:4])[1:12],
	}
	for _, f := range forms {
		if strings.Contains(out, f) {
			return true
		}
	}
	return false
}

func TestGenerateRootKey(t *testing.T) {
	a, err := crypto.GenerateRootKey()
	if err != nil {
		t.Fatalf("GenerateRootKey: got error %v, want nil", err)
	}
	b, err := crypto.GenerateRootKey()
	if err != nil {
		t.Fatalf("GenerateRootKey: got error %v, want nil", err)
	}

	if a == b {
		t.Fatalf("two generated keys: got equal, want different")
	}
	if len(a) != 44 {
		t.Fatalf("length: got %d, want 44 (32 bytes in padded base64)", len(a))
	}
	if _, err := crypto.ParseRootKey("ENCRYPTION_KEY", a); err != nil {
		t.Fatalf("ParseRootKey(generated): got error %v, want nil", err)
	}
}
