package tencenttest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The AuthFailure codes verifyTC3 answers with.
const (
	codeMissingAuthorization = "AuthFailure.MissingAuthorization"
	codeInvalidAuthorization = "AuthFailure.InvalidAuthorization"
	codeSecretIDNotFound     = "AuthFailure.SecretIdNotFound"
	codeSignatureExpire      = "AuthFailure.SignatureExpire"
	codeSignatureFailure     = "AuthFailure.SignatureFailure"
)

// tc3Header is a TC3-HMAC-SHA256 Authorization header: SecretId, date,
// service, SignedHeaders and Signature.
var tc3Header = regexp.MustCompile(`^TC3-HMAC-SHA256 Credential=([^/,\s]+)/([^/,\s]*)/([^/,\s]+)/tc3_request,\s*` +
	`SignedHeaders=([a-z0-9-]+(?:;[a-z0-9-]+)*),\s*Signature=([0-9a-f]{64})$`)

// verifyTC3 checks the TC3-HMAC-SHA256 signature of r, whose body is body,
// against secrets (SecretId to SecretKey) at the instant now, in the order
// the service checks: header present and well formed, SecretId known,
// timestamp within five minutes of now, signature right. Any SignedHeaders
// list that includes content-type and host will do.
func verifyTC3(r *http.Request, body []byte, secrets map[string]string, now time.Time) *apiError {
	header := strings.TrimSpace(r.Header.Get("Authorization"))
	if header == "" {
		return newAPIError(codeMissingAuthorization, "the Authorization header is missing")
	}
	m := tc3Header.FindStringSubmatch(header)
	if m == nil {
		return newAPIError(codeInvalidAuthorization, "the Authorization header must be TC3-HMAC-SHA256 Credential=SecretId/Date/Service/tc3_request, SignedHeaders=..., Signature=<64 hex digits>")
	}
	id, date, service, signed, signature := m[1], m[2], m[3], strings.Split(m[4], ";"), m[5]
	if !slices.Contains(signed, "host") || !slices.Contains(signed, "content-type") {
		return newAPIError(codeInvalidAuthorization, "SignedHeaders must include content-type and host")
	}
	key, ok := secrets[id]
	if !ok {
		return newAPIError(codeSecretIDNotFound, "the SecretId is not found")
	}
	ts, err := strconv.ParseInt(r.Header.Get("X-TC-Timestamp"), 10, 64)
	if err != nil {
		return newAPIError(codeInvalidAuthorization, "X-TC-Timestamp must be Unix seconds")
	}
	if skew := now.Sub(time.Unix(ts, 0)); skew > 5*time.Minute || skew < -5*time.Minute {
		return newAPIError(codeSignatureExpire, "the signature has expired: the request timestamp is more than 5 minutes off the server clock")
	}
	if time.Unix(ts, 0).UTC().Format(time.DateOnly) != date {
		return newAPIError(codeSignatureFailure, "the credential date does not match X-TC-Timestamp")
	}
	if !hmac.Equal([]byte(tc3Signature(r, body, date, service, signed, ts, key)), []byte(signature)) {
		return newAPIError(codeSignatureFailure, "the request signature does not match")
	}
	return nil
}

// tc3Signature computes the hex signature of r as TC3-HMAC-SHA256 defines it.
func tc3Signature(r *http.Request, body []byte, date, service string, signed []string, ts int64, key string) string {
	var headers strings.Builder
	for _, name := range signed {
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
	canonical := strings.Join([]string{r.Method, path, r.URL.RawQuery, headers.String(), strings.Join(signed, ";"), sha256Hex(body)}, "\n")
	scope := date + "/" + service + "/tc3_request"
	toSign := "TC3-HMAC-SHA256\n" + strconv.FormatInt(ts, 10) + "\n" + scope + "\n" + sha256Hex([]byte(canonical))
	secret := hmacSHA256(hmacSHA256(hmacSHA256([]byte("TC3"+key), date), service), "tc3_request")
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
