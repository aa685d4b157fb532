package tencent

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"net/http"

	"github.com/biembed/biembed-go/internal/httplimit"
)

// MaxResponseBytes bounds every response body the client reads;
// tencentcloud/common reads bodies whole, so the client's transport stops
// longer ones with ErrResponseTooLarge.
const MaxResponseBytes = 1 << 20

// MaxResponseHeaderBytes bounds the response headers the client accepts
// (ErrResponseTooLarge): the default transport stops reading past it, and
// the client's wrapper refuses larger headers from a WithTransport transport.
const MaxResponseHeaderBytes = httplimit.MaxHeaderBytes

// Transport-level failures that common would otherwise turn into messages
// quoting the body, or act on (redirects).
var (
	errTooLarge        = errors.New("response exceeds the size limit")
	errNotJSON         = errors.New("response is not a JSON object")
	errContentEncoding = errors.New("response has an unrequested content encoding")
	errRedirect        = errors.New("redirect refused")
	errCutShort        = errors.New("response body cut short")
)

// attemptKey is the context key of the *attempt the transport reports into.
type attemptKey struct{}

// attemptContext is one attempt's context: its parent (the attempt's
// timeout) and the *attempt under attemptKey, in one allocation.
type attemptContext struct {
	context.Context
	attempt attempt
}

// Value returns the attempt under attemptKey, else the parent's value.
func (c *attemptContext) Value(key any) any {
	if key == (attemptKey{}) {
		return &c.attempt
	}
	return c.Context.Value(key)
}

// attempt is what the transport saw of one HTTP exchange. common does not
// return the response when it fails, so the transport records what the error
// mapping needs. It is written and read on the calling goroutine only.
type attempt struct {
	status   int   // HTTP status, 0 before a response
	tooLarge bool  // the headers or the body went past their limit
	readErr  error // the body read failed (connection cut, ctx done)
}

func attemptFrom(ctx context.Context) *attempt {
	a, _ := ctx.Value(attemptKey{}).(*attempt)
	return a
}

// limitedTransport wraps the HTTP transport: it records the status, refuses
// redirects (common's http.Client would follow them, resending the signed
// request and the session token to the Location), oversized headers,
// non-JSON and content-encoded answers, and reads the body whole under
// MaxResponseBytes, so common never sees more than a bounded JSON object.
type limitedTransport struct {
	base http.RoundTripper
}

// RoundTrip implements http.RoundTripper.
func (t *limitedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	a := attemptFrom(req.Context())
	if a == nil {
		a = &attempt{}
	}
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		if httplimit.IsHeaderLimit(err) {
			a.tooLarge = true
			return nil, errTooLarge
		}
		return nil, err
	}
	a.status = resp.StatusCode
	if err := checkResponse(resp, a); err != nil {
		resp.Body.Close()
		return nil, err
	}
	body, err := readLimited(resp.Body, resp.ContentLength, a)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	if !isJSONObject(body) {
		return nil, errNotJSON
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	return resp, nil
}

// CloseIdleConnections closes idle connections of the wrapped transport.
func (t *limitedTransport) CloseIdleConnections() {
	if c, ok := t.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// checkResponse refuses a redirect, oversized headers, and a body that is
// not JSON (content type) or carries a content encoding: Go's transport
// already undoes the gzip it asked for, and common would inflate any other
// encoding past the size limit. An unlabelled body must parse as JSON.
func checkResponse(resp *http.Response, a *attempt) error {
	if httplimit.HeaderBytes(resp.Header) > MaxResponseHeaderBytes {
		a.tooLarge = true
		return errTooLarge
	}
	if resp.StatusCode >= 300 && resp.StatusCode <= 399 {
		return errRedirect
	}
	if resp.Header.Get("Content-Encoding") != "" {
		return errContentEncoding
	}
	ct := resp.Header.Get("Content-Type")
	if ct == "" || ct == "application/json" { // the service's; anything else is parsed
		return nil
	}
	mediaType, _, err := mime.ParseMediaType(ct)
	if err != nil || mediaType != "application/json" {
		return errNotJSON
	}
	return nil
}

// readLimited reads the whole body if it is at most MaxResponseBytes long.
// A declared length (size) within the limit only sizes the buffer: a body
// that ends early or goes on past it is read as it is, as io.ReadAll would.
func readLimited(body io.Reader, size int64, a *attempt) ([]byte, error) {
	if size < 0 || size > MaxResponseBytes {
		b, err := io.ReadAll(io.LimitReader(body, MaxResponseBytes+1))
		return checkRead(b, err, a)
	}
	b := make([]byte, 0, size+1)
	for len(b) < cap(b) { // up to one byte past size: is there more?
		n, err := body.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return checkRead(b, nil, a)
		}
		if err != nil {
			return checkRead(nil, err, a)
		}
	}
	rest, err := io.ReadAll(io.LimitReader(body, MaxResponseBytes+1-int64(len(b))))
	return checkRead(append(b, rest...), err, a)
}

// checkRead records a failed or oversized read in a.
func checkRead(b []byte, err error, a *attempt) ([]byte, error) {
	switch {
	case err != nil:
		a.readErr = err
		return nil, errCutShort
	case len(b) > MaxResponseBytes:
		a.tooLarge = true
		return nil, errTooLarge
	}
	return b, nil
}

// isJSONObject reports whether b starts like a JSON object. common panics
// on a top-level null and quotes any unparsable body in its errors.
func isJSONObject(b []byte) bool {
	b = bytes.TrimLeft(b, " \t\r\n")
	return len(b) > 0 && b[0] == '{'
}
