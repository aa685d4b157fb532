package tencent

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	tcerr "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/errors"
	tcjson "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/json"

	"github.com/biembed/biembed-go/internal/safetext"
)

// envelope is the typed answer of one action as common.Client.Send fills
// it: ParseErrorFromHTTPResponse, then UnmarshalJSON, on one decode.
type envelope[T any] struct {
	answer    answer[T]
	decoded   bool
	decodeErr error
}

// answer is the Response object and the deprecated error format's fields,
// with the types tchttp.BaseResponse reads them with.
type answer[T any] struct {
	Response *struct {
		Error struct {
			Code    string `json:"Code"`
			Message string `json:"Message"`
		} `json:"Error"`
		ErrorInfo *ErrorInfo `json:"ErrorInfo"`
		Data      *T         `json:"Data"`
		RequestID string     `json:"RequestId"`
	} `json:"Response"`
	Code     int    `json:"code"`
	Message  string `json:"message"`
	CodeDesc string `json:"codeDesc"`
}

// ParseErrorFromHTTPResponse implements tchttp.Response.
func (e *envelope[T]) ParseErrorFromHTTPResponse(body []byte) error {
	if err := e.UnmarshalJSON(body); err != nil {
		return err
	}
	if r := e.answer.Response; r != nil && r.Error.Code != "" {
		return tcerr.NewTencentCloudSDKError(r.Error.Code, r.Error.Message, r.RequestID)
	}
	if e.answer.Code != 0 {
		return tcerr.NewTencentCloudSDKError(e.answer.CodeDesc, e.answer.Message, "")
	}
	return nil
}

// UnmarshalJSON decodes body once, with common's JSON package, and returns
// that decode's error every time. The error never quotes the body.
func (e *envelope[T]) UnmarshalJSON(body []byte) error {
	if !e.decoded {
		e.decoded = true
		if tcjson.Unmarshal(body, &e.answer) != nil {
			e.decodeErr = tcerr.NewTencentCloudSDKError("ClientError.ParseJsonError", "the answer does not decode", "")
		}
	}
	return e.decodeErr
}

// requestID returns the answer's RequestId, cleaned like error text.
func (e *envelope[T]) requestID(ctx context.Context, sc *safetext.Scrubber) string {
	if e.answer.Response == nil {
		return ""
	}
	return sc.Clean(ctx, e.answer.Response.RequestID, safetext.MaxFieldBytes)
}

// result returns the Data of a successful answer, or the *Error of one that
// carries ErrorInfo, no Data, unusable Data, or no Response at all.
func (e *envelope[T]) result(ctx context.Context, action string, scrubber func() *safetext.Scrubber) (*T, *Error) {
	r := e.answer.Response
	fail := func(code, msg string) (*T, *Error) {
		return nil, &Error{Action: action, Code: code, Message: msg, HTTPStatus: http.StatusOK,
			RequestID: e.requestID(ctx, scrubber())}
	}
	switch {
	case r == nil:
		return fail(codeMalformed, "the answer has no Response object")
	case r.ErrorInfo != nil && (r.ErrorInfo.ErrorMessage != "" || r.ErrorInfo.ErrorTip != ""):
		sc, info := scrubber(), *r.ErrorInfo
		for _, f := range []*string{&info.ErrorTip, &info.ErrorMessage, &info.DocLink, &info.FAQ, &info.ReservedField} {
			*f = sc.Clean(ctx, *f, safetext.MaxMessageBytes)
		}
		info.ErrorLevel = sc.Clean(ctx, info.ErrorLevel, safetext.MaxFieldBytes)
		_, err := fail(codeErrorInfo, info.ErrorMessage)
		if err.Message == "" {
			err.Message = info.ErrorTip
		}
		err.ErrorInfo = &info
		return nil, err
	case r.Data == nil:
		return fail(codeEmpty, "the answer has no Data")
	}
	if checker, ok := any(r.Data).(interface{ check() error }); ok {
		if err := checker.check(); err != nil {
			return fail(codeMalformed, err.Error())
		}
	}
	return r.Data, nil
}

// embedTokenInfo is the wire EmbedTokenInfo. Numbers are tolerant (number,
// string of digits or null), because the service sends ProjectId as a
// string and PageId as null.
type embedTokenInfo struct {
	ID                   flexUint   `json:"Id"`
	BIToken              string     `json:"BIToken"`
	ProjectID            flexUint   `json:"ProjectId"`
	PageID               flexUint   `json:"PageId"`
	ExtraParam           string     `json:"ExtraParam"`
	Scope                string     `json:"Scope"`
	Intention            string     `json:"Intention"`
	ExpireTime           flexUint   `json:"ExpireTime"`
	CreatedUser          flexString `json:"CreatedUser"`
	CreatedAt            flexString `json:"CreatedAt"`
	UpdatedUser          flexString `json:"UpdatedUser"`
	UpdatedAt            flexString `json:"UpdatedAt"`
	UserCorpID           flexString `json:"UserCorpId"`
	UserID               flexString `json:"UserId"`
	TicketNum            flexUint   `json:"TicketNum"`
	GlobalParam          string     `json:"GlobalParam"`
	TokenType            flexUint   `json:"TokenType"`
	TokenNum             flexUint   `json:"TokenNum"`
	SingleUserMultiToken bool       `json:"SingleUserMultiToken"`
	ConfigParam          string     `json:"ConfigParam"`
}

// check refuses a minted token that cannot be used: blank, with control or
// non-ASCII characters, or too long. An absent one is CreateEmbedToken's
// ErrEmptyResponse.
func (info *embedTokenInfo) check() error {
	if err := safetext.CheckToken(info.BIToken); err != nil && info.BIToken != "" {
		return errors.New("the answer's BIToken is not usable: " + err.Error())
	}
	return nil
}

// flexUint decodes a JSON number, a string of digits or null (0).
type flexUint uint64

func (f *flexUint) UnmarshalJSON(b []byte) error {
	var s flexString
	if err := s.UnmarshalJSON(b); err != nil || s == "" {
		*f = 0
		return err
	}
	v, err := strconv.ParseUint(strings.TrimSpace(string(s)), 10, 64)
	if err != nil {
		return errors.New("not an unsigned integer")
	}
	*f = flexUint(v)
	return nil
}

// flexString decodes a JSON string, a number (its text) or null ("").
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case string(b) == "null":
		*f = ""
	case len(b) > 0 && b[0] == '"':
		return json.Unmarshal(b, (*string)(f))
	case json.Valid(b) && len(b) > 0 && (b[0] == '-' || (b[0] >= '0' && b[0] <= '9')):
		*f = flexString(b)
	default:
		return errors.New("not a string or number")
	}
	return nil
}
