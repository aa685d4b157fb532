// Package httplimit bounds what the clients' HTTP transports accept from a
// server beyond the body: response headers. net/http reads up to 10 MB of
// headers by default; the clients refuse more than MaxHeaderBytes.
package httplimit

import (
	"errors"
	"net/http"
	"strings"
)

// MaxHeaderBytes bounds the response headers a client accepts.
const MaxHeaderBytes = 64 << 10

// ErrHeadersTooLarge is the error of a response whose headers pass
// MaxHeaderBytes.
var ErrHeadersTooLarge = errors.New("response headers exceed the size limit")

// DefaultTransport returns a clone of http.DefaultTransport that stops
// reading response headers past MaxHeaderBytes.
func DefaultTransport() http.RoundTripper {
	t, ok := http.DefaultTransport.(*http.Transport)
	if !ok {
		return http.DefaultTransport
	}
	t = t.Clone()
	t.MaxResponseHeaderBytes = MaxHeaderBytes
	return t
}

// Transport wraps Base and refuses responses whose headers pass
// MaxHeaderBytes with ErrHeadersTooLarge, whether Base stopped reading them
// (an *http.Transport with MaxResponseHeaderBytes) or read them whole (any
// other transport, such as a caller's).
type Transport struct {
	Base http.RoundTripper
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.Base.RoundTrip(req)
	if err != nil {
		if IsHeaderLimit(err) {
			return nil, ErrHeadersTooLarge
		}
		return nil, err
	}
	if HeaderBytes(resp.Header) > MaxHeaderBytes {
		resp.Body.Close()
		return nil, ErrHeadersTooLarge
	}
	return resp, nil
}

// CloseIdleConnections closes the idle connections of Base.
func (t *Transport) CloseIdleConnections() {
	if c, ok := t.Base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// HeaderBytes approximates the wire size of h: each line's name, value,
// ": " and CRLF.
func HeaderBytes(h http.Header) int {
	n := 0
	for k, vs := range h {
		for _, v := range vs {
			n += len(k) + len(v) + 4
		}
	}
	return n
}

// IsHeaderLimit reports whether err is net/http's refusal of headers past
// http.Transport.MaxResponseHeaderBytes, which has no exported type.
func IsHeaderLimit(err error) bool {
	return err != nil && strings.Contains(err.Error(), "server response headers exceeded")
}
