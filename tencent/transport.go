package tencent

import (
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
)

// MaxResponseBytes bounds every response body the client reads;
// tencentcloud/common reads bodies whole, so the client's transport stops
// longer ones with ErrResponseTooLarge.
const MaxResponseBytes = 1 << 20

// Transport-level failures that common would otherwise turn into messages
// quoting the body.
var (
	errTooLarge        = errors.New("response body exceeds the size limit")
	errNotJSON         = errors.New("response content type is not JSON")
	errContentEncoding = errors.New("response has an unrequested content encoding")
)

// attemptKey is the context key of the *attempt the transport reports into.
type attemptKey struct{}

// attempt is what the transport saw of one HTTP exchange. common does not
// return the response when it fails, so the transport records what the error
// mapping needs. It is written and read on the calling goroutine only.
type attempt struct {
	status   int   // HTTP status, 0 before a response
	tooLarge bool  // the body went past MaxResponseBytes
	readErr  error // the body read failed (connection cut, ctx done)
}

func attemptFrom(ctx context.Context) *attempt {
	a, _ := ctx.Value(attemptKey{}).(*attempt)
	return a
}

// limitedTransport wraps the HTTP transport: it records the status, refuses
// non-JSON and content-encoded answers, and limits body size.
type limitedTransport struct {
	base http.RoundTripper
}

// RoundTrip implements http.RoundTripper.
func (t *limitedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	a := attemptFrom(req.Context())
	if a == nil {
		a = &attempt{}
	}
	a.status = resp.StatusCode
	if err := checkHeaders(resp.Header); err != nil {
		resp.Body.Close()
		return nil, err
	}
	resp.Body = &limitedBody{rc: resp.Body, left: MaxResponseBytes, a: a}
	return resp, nil
}

// CloseIdleConnections closes idle connections of the wrapped transport.
func (t *limitedTransport) CloseIdleConnections() {
	if c, ok := t.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// checkHeaders accepts JSON (or an unlabelled body, which must then parse as
// JSON) without a content encoding: Go's transport already undoes the gzip it
// asked for, and common would inflate any other encoding past the size limit.
func checkHeaders(h http.Header) error {
	if h.Get("Content-Encoding") != "" {
		return errContentEncoding
	}
	ct := h.Get("Content-Type")
	if ct == "" {
		return nil
	}
	mediaType, _, err := mime.ParseMediaType(ct)
	if err != nil || mediaType != "application/json" {
		return errNotJSON
	}
	return nil
}

// limitedBody reads at most left bytes and fails with errTooLarge when the
// body holds more. It closes the body on any failure: common does not close
// a body whose read failed, which would keep the connection and the
// http.Client timeout goroutine alive.
type limitedBody struct {
	rc   io.ReadCloser
	left int64
	a    *attempt
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		var probe [1]byte
		n, err := b.rc.Read(probe[:])
		if n > 0 {
			b.a.tooLarge = true
			b.rc.Close()
			return 0, errTooLarge
		}
		return 0, b.note(err)
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, b.note(err)
}

// note records a read failure other than the normal end of the body.
func (b *limitedBody) note(err error) error {
	if err != nil && err != io.EOF {
		if b.a.readErr == nil {
			b.a.readErr = err
		}
		b.rc.Close()
	}
	return err
}

func (b *limitedBody) Close() error { return b.rc.Close() }
