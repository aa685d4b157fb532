package tencent

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"

	"github.com/biembed/biembed-go/internal/validate"
)

// Clock tells the time. *biembedtest.Clock implements it, and so does any
// type with a Now method; every clock option of the SDK takes this shape.
type Clock interface {
	Now() time.Time
}

// WithClock sets the client's clock. It stamps every request: the TC3
// signature's X-TC-Timestamp, which the service rejects when it is more than
// five minutes off (AuthFailure.SignatureExpire), and EmbedToken.ExpiresAt.
// The default is the system clock.
//
// Tests share one manual clock (biembedtest.Clock) between the client, its
// Cache (CacheOptions.Clock) and tencenttest.WithClock, so hours of token
// life pass without sleeping and without signature failures.
//
// tencentcloud/common signs with the system time; with WithClock the client
// signs each request again on its transport, with the clock's time and the
// same credential.
func WithClock(clock Clock) Option {
	return func(c *config) error {
		if clock == nil {
			return validate.Fieldf("WithClock", "must not be nil")
		}
		c.now, c.signClock = clock.Now, clock
		return nil
	}
}

// withClockSigning returns base, wrapped to re-sign requests with clock's
// time when clock is set.
func withClockSigning(base http.RoundTripper, clock Clock, cred common.CredentialIface) http.RoundTripper {
	if clock == nil {
		return base
	}
	return &clockSigner{base: base, clock: clock, cred: cred}
}

// clockSigner signs each TC3-signed request again at its clock's time.
type clockSigner struct {
	base  http.RoundTripper
	clock Clock
	cred  common.CredentialIface
}

// tc3SignedHeaders are the headers common signs, and so the ones we sign.
var tc3SignedHeaders = []string{"content-type", "host"}

// RoundTrip implements http.RoundTripper: it sends a copy of req whose
// X-TC-Timestamp and Authorization come from the clock. Requests that carry
// no TC3 Authorization pass unchanged.
func (s *clockSigner) RoundTrip(req *http.Request) (*http.Response, error) {
	service, ok := tc3Service(req.Header.Get("Authorization"))
	if !ok {
		return s.base.RoundTrip(req)
	}
	var body []byte
	if req.Body != nil {
		var err error
		body, err = io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
	}
	out := req.Clone(req.Context())
	out.Body = io.NopCloser(bytes.NewReader(body))
	out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	id, key, token := s.cred.GetCredential()
	out.Header.Del("X-TC-Token")
	if token != "" {
		out.Header.Set("X-TC-Token", token)
	}
	signTC3(out, body, service, id, key, s.clock.Now(), tc3SignedHeaders)
	return s.base.RoundTrip(out)
}

// CloseIdleConnections closes idle connections of the wrapped transport.
func (s *clockSigner) CloseIdleConnections() {
	if c, ok := s.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// tc3Service returns the service of a TC3 Authorization header's credential
// scope (SecretId/Date/Service/tc3_request).
func tc3Service(authorization string) (string, bool) {
	rest, ok := strings.CutPrefix(authorization, "TC3-HMAC-SHA256 Credential=")
	if !ok {
		return "", false
	}
	scope, _, _ := strings.Cut(rest, ",")
	parts := strings.Split(scope, "/")
	if len(parts) != 4 || parts[2] == "" {
		return "", false
	}
	return parts[2], true
}

// signTC3 sets X-TC-Timestamp and a TC3-HMAC-SHA256 Authorization header on
// r, whose body is body, as Tencent Cloud's signature v3 defines them: the
// canonical URI is "/" (as common signs), header values are trimmed and
// lower-cased.
func signTC3(r *http.Request, body []byte, service, id, key string, at time.Time, signed []string) {
	ts := strconv.FormatInt(at.Unix(), 10)
	date := time.Unix(at.Unix(), 0).UTC().Format(time.DateOnly)
	r.Header.Set("X-TC-Timestamp", ts)
	var canonical strings.Builder
	canonical.WriteString(r.Method + "\n/\n" + r.URL.RawQuery + "\n")
	for _, name := range signed {
		value := r.Header.Get(name)
		if name == "host" {
			value = r.Host
			if value == "" {
				value = r.URL.Host
			}
		}
		canonical.WriteString(name + ":" + strings.ToLower(strings.TrimSpace(value)) + "\n")
	}
	signedList := strings.Join(signed, ";")
	canonical.WriteString("\n" + signedList + "\n" + sha256Hex([]byte(body)))
	scope := date + "/" + service + "/tc3_request"
	toSign := "TC3-HMAC-SHA256\n" + ts + "\n" + scope + "\n" + sha256Hex([]byte(canonical.String()))
	k := hmacSHA256([]byte("TC3"+key), date)
	k = hmacSHA256(k, service)
	k = hmacSHA256(k, "tc3_request")
	signature := hex.EncodeToString(hmacSHA256(k, toSign))
	r.Header.Set("Authorization", "TC3-HMAC-SHA256 Credential="+id+"/"+scope+
		", SignedHeaders="+signedList+", Signature="+signature)
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
