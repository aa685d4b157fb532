package youshu

import (
	"fmt"
	"log/slog"
	"strconv"

	"github.com/biembed/biembed-go/internal/redact"
	"github.com/biembed/biembed-go/internal/validate"
)

// TokenType is genToken's tokenType: how the caller proves who it is.
type TokenType string

// The three documented token types.
const (
	TokenTypePassword TokenType = "userPassword" // email (or uniqueId) and password
	TokenTypeKey      TokenType = "tokenKey"     // a token key the user generated
	TokenTypeCustom   TokenType = "custom"       // single sign-on: integrateToken, optional uniqueId
)

// Credential is how genToken authenticates the caller: one of Password,
// TokenKey or SSO. The zero Credential means "none": a request without one
// uses the client's WithCredential default. No fmt verb, slog handler or
// String, GoString and LogValue shows the password, key or integrate token,
// not even masked.
type Credential struct {
	kind   TokenType
	id     string // email for Password, uniqueId for SSO
	secret Secret // password, key or integrate token
}

// Password returns a userPassword credential. email is the account name: the
// email when emails are unique, otherwise the uniqueId.
func Password(email, password string) Credential {
	return Credential{kind: TokenTypePassword, id: email, secret: Secret(password)}
}

// TokenKey returns a tokenKey credential.
func TokenKey(key string) Credential {
	return Credential{kind: TokenTypeKey, secret: Secret(key)}
}

// SSO returns a single-sign-on ("custom") credential. uniqueID is optional:
// when empty, Youshu finds the user from integrateToken.
func SSO(uniqueID, integrateToken string) Credential {
	return Credential{kind: TokenTypeCustom, id: uniqueID, secret: Secret(integrateToken)}
}

// Type returns the credential's tokenType, or "" for the zero Credential.
func (c Credential) Type() TokenType { return c.kind }

// IsZero reports whether c is the zero Credential (none).
func (c Credential) IsZero() bool { return c == Credential{} }

// Validate reports a missing part, naming the wire field: email and password,
// key, or integrateToken.
func (c Credential) Validate() error {
	switch c.kind {
	case TokenTypePassword:
		if c.id == "" {
			return validate.Fieldf("email", "required for a password credential")
		}
		if c.secret == "" {
			return validate.Fieldf("password", "required for a password credential")
		}
	case TokenTypeKey:
		if c.secret == "" {
			return validate.Fieldf("key", "required for a token key credential")
		}
	case TokenTypeCustom:
		if c.secret == "" {
			return validate.Fieldf("integrateToken", "required for an SSO credential")
		}
	default:
		return validate.Fieldf("credential", "required: use Password, TokenKey or SSO")
	}
	return nil
}

// String describes c without its secret, e.g. `userPassword(email="a@b.c", password=***)`.
func (c Credential) String() string {
	switch c.kind {
	case TokenTypePassword:
		return "userPassword(email=" + strconv.Quote(c.id) + ", password=" + maskOrEmpty(c.secret) + ")"
	case TokenTypeKey:
		return "tokenKey(key=" + maskOrEmpty(c.secret) + ")"
	case TokenTypeCustom:
		return "custom(uniqueId=" + strconv.Quote(c.id) + ", integrateToken=" + maskOrEmpty(c.secret) + ")"
	}
	return "none"
}

// GoString is String, so %#v does not reveal the secret either.
func (c Credential) GoString() string { return "youshu.Credential{" + c.String() + "}" }

// Format writes String for every verb (GoString for %#v), so no verb
// reveals the secret.
func (c Credential) Format(f fmt.State, verb rune) { redact.FormatString(f, verb, c) }

// LogValue logs the type and account, never the secret.
func (c Credential) LogValue() slog.Value {
	return slog.GroupValue(slog.String("tokenType", string(c.kind)), slog.String("account", c.id))
}

// maskOrEmpty shows whether a secret is set without any of its characters
// (not even the prefix redact.Mask keeps: a password prefix helps a guesser).
func maskOrEmpty(secret Secret) string {
	if secret == "" {
		return `""`
	}
	return "***"
}
