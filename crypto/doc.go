// Package crypto keeps avrdata's key hierarchy: it parses the root key,
// derives keys from it, seals Tink keysets at rest, and encrypts each
// record under its own data key, in one piece or as a stream.
//
// # Key hierarchy
//
// The root key, ENCRYPTION_KEY, is 32 random bytes in base64 (see
// [ParseRootKey], [LoadRootKey] and [GenerateRootKey]). It is never stored.
// HKDF-SHA256 derives from it, one label per use:
//
//   - the KEK, which seals the Tink keysets kept in a [KeysetStore], with
//     the keyset's purpose as associated data;
//   - the key check value, stored beside the keysets, which tells a wrong
//     root key ([ErrWrongKey]) from damaged keysets ([ErrKeysetDamaged]);
//   - the blind index key, an HMAC key for caller numbers ([Keyring.BlindIndex]);
//   - the backup KEK, which wraps the key of each backup ([Keyring.WrapBackupKey]).
//
// The "record-wrap" keyset's primary key wraps a fresh 32-byte data key
// per record, with the record's Ref as associated data. The data key
// encrypts the record: AES-256-GCM for small payloads ([Keyring.Seal]),
// Tink's streaming AES-256-GCM-HKDF with segments of [SegmentSize] for
// recordings ([Keyring.NewStreamWriter]). Every ciphertext is bound to its
// Ref, so a ciphertext, segment or wrapped key moved to another record,
// reordered, modified or cut short fails with an [*IntegrityError].
//
// # Key management
//
// [Open] creates the keysets on first use and checks the root key on every
// later one; a wrong root key is refused before anything is written.
// [Keyring.Rotate] adds a new primary key; older keys keep decrypting, and
// [Keyring.Rewrap] moves a record's data key to the primary without
// touching its data. [RotateRoot] re-seals the keysets when the root key
// itself changes; blind indexes must then be recomputed, and backups
// made before it still need the previous root key.
//
// # Concurrency
//
// A Keyring is safe for concurrent use; Rotate and Reload swap its
// keysets atomically. Several processes may share one KeysetStore:
// creation and replacement are compare-and-swap, so a concurrent change
// returns [ErrKeysetsChanged] instead of being lost. A process that did
// not rotate sees the new primary key after [Keyring.Reload]: when
// [Keyring.HasKey] is false for the [Keyring.WrappingKeyID] of a stored wrapped key,
// another process has rotated. The readers and writers of streams are
// not safe for concurrent use.
//
// # Compatibility
//
// This is format version 1; the labels and associated data carry "v1".
// Associated data is the strings "avrdata v1", the Ref's Kind and ID,
// and the use ("wrap", "aead" or "stream"), each after its length as a
// big-endian uint32.
//
// A wrapped data key is the output of the record-wrap keyset: Tink's
// 5-byte prefix (0x01 and the key id), a 12-byte nonce, the encryption
// of a format byte and the data key, and a 16-byte tag. Format 1 is a
// small ciphertext: a 12-byte nonce, the AES-256-GCM ciphertext and a
// 16-byte tag. Format 2 is a stream: a 40-byte header (its length, a
// 32-byte salt, a 7-byte nonce prefix), then segments of SegmentSize
// bytes, the first 40 bytes shorter, each ending in a 16-byte tag.
//
// A stored keyset is the AES-256-GCM encryption of Tink's serialised
// Keyset under the KEK: a 12-byte nonce, the ciphertext, a 16-byte tag.
// A wrapped backup key is the byte 1, the 32-byte key check value, and
// the AES-256-GCM encryption of the key under the backup KEK.
//
// A new format gets a new format byte or label; readers keep accepting
// every earlier one, so stored data and backups stay readable. The
// package's tests decrypt data stored in this format by an earlier
// build (testdata/format-v1.json) to hold that promise.
package crypto
