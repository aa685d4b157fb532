package tencent

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/biembed/biembed-go/internal/validate"
)

// ValidationError is the error every bad input gets, before any network call.
// Field names the Go field (e.g. CreateEmbedTokenRequest.PageID) or option.
type ValidationError = validate.Error

// ErrInvalid is matched by errors.Is for every *ValidationError.
var ErrInvalid = validate.ErrInvalid

// Sentinels for errors.Is. A *Error matches the sentinel of its Code family
// (a server code and its sub-codes) and, for HTTP failures, ErrHTTPStatus.
var (
	ErrRateLimited      = errors.New("tencent: request limit exceeded")                          // RequestLimitExceeded*
	ErrAuthFailure      = errors.New("tencent: authentication failed")                           // AuthFailure*
	ErrSignatureExpired = errors.New("tencent: signature expired: check the clock (>5 min off)") // AuthFailure.SignatureExpire
	ErrInvalidParameter = errors.New("tencent: invalid parameter")                               // InvalidParameter*, InvalidParameterValue*, MissingParameter*, UnknownParameter*
	ErrUnauthorized     = errors.New("tencent: unauthorized operation")                          // UnauthorizedOperation*
	ErrUserNotExist     = errors.New("tencent: user does not exist")                             // UnauthorizedOperation.UserNotExist
	ErrInternal         = errors.New("tencent: internal error")                                  // InternalError*
	ErrOperationDenied  = errors.New("tencent: operation denied")                                // OperationDenied*
	ErrUnsupported      = errors.New("tencent: unsupported operation")                           // UnsupportedOperation*
	ErrFailedOperation  = errors.New("tencent: operation failed")                                // FailedOperation*, ErrorInfo answers, Result false

	ErrHTTPStatus        = errors.New("tencent: unexpected HTTP status")   // any HTTP status but 200; Error.HTTPStatus has it
	ErrMalformedResponse = errors.New("tencent: malformed response")       // not JSON, bad JSON, HTML, wrong content type, cut short
	ErrResponseTooLarge  = errors.New("tencent: response too large")       // body over MaxResponseBytes
	ErrEmptyResponse     = errors.New("tencent: response carries no data") // HTTP 200 without Data
)

// Server error codes (the documented ones and their families).
const (
	CodeRequestLimitExceeded           = "RequestLimitExceeded"
	CodeAuthFailure                    = "AuthFailure"
	CodeSignatureExpire                = "AuthFailure.SignatureExpire"
	CodeSignatureFailure               = "AuthFailure.SignatureFailure"
	CodeSecretIDNotFound               = "AuthFailure.SecretIdNotFound"
	CodeFailedOperation                = "FailedOperation"
	CodeInternalError                  = "InternalError"
	CodeInternalErrorInternal          = "InternalError.Internal"
	CodeInvalidParameter               = "InvalidParameter"
	CodeInvalidParameterEmbed          = "InvalidParameter.Embed"
	CodeInvalidParameterValue          = "InvalidParameterValue"
	CodeMissingParameter               = "MissingParameter"
	CodeMissingParameterMissingParam   = "MissingParameter.MissingParam"
	CodeOperationDenied                = "OperationDenied"
	CodeUnauthorizedOperation          = "UnauthorizedOperation"
	CodeUnauthorizedOperationAuthorize = "UnauthorizedOperation.Authorize"
	CodeUserNotExist                   = "UnauthorizedOperation.UserNotExist"
	CodeUnknownParameter               = "UnknownParameter"
	CodeUnsupportedOperation           = "UnsupportedOperation"
	CodeUnsupportedOperationBIError    = "UnsupportedOperation.BIError"
)

// Client-side codes: the request failed without a server error code.
const (
	CodeNetworkError      = "ClientError.NetworkError" // the HTTP exchange failed; Unwrap gives the cause
	CodeHTTPStatus        = "ClientError.HttpStatusCodeError"
	CodeMalformedResponse = "ClientError.MalformedResponse"
	CodeResponseTooLarge  = "ClientError.ResponseTooLarge"
	CodeEmptyResponse     = "ClientError.EmptyResponse"
	CodeContextDone       = "ClientError.ContextDone" // ctx ended before a request was sent
	CodeErrorInfo         = "ClientError.ErrorInfo"   // HTTP 200 whose ErrorInfo is set; see Error.ErrorInfo
	CodeResultFalse       = "ClientError.ResultFalse" // the action answered false
)

// codeSentinels maps code families to sentinels; a code matches a family
// when it equals it or starts with it and a dot.
var codeSentinels = []struct {
	family string
	err    error
}{
	{CodeRequestLimitExceeded, ErrRateLimited},
	{CodeAuthFailure, ErrAuthFailure},
	{CodeSignatureExpire, ErrSignatureExpired},
	{CodeInvalidParameter, ErrInvalidParameter},
	{CodeInvalidParameterValue, ErrInvalidParameter},
	{CodeMissingParameter, ErrInvalidParameter},
	{CodeUnknownParameter, ErrInvalidParameter},
	{CodeUnauthorizedOperation, ErrUnauthorized},
	{CodeUserNotExist, ErrUserNotExist},
	{CodeInternalError, ErrInternal},
	{CodeOperationDenied, ErrOperationDenied},
	{CodeUnsupportedOperation, ErrUnsupported},
	{CodeFailedOperation, ErrFailedOperation},
	{CodeErrorInfo, ErrFailedOperation},
	{CodeResultFalse, ErrFailedOperation},
	{CodeHTTPStatus, ErrHTTPStatus},
	{CodeMalformedResponse, ErrMalformedResponse},
	{CodeResponseTooLarge, ErrResponseTooLarge},
	{CodeEmptyResponse, ErrEmptyResponse},
}

// ErrorLevel is the severity in an ErrorInfo.
type ErrorLevel string

// The documented error levels.
const (
	ErrorLevelError ErrorLevel = "ERROR"
	ErrorLevelWarn  ErrorLevel = "WARN"
	ErrorLevelInfo  ErrorLevel = "INFO"
)

// ErrorInfo is the custom error object a BI answer may carry even with HTTP
// 200 and no error code.
type ErrorInfo struct {
	ErrorTip      string     `json:"ErrorTip"`
	ErrorMessage  string     `json:"ErrorMessage"`
	ErrorLevel    ErrorLevel `json:"ErrorLevel"`
	DocLink       string     `json:"DocLink"`
	FAQ           string     `json:"FAQ"`
	ReservedField string     `json:"ReservedField"`
}

// Error is every failure of a call that passed validation: a server error
// code, an ErrorInfo answer, or a client-side failure (Code ClientError.*).
// Use errors.Is with the Err* sentinels and errors.As to read the fields. Its
// text never holds a key, a token or a response body: server text (Message,
// RequestID, every ErrorInfo field) has the call's tokens and the
// credential's secret key and session token masked in every encoding (raw,
// JSON escapes, URL encoding), control characters escaped as \uXXXX, and is
// capped (512 bytes, 128 for RequestID); a server Code that is not a code
// becomes CodeMalformedResponse.
type Error struct {
	Action     string     // the API action, e.g. CreateEmbedToken
	Code       string     // server code, or a ClientError.* code
	Message    string     // server message (sanitised, see below) or the client's description
	RequestID  string     // the server's RequestId (sanitised), when there was one
	HTTPStatus int        // the HTTP status, 0 when no response arrived
	ErrorInfo  *ErrorInfo // set for CodeErrorInfo answers
	cause      error
}

// Error returns "tencent: <action>: <code>: <message> (HTTP n, request id r): <cause>".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("tencent: ")
	if e.Action != "" {
		b.WriteString(e.Action + ": ")
	}
	b.WriteString(e.Code)
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	var notes []string
	if e.HTTPStatus != 0 && e.HTTPStatus != http.StatusOK {
		notes = append(notes, "HTTP "+strconv.Itoa(e.HTTPStatus))
	}
	if e.RequestID != "" {
		notes = append(notes, "request id "+e.RequestID)
	}
	if len(notes) > 0 {
		b.WriteString(" (" + strings.Join(notes, ", ") + ")")
	}
	if e.cause != nil {
		b.WriteString(": " + e.cause.Error())
	}
	return b.String()
}

// GoString keeps %#v to the same safe fields Error prints.
func (e *Error) GoString() string {
	return fmt.Sprintf("&tencent.Error{Action:%q, Code:%q, Message:%q, RequestID:%q, HTTPStatus:%d, ErrorInfo:%+v, cause:%q}",
		e.Action, e.Code, e.Message, e.RequestID, e.HTTPStatus, e.ErrorInfo, errText(e.cause))
}

// Unwrap returns the cause: a transport error, a ctx error, a body read error.
func (e *Error) Unwrap() error { return e.cause }

// Is reports whether target is the sentinel of e's code family, or
// ErrHTTPStatus when the HTTP status was not 200.
func (e *Error) Is(target error) bool {
	if target == ErrHTTPStatus && e.HTTPStatus != 0 && e.HTTPStatus != http.StatusOK {
		return true
	}
	for _, s := range codeSentinels {
		if s.err == target && (e.Code == s.family || strings.HasPrefix(e.Code, s.family+".")) {
			return true
		}
	}
	return false
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
