package tencent

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/biembed/biembed-go/internal/pipeline"
)

// Sentinels for errors.Is. A *Error matches the sentinel of its Code family
// (a code and its sub-codes) and, for HTTP failures, ErrHTTPStatus. Code
// AuthFailure.SignatureExpire (ErrUnauthorized) means the clock is more
// than 5 minutes off.
var (
	ErrRateLimited       = errors.New("tencent: rate limited")           // RequestLimitExceeded*, HTTP 429
	ErrUnauthorized      = errors.New("tencent: unauthorized")           // AuthFailure*, UnauthorizedOperation*
	ErrNotFound          = errors.New("tencent: not found")              // UnauthorizedOperation.UserNotExist, ResourceNotFound*
	ErrInvalidParameter  = errors.New("tencent: invalid parameter")      // InvalidParameter*, MissingParameter*, UnknownParameter*
	ErrFailedOperation   = errors.New("tencent: operation failed")       // FailedOperation*, OperationDenied*, UnsupportedOperation*, LimitExceeded*, ErrorInfo answers, Result false
	ErrServer            = errors.New("tencent: server error")           // InternalError*, HTTP 5xx
	ErrNetwork           = errors.New("tencent: network error")          // no answer: the connection failed or was cut
	ErrTimeout           = errors.New("tencent: timed out")              // an attempt's WithTimeout or ctx's deadline passed
	ErrHTTPStatus        = errors.New("tencent: unexpected HTTP status") // any status but 200 (redirects are never followed)
	ErrMalformedResponse = errors.New("tencent: malformed response")     // not the service's JSON, cut short, no Data or BIToken, an unusable token
	ErrResponseTooLarge  = errors.New("tencent: response too large")     // headers over 64 KiB or body over 1 MiB
)

// Client-side codes: the call failed without a server error code.
const (
	codeNetwork     = "ClientError.NetworkError"
	codeNeverSent   = "ClientError.ConnectFailed"
	codeTimeout     = "ClientError.Timeout"
	codeContextDone = "ClientError.ContextDone"
	codeHTTPStatus  = "ClientError.HttpStatusCodeError"
	codeMalformed   = "ClientError.MalformedResponse"
	codeCutShort    = "ClientError.CutShort"
	codeTooLarge    = "ClientError.ResponseTooLarge"
	codeEmpty       = "ClientError.EmptyResponse"
	codeErrorInfo   = "ClientError.ErrorInfo"   // HTTP 200 whose ErrorInfo is set; see Error.ErrorInfo
	codeResultFalse = "ClientError.ResultFalse" // the action answered false
)

// codeFamilies lists the code families of each sentinel; a code is of a
// family when it equals it or starts with it and a dot.
var codeFamilies = map[error][]string{
	ErrRateLimited:       {"RequestLimitExceeded"},
	ErrUnauthorized:      {"AuthFailure", "UnauthorizedOperation"},
	ErrNotFound:          {"UnauthorizedOperation.UserNotExist", "ResourceNotFound"},
	ErrInvalidParameter:  {"InvalidParameter", "InvalidParameterValue", "MissingParameter", "UnknownParameter"},
	ErrFailedOperation:   {"FailedOperation", "OperationDenied", "UnsupportedOperation", "LimitExceeded", codeErrorInfo, codeResultFalse},
	ErrServer:            {"InternalError"},
	ErrNetwork:           {codeNetwork, codeNeverSent},
	ErrTimeout:           {codeTimeout},
	ErrHTTPStatus:        {codeHTTPStatus},
	ErrMalformedResponse: {codeMalformed, codeCutShort, codeEmpty},
	ErrResponseTooLarge:  {codeTooLarge},
}

// ErrorInfo is the error object a BI answer may carry with HTTP 200 and no
// error code.
type ErrorInfo struct {
	ErrorTip      string `json:"ErrorTip"`
	ErrorMessage  string `json:"ErrorMessage"`
	ErrorLevel    string `json:"ErrorLevel"` // ERROR, WARN or INFO
	DocLink       string `json:"DocLink"`
	FAQ           string `json:"FAQ"`
	ReservedField string `json:"ReservedField"`
}

// Error is every failure of a call that passed validation: a server error
// code, an ErrorInfo answer, or a client-side failure (Code ClientError.*).
// Match it with errors.Is against the Err* sentinels and the context's
// errors; biembed.Retryable says whether it is worth trying again. Its text
// never holds a key, a token or a response body: server text has the
// call's tokens and the credential's secrets masked in every encoding,
// control characters escaped, and is capped.
type Error struct {
	Action     string     // the API action, e.g. CreateEmbedToken
	Code       string     // server code, or a ClientError.* code
	Message    string     // server message (sanitised) or the client's description
	RequestID  string     // the server's RequestId (sanitised), when there was one
	HTTPStatus int        // the HTTP status, 0 when no response arrived
	ErrorInfo  *ErrorInfo // set for ErrorInfo answers
	cause      error
}

// Error returns "tencent <action>: <code>: <message> (HTTP n, request id r): <cause>".
func (e *Error) Error() string {
	s, notes := "tencent "+e.Action+": "+e.Code, ""
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.HTTPStatus != 0 && e.HTTPStatus != http.StatusOK {
		notes = ", HTTP " + strconv.Itoa(e.HTTPStatus)
	}
	if e.RequestID != "" {
		notes += ", request id " + e.RequestID
	}
	if notes != "" {
		s += " (" + notes[2:] + ")"
	}
	if e.cause != nil {
		s += ": " + e.cause.Error()
	}
	return s
}

// Unwrap returns the cause: a transport error or a context error.
func (e *Error) Unwrap() error { return e.cause }

// Is reports whether target is the sentinel of e's code family,
// ErrHTTPStatus for a status other than 200, ErrTimeout for a context
// deadline, or the marker biembed.Retryable asks for.
func (e *Error) Is(target error) bool {
	switch {
	case target == pipeline.ErrRetryable:
		return e.retry(false)
	case target == ErrHTTPStatus && e.HTTPStatus != 0 && e.HTTPStatus != http.StatusOK,
		target == ErrRateLimited && e.HTTPStatus == http.StatusTooManyRequests,
		target == ErrServer && e.HTTPStatus >= 500,
		target == ErrTimeout && errors.Is(e.cause, context.DeadlineExceeded):
		return true
	}
	for sentinel, families := range codeFamilies { // no lookup: target may not be hashable
		if sentinel == target && slices.ContainsFunc(families, e.inFamily) {
			return true
		}
	}
	return false
}

// inFamily reports whether e's code is family or one of its sub-codes.
func (e *Error) inFamily(family string) bool {
	return e.Code == family || strings.HasPrefix(e.Code, family+".")
}

// retry reports whether the call that failed with e may be sent again: a
// mint only where the service cannot have acted on it.
func (e *Error) retry(mint bool) bool {
	switch {
	case e.Is(ErrRateLimited), e.Code == codeNeverSent, e.HTTPStatus == http.StatusServiceUnavailable:
		return true
	case e.inFamily("InternalError") && (!mint || e.HTTPStatus == http.StatusOK):
		return true // the service's own answer; behind another status, a proxy may have passed the mint on
	case mint || e.Code == codeContextDone:
		return false
	}
	return e.Code == codeNetwork || e.Code == codeTimeout || e.Code == codeCutShort ||
		e.HTTPStatus == http.StatusInternalServerError || e.HTTPStatus == http.StatusBadGateway ||
		e.HTTPStatus == http.StatusGatewayTimeout
}
