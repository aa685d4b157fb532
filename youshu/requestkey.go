package youshu

import (
	"crypto/sha256"
	"encoding/hex"

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
	body, err := req.wire(Credential{})
	if err != nil {
		return "", err
	}
	return tokencache.KeyOf(struct {
		Credential string        `json:"credential"`
		Body       *genTokenWire `json:"body"`
	}{credentialIdentity(req.Credential), body})
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
