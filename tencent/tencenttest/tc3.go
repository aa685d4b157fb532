package tencenttest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// tc3Algorithm is the only signing algorithm VerifyTC3 accepts.
const tc3Algorithm = "TC3-HMAC-SHA256"

// maxClockSkew is how far a request's X-TC-Timestamp may be from the
// verifier's clock before the signature counts as expired.
const maxClockSkew = 5 * time.Minute

// The AuthFailure codes VerifyTC3 reports.
const (
	CodeMissingAuthorization = "AuthFailure.MissingAuthorization"
	CodeInvalidAuthorization = "AuthFailure.InvalidAuthorization"
	CodeSecretIDNotFound     = "AuthFailure.SecretIdNotFound"
	CodeSignatureExpire      = "AuthFailure.SignatureExpire"
	CodeSignatureFailure     = "AuthFailure.SignatureFailure"
)

// AuthError is why VerifyTC3 rejected a request. Code is the AuthFailure code
// the real service would answer with; Message never holds a key or signature.
type AuthError struct {
	Code    string
	Message string
}

// Error returns "<code>: <message>".
func (e *AuthError) Error() string { return e.Code + ": " + e.Message }

func authErr(code, msg string) *AuthError { return &AuthError{Code: code, Message: msg} }

// authorization is the parsed Authorization header of a TC3 request.
type authorization struct {
	secretID      string
	date          string
	service       string
	signedHeaders []string
	signature     string
}

// VerifyTC3 checks the TC3-HMAC-SHA256 signature of r, whose body is body,
// against secrets (SecretId to SecretKey) at the instant now. It handles any
// SignedHeaders list (which must include content-type and host) and returns nil
// or an *AuthError whose Code says what failed, in the order the service
// checks: header present and well formed, SecretId known, timestamp within
// five minutes of now, signature correct.
func VerifyTC3(r *http.Request, body []byte, secrets map[string]string, now time.Time) error {
	header := r.Header.Get("Authorization")
	if strings.TrimSpace(header) == "" {
		return authErr(CodeMissingAuthorization, "the Authorization header is missing")
	}
	auth, err := parseAuthorization(header)
	if err != nil {
		return err
	}
	key, ok := secrets[auth.secretID]
	if !ok {
		return authErr(CodeSecretIDNotFound, "the SecretId is not found")
	}
	ts, err := checkTimestamp(r.Header.Get("X-TC-Timestamp"), now)
	if err != nil {
		return err
	}
	if time.Unix(ts, 0).UTC().Format(time.DateOnly) != auth.date {
		return authErr(CodeSignatureFailure, "the credential date does not match X-TC-Timestamp")
	}
	want := tc3Signature(r, body, auth, strconv.FormatInt(ts, 10), key)
	if !hmac.Equal([]byte(want), []byte(auth.signature)) {
		return authErr(CodeSignatureFailure, "the request signature does not match")
	}
	return nil
}

func parseAuthorization(header string) (*authorization, error) {
	alg, rest, _ := strings.Cut(strings.TrimSpace(header), " ")
	if alg != tc3Algorithm {
		return nil, authErr(CodeInvalidAuthorization, "the Authorization header must use "+tc3Algorithm)
	}
	fields := map[string]string{}
	for _, part := range strings.Split(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || v == "" || fields[k] != "" {
			return nil, authErr(CodeInvalidAuthorization, "the Authorization header is garbled")
		}
		fields[k] = v
	}
	scope := strings.Split(fields["Credential"], "/")
	if len(scope) != 4 || scope[0] == "" || scope[2] == "" || scope[3] != "tc3_request" {
		return nil, authErr(CodeInvalidAuthorization, "the Credential must be SecretId/Date/Service/tc3_request")
	}
	signed, err := parseSignedHeaders(fields["SignedHeaders"])
	if err != nil {
		return nil, err
	}
	sig := fields["Signature"]
	if _, err := hex.DecodeString(sig); err != nil || len(sig) != sha256.Size*2 {
		return nil, authErr(CodeInvalidAuthorization, "the Signature must be 64 hex digits")
	}
	return &authorization{secretID: scope[0], date: scope[1], service: scope[2], signedHeaders: signed, signature: sig}, nil
}

func parseSignedHeaders(list string) ([]string, error) {
	names := strings.Split(list, ";")
	var hasHost, hasContentType bool
	for _, n := range names {
		if n == "" || n != strings.ToLower(n) {
			return nil, authErr(CodeInvalidAuthorization, "SignedHeaders must be lower-case names separated by ;")
		}
		hasHost = hasHost || n == "host"
		hasContentType = hasContentType || n == "content-type"
	}
	if !hasHost || !hasContentType {
		return nil, authErr(CodeInvalidAuthorization, "SignedHeaders must include content-type and host")
	}
	return names, nil
}

func checkTimestamp(value string, now time.Time) (int64, error) {
	ts, err := strconv.ParseInt(value, 10, 64)
	if err != nil {
		return 0, authErr(CodeInvalidAuthorization, "X-TC-Timestamp must be Unix seconds")
	}
	skew := now.Sub(time.Unix(ts, 0))
	if skew > maxClockSkew || skew < -maxClockSkew {
		return 0, authErr(CodeSignatureExpire, "the signature has expired: the request timestamp is more than 5 minutes off the server clock")
	}
	return ts, nil
}

// tc3Signature computes the hex signature of r as TC3-HMAC-SHA256 defines it.
func tc3Signature(r *http.Request, body []byte, auth *authorization, timestamp, key string) string {
	var headers strings.Builder
	for _, name := range auth.signedHeaders {
		value := r.Header.Get(name)
		if name == "host" {
			value = r.Host
		}
		headers.WriteString(name + ":" + strings.ToLower(strings.TrimSpace(value)) + "\n")
	}
	path := r.URL.Path
	if path == "" {
		path = "/"
	}
	canonical := strings.Join([]string{
		r.Method, path, r.URL.RawQuery, headers.String(),
		strings.Join(auth.signedHeaders, ";"), sha256Hex(body),
	}, "\n")
	scope := auth.date + "/" + auth.service + "/tc3_request"
	toSign := strings.Join([]string{tc3Algorithm, timestamp, scope, sha256Hex([]byte(canonical))}, "\n")
	secret := hmacSHA256([]byte("TC3"+key), auth.date)
	secret = hmacSHA256(secret, auth.service)
	secret = hmacSHA256(secret, "tc3_request")
	return hex.EncodeToString(hmacSHA256(secret, toSign))
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func hmacSHA256(key []byte, msg string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(msg))
	return h.Sum(nil)
}
