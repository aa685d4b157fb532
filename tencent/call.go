package tencent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"

	tcerr "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/errors"

	"github.com/biembed/biembed-go/internal/safetext"
)

// reply is the Data of a successful answer with what the caller needs to
// know about the exchange.
type reply[T any] struct {
	data      *T
	requestID string
	sentAt    time.Time // client clock when the successful attempt started
}

// send calls action with body (its JSON parameters) under the client's rate
// limit, retrying RequestLimitExceeded with backoff while ctx allows.
// secrets are scrubbed from server messages.
func send[T any](ctx context.Context, c *Client, action string, body []byte, secrets ...string) (*reply[T], error) {
	var last *Error
	for n := 1; ; n++ {
		if err := c.waitTurn(ctx, action); err != nil {
			return nil, stopped(action, last, err)
		}
		logging := c.logger.Enabled(ctx, slog.LevelDebug)
		var start time.Time
		if logging {
			start = time.Now()
		}
		sentAt := c.now()
		env := newEnvelope[T]()
		data, status, err := exchange(ctx, c, action, body, env, secrets)
		requestID := ""
		if env.Response != nil {
			requestID = c.cleanRequestID(env.Response.RequestID, secrets)
		}
		if logging {
			c.logAttempt(ctx, action, n, status, time.Since(start), requestID, err)
		}
		if err == nil {
			return &reply[T]{data: data, requestID: requestID, sentAt: sentAt}, nil
		}
		if !errors.Is(err, ErrRateLimited) || n > c.maxRetries {
			return nil, err
		}
		last = err
		if err := c.backoff(ctx, action, n); err != nil {
			return nil, stopped(action, last, err)
		}
	}
}

// exchange makes one HTTP attempt and returns the answer's Data and the
// HTTP status.
func exchange[T any](ctx context.Context, c *Client, action string, body []byte, env *envelope[T], secrets []string) (*T, int, *Error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	actx := &attemptContext{Context: ctx}
	a := &actx.attempt
	ctx = actx
	req := newWireRequest(action, body)
	req.SetContext(ctx)
	if err := c.api.Send(req, env); err != nil {
		return nil, a.status, mapError(ctx, action, err, a, c.scrubber(secrets))
	}
	data, err := env.result(action, func() *safetext.Scrubber { return c.scrubber(secrets) })
	return data, a.status, err
}

// waitTurn checks ctx and waits for the action's rate limiter.
func (c *Client) waitTurn(ctx context.Context, action string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := c.limiter.Wait(ctx, action); err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		return err
	}
	return nil
}

// backoff waits before retry n (full jitter) or until ctx is done.
func (c *Client) backoff(ctx context.Context, action string, n int) error {
	ceiling := c.backoffBase << (n - 1)
	if ceiling <= 0 || ceiling > c.backoffMax {
		ceiling = c.backoffMax
	}
	delay := rand.N(ceiling)
	c.logger.LogAttrs(ctx, slog.LevelDebug, "tencent: backing off",
		slog.String("action", action), slog.Int("attempt", n), slog.Duration("delay", delay))
	timer := time.NewTimer(delay)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

// stopped is the error of a call that ctx ended before an attempt: the last
// rate-limited answer with the ctx error as its cause, or CodeContextDone.
func stopped(action string, last *Error, cause error) error {
	if last != nil {
		last.cause = cause
		return last
	}
	return &Error{Action: action, Code: CodeContextDone, Message: "the context ended before the request was sent", cause: cause}
}

// mapError turns what common returned into an *Error. common's own messages
// for client-side failures quote the response body, which may hold a token,
// so they are never used: the transport's notes in a say what happened.
func mapError(ctx context.Context, action string, err error, a *attempt, sc *safetext.Scrubber) *Error {
	var sdk *tcerr.TencentCloudSDKError
	if !errors.As(err, &sdk) {
		return badAnswer(ctx, action, a, err)
	}
	if !strings.HasPrefix(sdk.Code, "ClientError.") {
		return serverError(action, sdk, a.status, sc)
	}
	if sdk.Code == "ClientError.NetworkError" && !a.tooLarge && a.readErr == nil {
		return transportFailure(action, a, sdk.Unwrap())
	}
	return badAnswer(ctx, action, a, nil)
}

// serverError maps a server error code. Its text is the server's: the code
// must look like one, and the message and request id are scrubbed of the
// call's secrets in any encoding, control characters escaped and capped.
func serverError(action string, sdk *tcerr.TencentCloudSDKError, status int, sc *safetext.Scrubber) *Error {
	e := &Error{Action: action, Code: sdk.Code, Message: sc.Clean(sdk.Message, safetext.MaxMessageBytes),
		RequestID: sc.Clean(sdk.RequestId, safetext.MaxFieldBytes), HTTPStatus: status}
	if !isCode(sdk.Code) {
		e.Code, e.Message = CodeMalformedResponse, "the answer's error code is not a code"
	}
	return e
}

// isCode reports whether code looks like a Tencent Cloud error code, such as
// InvalidParameter.Embed: 1 to 128 letters, digits, dots, "_" or "-".
func isCode(code string) bool {
	if code == "" || len(code) > safetext.MaxFieldBytes {
		return false
	}
	return strings.Trim(code, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == ""
}

// scrubber masks the call's secrets and the credential's secret key and
// session token, in every encoding, in server text.
func (c *Client) scrubber(secrets []string) *safetext.Scrubber {
	return safetext.NewScrubber(append(c.credentialSecrets(), secrets...))
}

// credentialSecrets returns the secret key and session token the client
// signs with now.
func (c *Client) credentialSecrets() []string {
	return []string{c.cred.GetSecretKey(), c.cred.GetToken()}
}

// cleanRequestID returns the RequestId of a successful answer safe to log
// and keep: a plain id as is, anything else cleaned like error text.
func (c *Client) cleanRequestID(id string, secrets []string) string {
	if isCode(id) && !containsAny(id, secrets) && !containsAny(id, []string{c.cred.GetSecretKey(), c.cred.GetToken()}) {
		return id
	}
	return c.scrubber(secrets).Clean(id, safetext.MaxFieldBytes)
}

func containsAny(s string, secrets []string) bool {
	for _, secret := range secrets {
		if secret != "" && strings.Contains(s, secret) {
			return true
		}
	}
	return false
}

// transportFailure maps an error of the HTTP round trip, including the
// transport's refusal of a non-JSON answer.
func transportFailure(action string, a *attempt, cause error) *Error {
	refused := errors.Is(cause, errNotJSON) || errors.Is(cause, errContentEncoding) || errors.Is(cause, errRedirect)
	switch {
	case refused && a.status != http.StatusOK:
		return httpStatusError(action, a.status)
	case refused:
		return &Error{Action: action, Code: CodeMalformedResponse, HTTPStatus: a.status,
			Message: "the answer is not JSON (content type or encoding)"}
	}
	return &Error{Action: action, Code: CodeNetworkError, Message: "the HTTP request failed", cause: cause}
}

// badAnswer maps a response common could not read or parse.
func badAnswer(ctx context.Context, action string, a *attempt, cause error) *Error {
	switch {
	case a.tooLarge:
		return &Error{Action: action, Code: CodeResponseTooLarge, HTTPStatus: a.status,
			Message: fmt.Sprintf("the answer's headers or body passed their limit (%d and %d bytes)", MaxResponseHeaderBytes, MaxResponseBytes)}
	case a.readErr != nil && ctx.Err() != nil:
		return &Error{Action: action, Code: CodeNetworkError, HTTPStatus: a.status,
			Message: "reading the answer stopped", cause: ctx.Err()}
	case a.readErr != nil:
		return &Error{Action: action, Code: CodeMalformedResponse, HTTPStatus: a.status,
			Message: "the answer was cut short", cause: a.readErr}
	case a.status != http.StatusOK && a.status != 0:
		return httpStatusError(action, a.status)
	}
	return &Error{Action: action, Code: CodeMalformedResponse, HTTPStatus: a.status,
		Message: "the answer is not a valid BI response", cause: cause}
}

func httpStatusError(action string, status int) *Error {
	return &Error{Action: action, Code: CodeHTTPStatus, HTTPStatus: status,
		Message: "unexpected HTTP status " + http.StatusText(status)}
}

// logAttempt writes one debug line with allow-listed metadata only.
func (c *Client) logAttempt(ctx context.Context, action string, n, status int, took time.Duration, requestID string, err *Error) {
	code := ""
	if err != nil {
		code = err.Code
		if err.RequestID != "" {
			requestID = err.RequestID
		}
	}
	attrs := []slog.Attr{
		slog.String("action", action), slog.Int("attempt", n), slog.Int("http_status", status),
		slog.String("code", code), slog.String("request_id", requestID), slog.Duration("duration", took),
	}
	c.logger.LogAttrs(ctx, slog.LevelDebug, "tencent: attempt", attrs...)
}
