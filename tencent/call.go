package tencent

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	tcerr "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/errors"
	tchttp "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/http"
	tcjson "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/json"

	"github.com/biembed/biembed-go/internal/pipeline"
	"github.com/biembed/biembed-go/internal/safetext"
)

// wireRequest is one action's request for common.Client.Send with its body
// already encoded: common signs and sends what MarshalJSON returns.
type wireRequest struct {
	*tchttp.BaseRequest
	body []byte
}

// MarshalJSON returns the encoded body.
func (r *wireRequest) MarshalJSON() ([]byte, error) { return r.body, nil }

// send calls action with body through the pipeline (see WithRetries) and
// returns the answer's Data, its RequestId and the client clock when the
// successful attempt started. secrets, the credential's secret key and
// session token are masked in server text, in every encoding.
func send[T any](ctx context.Context, c *Client, action string, body []byte, mint bool, secrets ...string) (data *T, requestID string, sentAt time.Time, err error) {
	all := func() []string { return append([]string{c.cfg.cred.GetSecretKey(), c.cfg.cred.GetToken()}, secrets...) }
	sc := func() *safetext.Scrubber { return safetext.NewScrubber(all()) }
	p := c.cfg.Policy
	p.Action = action
	p.Stopped = func(cause, last error) error {
		var e *Error
		if errors.As(last, &e) {
			e.cause = cause
			return e
		}
		return &Error{Action: action, Code: codeContextDone, Message: "the call ended before it was sent", cause: cause}
	}
	err = pipeline.Do(ctx, p, func(actx context.Context, n int) (bool, error) {
		start, sent := time.Now(), c.cfg.now()
		actx, a := pipeline.WithAttempt(actx)
		req := &wireRequest{BaseRequest: &tchttp.BaseRequest{}, body: body}
		req.Init().WithApiInfo("bi", "2022-01-05", action) // the service and API version
		req.SetContext(actx)
		env := &envelope[T]{}
		var d *T
		var e *Error
		if err := c.api.Send(req, env); err != nil {
			e = mapError(ctx, actx, action, err, a, sc)
		} else {
			d, e = env.result(ctx, action, sc)
		}
		if c.cfg.Logger.Enabled(ctx, slog.LevelDebug) { // allow-listed metadata only
			code, requestID := "", ""
			if e != nil {
				code, requestID = e.Code, e.RequestID
			}
			c.cfg.Logger.LogAttrs(ctx, slog.LevelDebug, "tencent: attempt", slog.String("action", action), slog.Int("attempt", n),
				slog.Int("http_status", a.Status), slog.String("code", code), slog.String("request_id", requestID),
				slog.Duration("duration", time.Since(start)))
		}
		if e != nil {
			return e.retry(mint), e
		}
		data, requestID, sentAt = d, cleanID(ctx, env, all()), sent
		return false, nil
	})
	return data, requestID, sentAt, err
}

// mapError turns what common returned into an *Error. common's own messages
// for client-side failures quote the response body, which may hold a token,
// so they are never used: the Attempt says what happened. A server error
// code must look like one; its message and request id are cleaned.
func mapError(ctx, actx context.Context, action string, err error, a *pipeline.Attempt, sc func() *safetext.Scrubber) *Error {
	e := &Error{Action: action, HTTPStatus: a.Status}
	var sdk *tcerr.TencentCloudSDKError
	switch {
	case a.TooLarge:
		e.Code, e.Message = codeTooLarge, "the answer's headers or body passed their bound (64 KiB, 1 MiB)"
	case a.Redirect:
		e.Code, e.Message = codeHTTPStatus, "a redirect, refused"
	case a.Encoded:
		e.Code, e.Message = codeMalformed, "the answer has a content encoding"
	case a.NotJSON:
		e.Code, e.Message = codeMalformed, "the answer is not a JSON object"
	case ctx.Err() != nil:
		e.Code, e.Message, e.cause = codeContextDone, "the call ended before the answer arrived", ctx.Err()
	case actx.Err() != nil:
		e.Code, e.Message, e.cause = codeTimeout, "no answer within the attempt's timeout", actx.Err()
	case a.ReadErr != nil:
		e.Code, e.Message = codeCutShort, "the answer was cut short"
	case errors.As(err, &sdk) && !strings.HasPrefix(sdk.Code, "ClientError.") && !isCode(sdk.Code):
		e.Code, e.Message = codeMalformed, "the answer's error code is not a code"
	case sdk != nil && !strings.HasPrefix(sdk.Code, "ClientError."):
		sc := sc()
		e.Code, e.Message, e.RequestID = sdk.Code, sc.Clean(ctx, sdk.Message, safetext.MaxMessageBytes), sc.Clean(ctx, sdk.RequestId, safetext.MaxFieldBytes)
	case a.Status == 0 && pipeline.NeverSent(err):
		e.Code, e.Message, e.cause = codeNeverSent, "could not connect", cause(err)
	case a.Status == 0:
		e.Code, e.Message, e.cause = codeNetwork, "the request failed before an answer", cause(err)
	case a.Status != http.StatusOK:
		e.Code, e.Message = codeHTTPStatus, "unexpected HTTP status "+http.StatusText(a.Status)
	default:
		e.Code, e.Message = codeMalformed, "the answer is not a valid BI response"
	}
	return e
}

// cause returns the transport error under common's NetworkError wrapping.
func cause(err error) error {
	var sdk *tcerr.TencentCloudSDKError
	if errors.As(err, &sdk) && sdk.Unwrap() != nil {
		return sdk.Unwrap()
	}
	return err
}

// isCode reports whether code looks like a Tencent Cloud error code, such as
// InvalidParameter.Embed: 1 to 128 letters, digits, dots, "_" or "-".
func isCode(code string) bool {
	return code != "" && len(code) <= safetext.MaxFieldBytes &&
		strings.Trim(code, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == ""
}

// cleanID returns the RequestId of a successful answer: as it is when it
// looks like an id and holds none of the secrets, else cleaned like error
// text (building a scrubber only then).
func cleanID[T any](ctx context.Context, env *envelope[T], secrets []string) string {
	if env.answer.Response == nil {
		return ""
	}
	id := env.answer.Response.RequestID
	if isCode(id) && !slices.ContainsFunc(secrets, func(s string) bool { return s != "" && strings.Contains(id, s) }) {
		return id
	}
	return env.requestID(ctx, safetext.NewScrubber(secrets))
}

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
		_, err := fail(codeErrorInfo, cmp.Or(info.ErrorMessage, info.ErrorTip))
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
// codeEmpty.
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
