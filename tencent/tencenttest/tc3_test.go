package tencenttest

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The documented TC3 example (service cvm), used as a test vector.
const (
	vectorPayload   = `{"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]}`
	vectorSignature = "10b1a37a7301a02ca19a647ad722d5e43b4b3cff309d421d85b46093f6ab6c4f"
	vectorID        = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******"
	vectorTimestamp = 1551113065
)

var vectorKey = strings.Repeat("*", 32)

func vectorRequest(authorization string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "https://cvm.tencentcloudapi.com/", strings.NewReader(vectorPayload))
	r.Header.Set("Content-Type", "application/json; charset=utf-8")
	r.Header.Set("X-TC-Action", "DescribeInstances")
	r.Header.Set("X-TC-Timestamp", strconv.Itoa(vectorTimestamp))
	if authorization != "" {
		r.Header.Set("Authorization", authorization)
	}
	return r
}

func vectorAuthorization(signature string) string {
	return "TC3-HMAC-SHA256 Credential=" + vectorID + "/2019-02-25/cvm/tc3_request, " +
		"SignedHeaders=content-type;host;x-tc-action, Signature=" + signature
}

func TestVerifyTC3PassesTheDocumentedVector(t *testing.T) {
	t.Parallel()
	if !strings.Contains(vectorPayload, `\u672a\u547d\u540d`) {
		t.Fatal("the payload must hold the literal 6-character escapes")
	}
	r := vectorRequest(vectorAuthorization(vectorSignature))
	if err := verifyTC3(r, []byte(vectorPayload), map[string]string{vectorID: vectorKey}, time.Unix(vectorTimestamp+60, 0)); err != nil {
		t.Fatalf("verifyTC3 rejected the documented example: %v", err)
	}
}

// sign sets a TC3 Authorization header on r for body, signing headers.
func sign(r *http.Request, body []byte, id, key string, at time.Time, headers ...string) {
	if len(headers) == 0 {
		headers = []string{"content-type", "host"}
	}
	r.Header.Set("X-TC-Timestamp", strconv.FormatInt(at.Unix(), 10))
	date := at.UTC().Format(time.DateOnly)
	sig := tc3Signature(r, body, date, "bi", headers, at.Unix(), key)
	r.Header.Set("Authorization", "TC3-HMAC-SHA256 Credential="+id+"/"+date+"/bi/tc3_request, SignedHeaders="+
		strings.Join(headers, ";")+", Signature="+sig)
}

func TestVerifyTC3Failures(t *testing.T) {
	t.Parallel()
	now := time.Now()
	body := []byte(`{"ProjectId":1}`)
	secrets := map[string]string{SecretID: SecretKey}
	newReq := func() *http.Request {
		r := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:9/", nil)
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("X-TC-Action", "CreateEmbedToken")
		return r
	}
	signed := func(edit func(r *http.Request)) *http.Request {
		r := newReq()
		sign(r, body, SecretID, SecretKey, now)
		if edit != nil {
			edit(r)
		}
		return r
	}
	setAuth := func(v string) func(*http.Request) { return func(r *http.Request) { r.Header.Set("Authorization", v) } }
	cases := []struct {
		name string
		req  *http.Request
		body []byte
		code string // "" means valid
	}{
		{"valid", signed(nil), body, ""},
		{"valid with more signed headers", func() *http.Request {
			r := newReq()
			sign(r, body, SecretID, SecretKey, now, "content-type", "host", "x-tc-action")
			return r
		}(), body, ""},
		{"missing", newReq(), body, codeMissingAuthorization},
		{"other algorithm", signed(setAuth("HMAC-SHA1 Credential=x")), body, codeInvalidAuthorization},
		{"garbled", signed(setAuth("TC3-HMAC-SHA256 garbage")), body, codeInvalidAuthorization},
		{"short credential", signed(setAuth("TC3-HMAC-SHA256 Credential=a/b, SignedHeaders=content-type;host, Signature=" + strings.Repeat("0", 64))), body, codeInvalidAuthorization},
		{"host not signed", signed(setAuth("TC3-HMAC-SHA256 Credential=" + SecretID + "/2020-01-01/bi/tc3_request, SignedHeaders=content-type, Signature=" + strings.Repeat("0", 64))), body, codeInvalidAuthorization},
		{"short signature", signed(func(r *http.Request) {
			r.Header.Set("Authorization", r.Header.Get("Authorization")[:len(r.Header.Get("Authorization"))-2])
		}), body, codeInvalidAuthorization},
		{"unknown id", func() *http.Request { r := newReq(); sign(r, body, "AKIDother", SecretKey, now); return r }(), body, codeSecretIDNotFound},
		{"wrong key", func() *http.Request { r := newReq(); sign(r, body, SecretID, "wrong", now); return r }(), body, codeSignatureFailure},
		{"tampered body", signed(nil), []byte(`{"ProjectId":2}`), codeSignatureFailure},
		{"tampered signed header", signed(func(r *http.Request) { r.Header.Set("Content-Type", "text/plain") }), body, codeSignatureFailure},
		{"six minutes old", func() *http.Request {
			r := newReq()
			sign(r, body, SecretID, SecretKey, now.Add(-6*time.Minute))
			return r
		}(), body, codeSignatureExpire},
		{"six minutes ahead", func() *http.Request {
			r := newReq()
			sign(r, body, SecretID, SecretKey, now.Add(6*time.Minute))
			return r
		}(), body, codeSignatureExpire},
		{"four minutes old", func() *http.Request {
			r := newReq()
			sign(r, body, SecretID, SecretKey, now.Add(-4*time.Minute))
			return r
		}(), body, ""},
		{"bad timestamp", signed(func(r *http.Request) { r.Header.Set("X-TC-Timestamp", "soon") }), body, codeInvalidAuthorization},
		{"timestamp of another day", signed(func(r *http.Request) {
			r.Header.Set("X-TC-Timestamp", strconv.FormatInt(now.Add(-24*time.Hour).Unix(), 10))
		}), body, codeSignatureExpire},
	}
	for _, c := range cases {
		err := verifyTC3(c.req, c.body, secrets, now)
		switch {
		case c.code == "" && err != nil:
			t.Errorf("%s: rejected a valid request: %v", c.name, err)
		case c.code != "" && (err == nil || err.Code != c.code):
			t.Errorf("%s: error = %v, want %s", c.name, err, c.code)
		}
	}
}

func TestVerifyTC3ChecksCredentialDate(t *testing.T) {
	t.Parallel()
	r := vectorRequest(strings.Replace(vectorAuthorization(vectorSignature), "2019-02-25", "2019-02-26", 1))
	err := verifyTC3(r, []byte(vectorPayload), map[string]string{vectorID: vectorKey}, time.Unix(vectorTimestamp, 0))
	if err == nil || err.Code != codeSignatureFailure {
		t.Errorf("error = %v, want SignatureFailure for a credential date that is not the timestamp's", err)
	}
}

func FuzzVerifyTC3(f *testing.F) {
	f.Add(vectorAuthorization(vectorSignature), strconv.Itoa(vectorTimestamp), []byte(vectorPayload), "content-type")
	f.Add("TC3-HMAC-SHA256 Credential=///, SignedHeaders=;, Signature=zz", "-1", []byte{}, "")
	f.Add("TC3-HMAC-SHA256 ,,==,", "99999999999999999999", []byte("{"), "host")
	f.Fuzz(func(t *testing.T, auth, timestamp string, body []byte, header string) {
		r := vectorRequest(auth)
		r.Header.Set("X-TC-Timestamp", timestamp)
		r.Header.Set("X-Extra", header)
		err := verifyTC3(r, body, map[string]string{vectorID: vectorKey}, time.Unix(vectorTimestamp, 0))
		valid := auth == vectorAuthorization(vectorSignature) && timestamp == strconv.Itoa(vectorTimestamp) &&
			string(body) == vectorPayload
		if valid != (err == nil) {
			t.Fatalf("verifyTC3(%q, %q, %q) = %v", auth, timestamp, body, err)
		}
	})
}
