package tencent

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	tcerr "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/errors"
	tcjson "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/json"

	"github.com/biembed/biembed-go/internal/safetext"
	"github.com/biembed/biembed-go/internal/validate"
)

// envelope is the typed answer of one action, as common.Client.Send fills
// it: Send first checks the answer for common's error formats
// (ParseErrorFromHTTPResponse), then decodes it (UnmarshalJSON). The official
// generated models decode the body three times for that (the two error
// formats, then the model); an envelope decodes it once, into answer, which
// holds the error formats' fields beside the Response, and both methods use
// that one decode.
type envelope[T any] struct {
	answer[T]
	decoded   bool
	decodeErr error
}

// answer is what the one decode reads: the Response object and the fields of
// the deprecated error format ({"code": ..., "codeDesc": ..., "message": ...}),
// with the types and names tchttp.BaseResponse reads them with.
type answer[T any] struct {
	Response *responseBody[T] `json:"Response"`
	Code     int              `json:"code"`
	Message  string           `json:"message"`
	CodeDesc string           `json:"codeDesc"`
}

// responseBody is the Response object of every BI answer, with common's
// Error object.
type responseBody[T any] struct {
	Error struct {
		Code    string `json:"Code"`
		Message string `json:"Message"`
	} `json:"Error"`
	ErrorInfo *ErrorInfo `json:"ErrorInfo"`
	Data      *T         `json:"Data"`
	RequestID string     `json:"RequestId"`
}

func newEnvelope[T any]() *envelope[T] { return &envelope[T]{} }

// ParseErrorFromHTTPResponse implements tchttp.Response: the error of an
// answer in one of common's error formats, as tchttp.BaseResponse reports
// it, or a ClientError.ParseJsonError for a body that does not decode.
func (e *envelope[T]) ParseErrorFromHTTPResponse(body []byte) error {
	if err := e.decode(body); err != nil {
		return err
	}
	if r := e.Response; r != nil && r.Error.Code != "" {
		return tcerr.NewTencentCloudSDKError(r.Error.Code, r.Error.Message, r.RequestID)
	}
	if e.Code != 0 {
		return tcerr.NewTencentCloudSDKError(e.CodeDesc, e.Message, "")
	}
	return nil
}

// UnmarshalJSON decodes the answer unless ParseErrorFromHTTPResponse already
// has.
func (e *envelope[T]) UnmarshalJSON(body []byte) error { return e.decode(body) }

// decode decodes body into e.answer the first time it is called, with
// common's JSON package (as Send would), and returns that decode's error
// every time. The error never quotes the body.
func (e *envelope[T]) decode(body []byte) error {
	if !e.decoded {
		e.decoded = true
		if err := tcjson.Unmarshal(body, &e.answer); err != nil {
			e.decodeErr = tcerr.NewTencentCloudSDKError("ClientError.ParseJsonError", "the answer does not decode", "")
		}
	}
	return e.decodeErr
}

// result returns the Data of a successful answer, or the *Error of an answer
// that carries ErrorInfo, no Data, unusable Data, or no Response at all.
// scrubber gives what cleans the server's text (built only on failure).
func (e *envelope[T]) result(action string, scrubber func() *safetext.Scrubber) (*T, *Error) {
	r := e.Response
	if r == nil {
		return nil, &Error{Action: action, Code: CodeMalformedResponse, HTTPStatus: http.StatusOK,
			Message: "the answer has no Response object"}
	}
	if info := r.ErrorInfo; info != nil && (info.ErrorMessage != "" || info.ErrorTip != "") {
		sc := scrubber()
		clean := scrubInfo(*info, sc)
		msg := clean.ErrorMessage
		if msg == "" {
			msg = clean.ErrorTip
		}
		return nil, &Error{Action: action, Code: CodeErrorInfo, Message: msg, RequestID: sc.Clean(r.RequestID, safetext.MaxFieldBytes),
			HTTPStatus: http.StatusOK, ErrorInfo: &clean}
	}
	if r.Data == nil {
		return nil, &Error{Action: action, Code: CodeEmptyResponse, RequestID: scrubber().Clean(r.RequestID, safetext.MaxFieldBytes),
			HTTPStatus: http.StatusOK, Message: "the answer has no Data"}
	}
	if checker, ok := any(r.Data).(interface{ check() error }); ok {
		if err := checker.check(); err != nil {
			return nil, &Error{Action: action, Code: CodeMalformedResponse, RequestID: scrubber().Clean(r.RequestID, safetext.MaxFieldBytes),
				HTTPStatus: http.StatusOK, Message: err.Error()}
		}
	}
	return r.Data, nil
}

// scrubInfo cleans every text field of a server's ErrorInfo.
func scrubInfo(info ErrorInfo, sc *safetext.Scrubber) ErrorInfo {
	for _, f := range []*string{&info.ErrorTip, &info.ErrorMessage, &info.DocLink, &info.FAQ, &info.ReservedField} {
		*f = sc.Clean(*f, safetext.MaxMessageBytes)
	}
	info.ErrorLevel = ErrorLevel(sc.Clean(string(info.ErrorLevel), safetext.MaxFieldBytes))
	return info
}

// maxTextBytes bounds the free-text fields of a request (user ids,
// ExtraParam).
const maxTextBytes = 4096

// checkText refuses a request text field that is not valid UTF-8, holds
// control characters or is longer than maxTextBytes. The rule never quotes
// the value.
func checkText(field, s string) error {
	switch {
	case len(s) > maxTextBytes:
		return validate.Fieldf(field, "must be at most %d bytes", maxTextBytes)
	case !utf8.ValidString(s) || strings.ContainsFunc(s, unicode.IsControl):
		return validate.Fieldf(field, "must be valid UTF-8 without control characters")
	}
	return nil
}

// isPlainText reports whether checkText accepts s.
func isPlainText(s string) bool {
	return len(s) <= maxTextBytes && utf8.ValidString(s) && !strings.ContainsFunc(s, unicode.IsControl)
}

// checkTokenField refuses a token that cannot be one (see safetext.CheckToken).
func checkTokenField(field, token string) error {
	if safetext.CheckToken(token) != nil {
		return validate.Fieldf(field, "must be a token: 1 to %d bytes of visible ASCII", safetext.MaxTokenBytes)
	}
	return nil
}

// embedTokenInfo is the wire EmbedTokenInfo. Numbers are tolerant (number,
// string of digits or null), because the service sends ProjectId as a string
// and PageId as null.
type embedTokenInfo struct {
	ID                   flexUint   `json:"Id"`
	BIToken              string     `json:"BIToken"`
	ProjectID            flexUint   `json:"ProjectId"`
	PageID               flexUint   `json:"PageId"`
	ExtraParam           string     `json:"ExtraParam"`
	Scope                string     `json:"Scope"`
	Intention            string     `json:"Intention"`
	ExpireTime           flexInt    `json:"ExpireTime"`
	CreatedUser          flexString `json:"CreatedUser"`
	CreatedAt            flexString `json:"CreatedAt"`
	UpdatedUser          flexString `json:"UpdatedUser"`
	UpdatedAt            flexString `json:"UpdatedAt"`
	UserCorpID           flexString `json:"UserCorpId"`
	UserID               flexString `json:"UserId"`
	TicketNum            flexInt    `json:"TicketNum"`
	GlobalParam          string     `json:"GlobalParam"`
	TokenType            flexInt    `json:"TokenType"`
	TokenNum             flexInt    `json:"TokenNum"`
	SingleUserMultiToken bool       `json:"SingleUserMultiToken"`
	ConfigParam          string     `json:"ConfigParam"`
}

// check refuses a minted token that cannot be used: blank, with control or
// non-ASCII characters, or longer than safetext.MaxTokenBytes. An absent
// token is left to CreateEmbedToken (ErrEmptyResponse).
func (info *embedTokenInfo) check() error {
	if info.BIToken == "" {
		return nil
	}
	if err := safetext.CheckToken(info.BIToken); err != nil {
		return fmt.Errorf("the answer's BIToken is not usable: %w", err)
	}
	return nil
}

// applyEmbedTokenInfo is the Data of ApplyEmbedInterval.
type applyEmbedTokenInfo struct {
	Result bool `json:"Result"`
}

var errNotInteger = errors.New("not an integer")

// flexUint decodes a JSON number, a string of digits or null (0).
type flexUint uint64

func (f *flexUint) UnmarshalJSON(b []byte) error {
	text, err := numberText(b)
	if err != nil || text == "" {
		*f = 0
		return err
	}
	v, err := strconv.ParseUint(text, 10, 64)
	if err != nil {
		return errNotInteger
	}
	*f = flexUint(v)
	return nil
}

// flexInt decodes a JSON number, a string of digits or null (0).
type flexInt int64

func (f *flexInt) UnmarshalJSON(b []byte) error {
	text, err := numberText(b)
	if err != nil || text == "" {
		*f = 0
		return err
	}
	v, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		return errNotInteger
	}
	*f = flexInt(v)
	return nil
}

// numberText returns the digits of a JSON number or string; "" for null.
func numberText(b []byte) (string, error) {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		return "", nil
	}
	if s, ok := plainString(b); ok {
		return strings.TrimSpace(s), nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return "", err
		}
		return strings.TrimSpace(s), nil
	}
	return string(b), nil
}

// flexString decodes a JSON string, a number (its text) or null ("").
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case string(b) == "null":
		*f = ""
	case len(b) > 0 && b[0] == '"':
		if s, ok := plainString(b); ok {
			*f = flexString(s)
			return nil
		}
		return json.Unmarshal(b, (*string)(f))
	case json.Valid(b) && len(b) > 0 && (b[0] == '-' || (b[0] >= '0' && b[0] <= '9')):
		*f = flexString(b)
	default:
		return errors.New("not a string or number")
	}
	return nil
}
