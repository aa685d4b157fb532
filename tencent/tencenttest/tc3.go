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

// tc3Algorithm is the only signing algorithm verifyTC3 accepts.
const tc3Algorithm = "TC3-HMAC-SHA256"

// The AuthFailure codes verifyTC3 answers with.
const (
	codeMissingAuthorization = "AuthFailure.MissingAuthorization"
	codeInvalidAuthorization = "AuthFailure.InvalidAuthorization"
	codeSecretIDNotFound     = "AuthFailure.SecretIdNotFound"
	codeSignatureExpire      = "AuthFailure.SignatureExpire"
	codeSignatureFailure     = "AuthFailure.SignatureFailure"
)

// authorization is the parsed Authorization header of a TC3 request.
type authorization struct {
	secretID, date, service string
	signedHeaders           []string
	signature               string
}

// verifyTC3 checks the TC3-HMAC-SHA256 signature of r, whose body is body,
// against secrets (SecretId to SecretKey) at the instant now, in the order
// the service checks: header present and well formed, SecretId known,
// timestamp within five minutes of now, signature right. Any SignedHeaders
// list that includes content-type and host will do.
func verifyTC3(r *http.Request, body []byte, secrets map[string]string, now time.Time) *apiError {
	header := r.Header.Get("Authorization")
	if strings.TrimSpace(header) == "" {
		return newAPIError(codeMissingAuthorization, "the Authorization header is missing")
	}
	auth, err := parseAuthorization(header)
	if err != nil {
		return err
	}
	key, ok := secrets[auth.secretID]
	if !ok {
		return newAPIError(codeSecretIDNotFound, "the SecretId is not found")
	}
	ts, err := checkTimestamp(r.Header.Get("X-TC-Timestamp"), now)
	if err != nil {
		return err
	}
	if time.Unix(ts, 0).UTC().Format(time.DateOnly) != auth.date {
		return newAPIError(codeSignatureFailure, "the credential date does not match X-TC-Timestamp")
	}
	want := tc3Signature(r, body, auth, strconv.FormatInt(ts, 10), key)
	if !hmac.Equal([]byte(want), []byte(auth.signature)) {
		return newAPIError(codeSignatureFailure, "the request signature does not match")
	}
	return nil
}

func parseAuthorization(header string) (*authorization, *apiError) {
	alg, rest, _ := strings.Cut(strings.TrimSpace(header), " ")
	if alg != tc3Algorithm {
		return nil, newAPIError(codeInvalidAuthorization, "the Authorization header must use "+tc3Algorithm)
	}
	fields := map[string]string{}
	for _, part := range strings.Split(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || v == "" || fields[k] != "" {
			return nil, newAPIError(codeInvalidAuthorization, "the Authorization header is garbled")
		}
		fields[k] = v
	}
	scope := strings.Split(fields["Credential"], "/")
	if len(scope) != 4 || scope[0] == "" || scope[2] == "" || scope[3] != "tc3_request" {
		return nil, newAPIError(codeInvalidAuthorization, "the Credential must be SecretId/Date/Service/tc3_request")
	}
	signed, err := parseSignedHeaders(fields["SignedHeaders"])
	if err != nil {
		return nil, err
	}
	sig := fields["Signature"]
	if _, err := hex.DecodeString(sig); err != nil || len(sig) != sha256.Size*2 {
		return nil, newAPIError(codeInvalidAuthorization, "the Signature must be 64 hex digits")
	}
	return &authorization{secretID: scope[0], date: scope[1], service: scope[2], signedHeaders: signed, signature: sig}, nil
}

func parseSignedHeaders(list string) ([]string, *apiError) {
	names := strings.Split(list, ";")
	var hasHost, hasContentType bool
	for _, n := range names {
		if n == "" || n != strings.ToLower(n) {
			return nil, newAPIError(codeInvalidAuthorization, "SignedHeaders must be lower-case names separated by ;")
		}
		hasHost = hasHost || n == "host"
		hasContentType = hasContentType || n == "content-type"
	}
	if !hasHost || !hasContentType {
		return nil, newAPIError(codeInvalidAuthorization, "SignedHeaders must include content-type and host")
	}
	return names, nil
}

func checkTimestamp(value string, now time.Time) (int64, *apiError) {
	ts, err := strconv.ParseInt(value, 10, 64)
	if err != nil {
		return 0, newAPIError(codeInvalidAuthorization, "X-TC-Timestamp must be Unix seconds")
	}
	skew := now.Sub(time.Unix(ts, 0))
	if skew > 5*time.Minute || skew < -5*time.Minute {
		return 0, newAPIError(codeSignatureExpire, "the signature has expired: the request timestamp is more than 5 minutes off the server clock")
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
