package redisstore

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/biembed/biembed-go/internal/tokencache"
	"github.com/biembed/biembed-go/internal/validate"
)

// The first byte of an entry's blob says how the rest is kept.
const (
	formatPlain  byte = 'p' // JSON
	formatSealed byte = 's' // AES-GCM: nonce, then sealed JSON
)

// sealer seals entries with AES-GCM and names index keys with HMAC-SHA256,
// both under the caller's SealKey.
type sealer struct {
	aead cipher.AEAD
	mac  []byte
}

func newSealer(key []byte) (*sealer, error) {
	switch len(key) {
	case 16, 24, 32:
	default:
		return nil, validate.Fieldf("SealKey", "must be 16, 24 or 32 bytes long (AES-128, -192 or -256), not %d", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, validate.Fieldf("SealKey", "is not a usable AES key")
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, validate.Fieldf("SealKey", "is not a usable AES key")
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("biembed redisstore index names"))
	return &sealer{aead: aead, mac: mac.Sum(nil)}, nil
}

// wireEntry is how an entry is kept in Redis. Token holds the codec's bytes
// (with the token's value in the clear: the whole is sealed under SealKey).
type wireEntry struct {
	Token       []byte    `json:"token"`
	IssuedAt    time.Time `json:"issuedAt"`
	ExpiresAt   time.Time `json:"expiresAt"`
	Fingerprint string    `json:"fp,omitempty"`
	ID          string    `json:"id,omitempty"`
	Tags        []string  `json:"tags,omitempty"`
	Epoch       uint64    `json:"epoch"`
}

// aad binds a sealed entry to its place: moved under another key (say,
// another user's), it no longer opens.
func (s *Store[T]) aad(key string) []byte {
	return []byte("biembed-redisstore-v1\x00" + s.opts.Prefix + "\x00" + key)
}

// encode turns e into the blob stored under key, sealed when there is a key.
func (s *Store[T]) encode(key string, e tokencache.Entry[T]) ([]byte, error) {
	tok, err := s.codec.Encode(e.Value)
	if err != nil {
		return nil, fmt.Errorf("redisstore: encode token: %w", err)
	}
	plain, err := json.Marshal(wireEntry{Token: tok, IssuedAt: e.IssuedAt, ExpiresAt: e.ExpiresAt,
		Fingerprint: e.Fingerprint, ID: e.ID, Tags: e.Tags, Epoch: e.Epoch})
	if err != nil {
		return nil, fmt.Errorf("redisstore: encode entry: %w", err)
	}
	if s.seal == nil {
		return append([]byte{formatPlain}, plain...), nil
	}
	nonce := make([]byte, s.seal.aead.NonceSize(), 1+s.seal.aead.NonceSize()+len(plain)+s.seal.aead.Overhead())
	_, _ = rand.Read(nonce) // crypto/rand.Read never fails (Go 1.24)
	out := append([]byte{formatSealed}, nonce...)
	return s.seal.aead.Seal(out, nonce, plain, s.aad(key)), nil
}

// decode reads the blob stored under key. Whatever it cannot trust is an
// error wrapping ErrUnreadableEntry that names the cause, never the content.
func (s *Store[T]) decode(key string, blob []byte) (tokencache.Entry[T], error) {
	var zero tokencache.Entry[T]
	unreadable := func(why string) (tokencache.Entry[T], error) {
		return zero, fmt.Errorf("%w under key %q: %s", ErrUnreadableEntry, key, why)
	}
	if len(blob) == 0 {
		return unreadable("empty")
	}
	plain := blob[1:]
	switch {
	case blob[0] == formatSealed && s.seal == nil:
		return unreadable("it is sealed and Options.SealKey is not set")
	case blob[0] == formatPlain && s.seal != nil:
		return unreadable("it is not sealed and Options.SealKey requires a seal")
	case blob[0] == formatSealed:
		n := s.seal.aead.NonceSize()
		if len(plain) < n {
			return unreadable("the seal is cut short")
		}
		var err error
		if plain, err = s.seal.aead.Open(nil, plain[:n], plain[n:], s.aad(key)); err != nil {
			return unreadable("Options.SealKey does not open it (another key, or tampered with)")
		}
	case blob[0] != formatPlain:
		return unreadable("unknown format")
	}
	var w wireEntry
	if err := json.Unmarshal(plain, &w); err != nil {
		return unreadable("the entry does not decode")
	}
	tok, err := s.codec.Decode(w.Token)
	if err != nil {
		return unreadable("the token does not decode")
	}
	return tokencache.Entry[T]{Value: tok, IssuedAt: w.IssuedAt, ExpiresAt: w.ExpiresAt,
		Fingerprint: w.Fingerprint, ID: w.ID, Tags: w.Tags, Epoch: w.Epoch}, nil
}

// nameHash names an ID (kind 'i') or tag (kind 't') in index keys without
// showing it: IDs are token values. With a SealKey it is an HMAC, so the
// names cannot be checked against a guessed token.
func (s *Store[T]) nameHash(kind byte, name string) string {
	var h []byte
	if s.seal != nil {
		m := hmac.New(sha256.New, s.seal.mac)
		m.Write([]byte{kind})
		m.Write([]byte(name))
		h = m.Sum(nil)
	} else {
		sum := sha256.Sum256(append([]byte{kind}, name...))
		h = sum[:]
	}
	return hex.EncodeToString(h[:16])
}
