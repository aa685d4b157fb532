package tencent

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	tcerr "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/errors"
	tchttp "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/http"

	"github.com/biembed/biembed-go/internal/pipeline"
	"github.com/biembed/biembed-go/internal/safetext"
)

// reply is the Data of a successful answer, its RequestId, and the client
// clock when the successful attempt started.
type reply[T any] struct {
	data      *T
	requestID string
	sentAt    time.Time
}

// wireRequest is one action's request for common.Client.Send, typed as the
// official generated models are, with its body already encoded: common
// signs and sends what MarshalJSON returns.
type wireRequest struct {
	*tchttp.BaseRequest
	body []byte
}

// MarshalJSON returns the encoded body.
func (r *wireRequest) MarshalJSON() ([]byte, error) { return r.body, nil }

// send calls action with body through the pipeline: rate limited, each
// attempt under WithTimeout, retried where safe (a mint only where the
// service cannot have acted on it). secrets, the credential's secret key
// and its session token (read when needed) are masked in server text, in
// every encoding.
func send[T any](ctx context.Context, c *Client, action string, body []byte, mint bool, secrets ...string) (*reply[T], error) {
	var rep *reply[T]
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
	err := pipeline.Do(ctx, p, func(actx context.Context, n int) (bool, error) {
		start, sentAt := time.Now(), c.cfg.now()
		actx, a := pipeline.WithAttempt(actx)
		req := &wireRequest{BaseRequest: &tchttp.BaseRequest{}, body: body}
		req.Init().WithApiInfo("bi", "2022-01-05", action) // the service and API version
		req.SetContext(actx)
		env := &envelope[T]{}
		var data *T
		var e *Error
		if err := c.api.Send(req, env); err != nil {
			e = mapError(ctx, actx, action, err, a, sc)
		} else {
			data, e = env.result(ctx, action, sc)
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
		rep = &reply[T]{data: data, requestID: cleanID(ctx, env, all()), sentAt: sentAt}
		return false, nil
	})
	if err != nil {
		return nil, err
	}
	return rep, nil
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
