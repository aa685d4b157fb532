package youshu

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/biembed/biembed-go/internal/safetext"
)

// Codes of the JSON envelope {"code": ..., "message": ...}. CodeOK and
// CodeReportDataFilters are documented by Youshu. CodeUnauthorized and
// CodeForbidden are what youshutest answers for bad credentials and for a
// caller that lacks the rights (not a super admin, not a project admin, wrong
// helper token); real deployments may use other codes, which then surface as
// a plain *Error with that Code.
const (
	CodeOK                = 200
	CodeUnauthorized      = 401
	CodeForbidden         = 403
	CodeReportDataFilters = 743
)

// Sentinels matched by errors.Is against an *Error.
var (
	// ErrUnauthorized: HTTP 401 or 403, or JSON code CodeUnauthorized or
	// CodeForbidden (bad credentials, or not allowed to do this).
	ErrUnauthorized = errors.New("youshu: unauthorized")
	// ErrReportDataFilters: JSON code 743, a reportDataFilters entry names a
	// report, model, connection, table or field the server does not know.
	ErrReportDataFilters = errors.New("youshu: reportDataFilters rejected")
	// ErrHTTPStatus: the HTTP status was not 2xx (redirects are not followed).
	ErrHTTPStatus = errors.New("youshu: unexpected HTTP status")
	// ErrServer: HTTP 5xx, or a JSON code from 500 to 599.
	ErrServer = errors.New("youshu: server error")
	// ErrMalformedResponse: a 2xx response whose body is not the JSON
	// envelope, such as an HTML login page served by a proxy.
	ErrMalformedResponse = errors.New("youshu: malformed response")
	// ErrEmptyResult: code 200 with an empty or missing result.
	ErrEmptyResult = errors.New("youshu: empty result")
	// ErrResponseTooLarge: the body exceeded WithMaxResponseBytes.
	ErrResponseTooLarge = errors.New("youshu: response too large")
)

// Error is the failure of one call to a Youshu endpoint. Code and Message come
// from the JSON envelope when there is one (Message from "message" or "msg",
// with the call's secrets, in any encoding (raw, JSON escapes, URL
// encoding), and any token-like run of 24 or more letters,
// digits, "-" or "_" masked, control characters escaped and long text cut).
// HTTPStatus is 0 when no response arrived. Unwrap returns the transport or
// context error behind it, if any, with the URL query removed.
type Error struct {
	Endpoint   string // EndpointGenToken, EndpointRmToken or EndpointRenewToken
	HTTPStatus int    // HTTP status, 0 when no response arrived
	Code       int    // JSON code, 0 when the body had none
	Message    string // server message, scrubbed

	kind      error  // ErrMalformedResponse, ErrEmptyResult, ErrResponseTooLarge or nil
	detail    string // what we saw, for kind errors; never body text
	cause     error  // scrubbed transport or context error
	causeText string // cause.Error() with the call's secrets masked
}

// Error returns a one-line description without any secret of the call.
func (e *Error) Error() string {
	parts := []string{"youshu " + e.Endpoint}
	if e.kind != nil {
		parts = append(parts, strings.TrimPrefix(e.kind.Error(), "youshu: "))
	}
	if e.HTTPStatus != 0 && (e.kind != nil || !is2xx(e.HTTPStatus)) {
		parts = append(parts, "HTTP "+strconv.Itoa(e.HTTPStatus))
	}
	if e.Code != 0 && e.Code != CodeOK {
		parts = append(parts, "code "+strconv.Itoa(e.Code))
	}
	for _, s := range []string{e.Message, e.detail, e.causeText} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, ": ")
}

// GoString returns the same safe text as Error, so %#v reveals nothing more.
func (e *Error) GoString() string { return "&youshu.Error{" + strconv.Quote(e.Error()) + "}" }

// Unwrap returns the transport or context error behind e, or nil.
func (e *Error) Unwrap() error { return e.cause }

// Is reports whether e matches one of the package's sentinels.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrUnauthorized:
		return e.HTTPStatus == 401 || e.HTTPStatus == 403 || e.Code == CodeUnauthorized || e.Code == CodeForbidden
	case ErrReportDataFilters:
		return e.Code == CodeReportDataFilters
	case ErrHTTPStatus:
		return e.HTTPStatus != 0 && !is2xx(e.HTTPStatus)
	case ErrServer:
		return (e.HTTPStatus >= 500 && e.HTTPStatus <= 599) || (e.Code >= 500 && e.Code <= 599)
	}
	return e.kind != nil && target == e.kind
}

func is2xx(status int) bool { return status >= 200 && status <= 299 }

// secrets lists the values of one call that must not appear in its errors.
type secrets []string

// tokenLike matches runs that look like a token or key (Youshu tokens are
// 37 hex digits): a server message may echo a secret this call did not send.
var tokenLike = regexp.MustCompile(`[A-Za-z0-9_-]{24,}`)

// scrub masks every form (raw, JSON-escaped, URL-encoded) of every secret
// in s and every token-like run, escapes control characters and cuts s to
// maxMessageBytes.
func (sc secrets) scrub(s string) string {
	return safetext.NewScrubber(sc, tokenLike).Clean(s, maxMessageBytes)
}

// maxMessageBytes bounds how much server text an error carries.
const maxMessageBytes = safetext.MaxMessageBytes

func truncate(s string, n int) string { return safetext.Truncate(s, n) }

// transportError wraps a failure to get a response: the *url.Error inside
// loses its query (token=, t=) and the text is scrubbed.
func transportError(endpoint string, err error, sc secrets) *Error {
	cause := stripURLQuery(err)
	return &Error{Endpoint: endpoint, cause: cause, causeText: sc.scrub(cause.Error())}
}

// stripURLQuery returns err's *url.Error, if it has one, rebuilt with the
// query, fragment and user info removed from its URL; otherwise err.
func stripURLQuery(err error) error {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return err
	}
	return &url.Error{Op: ue.Op, URL: redactURL(ue.URL), Err: ue.Err}
}

func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		raw, _, _ = strings.Cut(raw, "?")
		return raw
	}
	u.RawQuery, u.Fragment, u.RawFragment, u.User = "", "", "", nil
	u.ForceQuery = false
	return u.String()
}

// kindError returns an *Error of one of the kinds that no field shows.
func kindError(endpoint string, kind error, status int, format string, args ...any) *Error {
	return &Error{Endpoint: endpoint, HTTPStatus: status, kind: kind, detail: fmt.Sprintf(format, args...)}
}
