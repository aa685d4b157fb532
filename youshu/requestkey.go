package youshu

import (
	"crypto/sha256"
	"encoding/hex"
	"sync"

	"github.com/biembed/biembed-go/internal/tokencache"
	"github.com/biembed/biembed-go/internal/validate"
)

// RequestKey derives a stable cache key from req: equal requests give equal
// keys, in this process and in others. The key covers the wire body and the
// credential's identity (kind and account, a fingerprint for a token key),
// never a password or integrate token.
func RequestKey(req *GenTokenRequest) (string, error) {
	if req == nil {
		return "", validate.Fieldf("GenTokenRequest", "must not be nil")
	}
	var body genTokenWire
	if err := req.fillWire(&body, Credential{}); err != nil {
		return "", err
	}
	seconds := body.expirySeconds
	if req.Expiry != 0 {
		body.ExpiryTime = &seconds
	}
	identity := credentialIdentity(req.Credential)
	// The key hashes {"credential":identity,"body":body} as encoding/json
	// writes that struct (keyDocument), appended directly into a pooled
	// buffer; keys minted before stay valid.
	buf := keyBuffers.Get().(*[]byte)
	defer putKeyBuffer(buf)
	e := jsonAppender{b: append((*buf)[:0], `{"credential":`...)}
	e.str(identity)
	e.b = append(e.b, `,"body":`...)
	b, ok := body.appendJSON(e.b)
	if !ok {
		slow := body // copied here, so only this rare path moves a wire to the heap
		return tokencache.KeyOf(keyDocument{identity, &slow})
	}
	b = append(b, '}')
	*buf = b
	return tokencache.KeyOfJSON(b), nil
}

// keyBuffers holds RequestKey's encoding buffers.
var keyBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// putKeyBuffer returns buf to the pool unless it grew past 64 KiB.
func putKeyBuffer(buf *[]byte) {
	if cap(*buf) <= 64<<10 {
		keyBuffers.Put(buf)
	}
}

// keyDocument is what RequestKey hashes.
type keyDocument struct {
	Credential string        `json:"credential"`
	Body       *genTokenWire `json:"body"`
}

// credentialIdentity names who a credential authenticates without its secret.
func credentialIdentity(c Credential) string {
	id := string(c.kind) + ":" + c.id
	if c.kind == TokenTypeKey {
		sum := sha256.Sum256([]byte(c.secret))
		id += ":" + hex.EncodeToString(sum[:8])
	}
	return id
}
