package youshu

import (
	"crypto/sha256"
	"encoding/hex"

	"github.com/biembed/biembed-go/biembed"
	"github.com/biembed/biembed-go/internal/validate"
)

// The three documented tokenTypes: how the caller proves who it is.
const (
	TokenTypePassword = "userPassword" // email (or uniqueId) and password
	TokenTypeKey      = "tokenKey"     // a token key the user generated
	TokenTypeCustom   = "custom"       // single sign-on: integrateToken, optional uniqueId
)

// Credential is how genToken authenticates the caller; make one with
// Password, TokenKey or SSO. The zero Credential means "none": a request
// without one uses the client's WithCredential. Secret is a biembed.Secret,
// so no fmt verb, slog handler or json.Marshal shows it.
type Credential struct {
	Type    string         // the tokenType: TokenTypePassword, TokenTypeKey or TokenTypeCustom
	Account string         // email (or uniqueId) for Password; the optional uniqueId for SSO
	Secret  biembed.Secret // password, key or integrate token
}

// Password returns a userPassword credential. email is the account name:
// the email when emails are unique, otherwise the uniqueId.
func Password(email, password string) Credential {
	return Credential{Type: TokenTypePassword, Account: email, Secret: biembed.NewSecret(password)}
}

// TokenKey returns a tokenKey credential.
func TokenKey(key string) Credential {
	return Credential{Type: TokenTypeKey, Secret: biembed.NewSecret(key)}
}

// SSO returns a single-sign-on ("custom") credential. uniqueID is
// optional: without it Youshu finds the user from integrateToken.
func SSO(uniqueID, integrateToken string) Credential {
	return Credential{Type: TokenTypeCustom, Account: uniqueID, Secret: biembed.NewSecret(integrateToken)}
}

// validate reports a missing or malformed part, naming the wire field.
func (c Credential) validate() error {
	field := map[string]string{TokenTypePassword: "password", TokenTypeKey: "key", TokenTypeCustom: "integrateToken"}[c.Type]
	switch {
	case field == "":
		return validate.Fieldf("tokenType", "must be userPassword, tokenKey or custom (use Password, TokenKey or SSO)")
	case c.Type == TokenTypePassword && c.Account == "":
		return validate.Fieldf("email", "required for a password credential")
	case c.Type == TokenTypeKey && c.Account != "":
		return validate.Fieldf("key", "a token key credential has no account")
	case c.Secret.Reveal() == "" || validate.Text(field, c.Secret.Reveal(), 4096) != nil:
		return validate.Fieldf(field, "required: 1 to 4096 bytes of text without control characters")
	}
	return validate.Text("email", c.Account, 1024)
}

// identity names whom c authenticates without its secret (a token key by
// a hash of it), for cache keys.
func (c Credential) identity() string {
	id := string(c.Type) + ":" + c.Account
	if c.Type == TokenTypeKey {
		sum := sha256.Sum256([]byte(c.Secret.Reveal()))
		id += ":" + hex.EncodeToString(sum[:8])
	}
	return id
}
