package crypto_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"strings"

	"github.com/avrdata/avrdata/crypto"
)

// exampleKeyring opens a Keyring over a store in memory. A deployment
// reads the root key with LoadRootKey(os.Getenv, os.ReadFile,
// "ENCRYPTION_KEY") and keeps the keysets in PostgreSQL.
func exampleKeyring() *crypto.Keyring {
	root, err := crypto.ParseRootKey("ENCRYPTION_KEY", "AQgPFh0kKzI5QEdOVVxjanF4f4aNlJuiqbC3vsXM09o=")
	if err != nil {
		log.Fatal(err)
	}

	k, err := crypto.Open(context.Background(), root, &crypto.MemoryKeysetStore{})
	if err != nil {
		log.Fatal(err)
	}
	return k
}

func ExampleKeyring_Seal() {
	k := exampleKeyring()
	ref := crypto.Ref{Kind: "transcript", ID: "1700000000.42"}

	ciphertext, wrappedKey, err := k.Seal(ref, []byte("agent: how can I help?"))
	if err != nil {
		log.Fatal(err)
	}

	plaintext, err := k.Open(ref, ciphertext, wrappedKey)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(plaintext))

	// The same bytes presented as another record do not decrypt.
	_, err = k.Open(crypto.Ref{Kind: "transcript", ID: "1700000000.43"}, ciphertext, wrappedKey)
	fmt.Println(err)
	// Output:
	// agent: how can I help?
	// transcript 1700000000.43: integrity check failed: data was modified, truncated or does not belong to this record
}

func ExampleKeyring_NewStreamWriter() {
	k := exampleKeyring()
	ref := crypto.Ref{Kind: "recording", ID: "1700000000.42"}
	audio := strings.Repeat("RIFF....WAVEfmt ", 1000)

	var stored bytes.Buffer
	w, wrappedKey, err := k.NewStreamWriter(&stored, ref)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := io.Copy(w, strings.NewReader(audio)); err != nil {
		log.Fatal(err)
	}
	if err := w.Close(); err != nil {
		log.Fatal(err)
	}
	fmt.Println("plaintext", len(audio), "ciphertext", stored.Len())

	r, err := k.NewStreamReader(&stored, ref, wrappedKey)
	if err != nil {
		log.Fatal(err)
	}
	n, err := io.Copy(io.Discard, r)
	fmt.Println("read", n, err)
	// Output:
	// plaintext 16000 ciphertext 16056
	// read 16000 <nil>
}

func ExampleKeyring_BlindIndex() {
	k := exampleKeyring()

	stored, err := k.BlindIndex("+39 06 1234 5678")
	if err != nil {
		log.Fatal(err)
	}

	// erase --caller finds the calls whatever the spelling.
	query, err := k.BlindIndex("0039 (06) 1234-5678")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(bytes.Equal(stored, query))
	// Output: true
}

func ExampleNormalizeNumber() {
	for _, s := range []string{"+39 06-1234.5678", "0039 06 1234 5678", "anonymous"} {
		n, err := crypto.NormalizeNumber(s)
		fmt.Printf("%q %v\n", n, err)
	}
	// Output:
	// "+390612345678" <nil>
	// "+390612345678" <nil>
	// "" normalize number: has a character other than digits and separators: bad phone number
}

func ExampleParseRootKey() {
	_, err := crypto.ParseRootKey("ENCRYPTION_KEY", "c2hvcnQga2V5IG9mIDE2IA==")
	fmt.Println(err)
	// Output:
	// ENCRYPTION_KEY: decodes to 16 bytes, want 32; run "avrdata keygen" to make one
}

func ExampleLoadRootKey() {
	env := map[string]string{"ENCRYPTION_KEY_FILE": "/run/secrets/avrdata_key"}
	readFile := func(string) ([]byte, error) { return []byte("\n"), nil }

	getenv := func(name string) string { return env[name] }

	_, found, err := crypto.LoadRootKey(getenv, readFile, "ENCRYPTION_KEY")
	fmt.Println(found)
	fmt.Println(err)

	_, found, err = crypto.LoadRootKey(os.Getenv, os.ReadFile, "AVRDATA_EXAMPLE_UNSET")
	fmt.Println(found, err)
	// Output:
	// true
	// ENCRYPTION_KEY_FILE: file /run/secrets/avrdata_key is empty; run "avrdata keygen" to make one
	// false <nil>
}
