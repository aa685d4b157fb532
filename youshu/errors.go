package youshu

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/biembed/biembed-go/internal/pipeline"
)

// Sentinels for errors.Is against an *Error. Package tencent has the same
// names for the same failures.
var (
	ErrRateLimited       = errors.New("youshu: rate limited")               // HTTP 429 or code 429
	ErrUnauthorized      = errors.New("youshu: unauthorized")               // HTTP or code 401 and 403: bad credential, or not allowed
	ErrNotFound          = errors.New("youshu: not found")                  // HTTP or code 404, such as an unknown account or token
	ErrReportDataFilters = errors.New("youshu: reportDataFilters rejected") // code 743: a report, model, table or field the server does not know
	ErrServer            = errors.New("youshu: server error")               // HTTP 5xx, or a code from 500 to 599
	ErrNetwork           = errors.New("youshu: network error")              // no answer: the connection failed or was cut
	ErrTimeout           = errors.New("youshu: timed out")                  // an attempt's WithTimeout or ctx's deadline passed
	ErrHTTPStatus        = errors.New("youshu: unexpected HTTP status")     // any status but 2xx (redirects are never followed)
	ErrMalformedResponse = errors.New("youshu: malformed response")         // not the JSON envelope (an HTML page, a lie), cut short, no result, an unusable token
	ErrResponseTooLarge  = errors.New("youshu: response too large")         // headers over 64 KiB or body over 1 MiB
)

// Error is the failure of one call to a Youshu endpoint. Code and Message
// come from the JSON envelope when there is one; Message (from "message"
// or "msg") has the call's secrets, in any encoding, and any token-like run
// of 24 or more letters, digits, "-" or "_" masked, control characters
// escaped and long text cut. Match it with errors.Is against the Err*
// sentinels, context.Canceled and context.DeadlineExceeded;
// biembed.Retryable says whether it is worth trying again.
type Error struct {
	Endpoint   string // "genToken", "rmToken" or "renewToken"
	HTTPStatus int    // HTTP status, 0 when no answer arrived
	Code       int    // the envelope's code, 0 when there was none
	Message    string // the server's message (sanitised), or what the client saw
	kind       error  // a sentinel no field shows: ErrMalformedResponse, ErrNetwork, ...
	neverSent  bool   // the connection failed before any byte was sent
	cause      error  // a transport or context error, without URL queries
}

// Error returns "youshu <endpoint>: <kind>: HTTP n: code c: <message>: <cause>".
func (e *Error) Error() string {
	parts := []string{"youshu " + e.Endpoint}
	if e.kind != nil {
		parts = append(parts, strings.TrimPrefix(e.kind.Error(), "youshu: "))
	}
	if e.HTTPStatus != 0 && (e.kind != nil || e.HTTPStatus/100 != 2) {
		parts = append(parts, "HTTP "+strconv.Itoa(e.HTTPStatus))
	}
	if e.Code != 0 && e.Code != http.StatusOK {
		parts = append(parts, "code "+strconv.Itoa(e.Code))
	}
	if e.Message != "" {
		parts = append(parts, e.Message)
	}
	if e.cause != nil {
		parts = append(parts, e.cause.Error())
	}
	if len(parts) == 1 { // an answer nothing classifies (a status no server sends) still says what came
		parts = append(parts, "HTTP "+strconv.Itoa(e.HTTPStatus))
	}
	return strings.Join(parts, ": ")
}

// Unwrap returns the transport or context error behind e, or nil.
func (e *Error) Unwrap() error { return e.cause }

// Is reports whether e matches one of the package's sentinels, or the
// marker biembed.Retryable asks for.
func (e *Error) Is(target error) bool {
	status := func(codes ...int) bool { return slices.Contains(codes, e.HTTPStatus) || slices.Contains(codes, e.Code) }
	switch target {
	case ErrRateLimited:
		return status(http.StatusTooManyRequests)
	case ErrUnauthorized:
		return status(http.StatusUnauthorized, http.StatusForbidden)
	case ErrNotFound:
		return status(http.StatusNotFound)
	case ErrReportDataFilters:
		return e.Code == 743
	case ErrServer:
		return e.HTTPStatus/100 == 5 || e.Code/100 == 5
	case ErrHTTPStatus:
		return e.HTTPStatus != 0 && e.HTTPStatus/100 != 2
	case ErrTimeout:
		return e.kind == ErrTimeout || errors.Is(e.cause, context.DeadlineExceeded)
	case pipeline.ErrRetryable:
		return e.retry(false)
	}
	return e.kind != nil && target == e.kind
}

// retry reports whether the call that failed with e may be sent again: a
// mint (genToken) only where the server cannot have acted on it.
func (e *Error) retry(mint bool) bool {
	switch {
	case e.neverSent, e.Is(ErrRateLimited), e.HTTPStatus == http.StatusServiceUnavailable:
		return true
	case mint || errors.Is(e.cause, context.Canceled):
		return false
	}
	return e.kind == ErrNetwork || e.kind == ErrTimeout || (e.kind == ErrMalformedResponse && e.cause != nil) ||
		e.HTTPStatus == http.StatusInternalServerError || e.HTTPStatus == http.StatusBadGateway ||
		e.HTTPStatus == http.StatusGatewayTimeout
}
