package redisstore

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"

	"github.com/biembed/biembed-go/internal/validate"
	"github.com/biembed/biembed-go/tokencache"
)

// The first byte of an entry's blob says how the rest is kept.
const (
	formatPlain  byte = 'p' // JSON (Plaintext mode only)
	formatSealed byte = 's' // key id (4 bytes), nonce (12), AES-GCM of the JSON
)

// keyIDLen is the length of a SealKey's id in a sealed blob.
const keyIDLen = 4

// sealer seals entries with AES-GCM and names keys with HMAC-SHA256, both
// under the SealKey.
type sealer struct {
	aead  cipher.AEAD
	id    [keyIDLen]byte // HMAC(SealKey, "key id"): tells a foreign SealKey from tampering
	names []byte         // HMAC key for names: HMAC(SealKey, "biembed redisstore names")
}

func newSealer(key []byte) (*sealer, error) {
	switch len(key) {
	case 16, 24, 32:
	default:
		return nil, validate.Fieldf("SealKey", "must be 16, 24 or 32 bytes (AES-128, -192 or -256): e.g. `openssl rand -hex 32`, hex-decoded")
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, validate.Fieldf("SealKey", "is not a usable AES key")
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, validate.Fieldf("SealKey", "is not a usable AES key")
	}
	se := &sealer{aead: aead, names: mac(key, "biembed redisstore names")}
	copy(se.id[:], mac(key, "key id"))
	return se, nil
}

func mac(key []byte, s string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(s))
	return m.Sum(nil)
}

// Domains of hashed names: keys and tags never share a name.
const (
	domainKey byte = 'k'
	domainTag byte = 't'
)

// hash names a key or tag in Redis key names without showing it: 16 bytes
// of HMAC-SHA256 under the SealKey (SHA-256 in Plaintext mode), in hex.
func (c *core) hash(domain byte, name string) string {
	var sum []byte
	if c.seal != nil {
		m := hmac.New(sha256.New, c.seal.names)
		m.Write([]byte{domain})
		m.Write([]byte(name))
		sum = m.Sum(nil)
	} else {
		h := sha256.New()
		h.Write([]byte{domain})
		h.Write([]byte(name))
		sum = h.Sum(nil)
	}
	return hex.EncodeToString(sum[:16])
}

// wire is an entry as its blob holds it.
type wire struct {
	Key       string    `json:"k"`
	Token     []byte    `json:"t"`
	IssuedAt  time.Time `json:"i"`
	ExpiresAt time.Time `json:"x"`
	ID        string    `json:"d,omitempty"`
	Tags      []string  `json:"g,omitempty"`
	Epoch     uint64    `json:"e"`
}

// keyID names the SealKey in Redis: the hex of its id, or "plain".
func (c *core) keyID() string {
	if c.seal == nil {
		return "plain"
	}
	return hex.EncodeToString(c.seal.id[:])
}

// aad binds a sealed blob to its place: under another key (say, another
// user's) or another Prefix it no longer opens.
func (c *core) aad(kh string) []byte {
	return []byte("biembed-redisstore-v2\x00" + c.o.Prefix + "\x00" + kh)
}

// sealEntry makes the blob stored for e under the key whose hash is kh.
func (c *core) sealEntry(kh string, e tokencache.Entry) ([]byte, error) {
	plain, err := json.Marshal(wire{Key: e.Key, Token: []byte(e.Token.Reveal()), IssuedAt: e.IssuedAt,
		ExpiresAt: e.ExpiresAt, ID: e.ID, Tags: e.Tags, Epoch: e.Epoch})
	if err != nil {
		return nil, err
	}
	if c.seal == nil {
		return append([]byte{formatPlain}, plain...), nil
	}
	n := c.seal.aead.NonceSize()
	out := make([]byte, 1+keyIDLen+n, 1+keyIDLen+n+len(plain)+c.seal.aead.Overhead())
	out[0] = formatSealed
	copy(out[1:], c.seal.id[:])
	nonce := out[1+keyIDLen:]
	_, _ = rand.Read(nonce) // crypto/rand.Read never fails (Go 1.24)
	return c.seal.aead.Seal(out, nonce, plain, c.aad(kh)), nil
}

// Reasons open gives for a blob it cannot use (never its content).
const whyForeign = "sealed with another SealKey"

// open reads the blob stored under the key whose hash is kh. why is empty
// when it opened, else what was wrong (never the content).
func (c *core) open(kh string, blob []byte) (w wire, why string) {
	if len(blob) == 0 {
		return w, "empty"
	}
	body := blob[1:]
	switch {
	case blob[0] == formatSealed && c.seal == nil:
		return w, "sealed entry in Plaintext mode"
	case blob[0] == formatPlain && c.seal != nil:
		return w, "plain entry where a seal is required"
	case blob[0] == formatSealed:
		n := c.seal.aead.NonceSize()
		if len(body) < keyIDLen+n {
			return w, "seal cut short"
		}
		if !bytes.Equal(body[:keyIDLen], c.seal.id[:]) {
			return w, whyForeign
		}
		var err error
		if body, err = c.seal.aead.Open(nil, body[keyIDLen:keyIDLen+n], body[keyIDLen+n:], c.aad(kh)); err != nil {
			return w, "does not open (tampered with, or moved from another key)"
		}
	case blob[0] != formatPlain:
		return w, "unknown format"
	}
	if err := json.Unmarshal(body, &w); err != nil {
		return wire{}, "does not decode"
	}
	if c.hash(domainKey, w.Key) != kh {
		return wire{}, "stored under another key"
	}
	return w, ""
}
