package youshu

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/go-resty/resty/v2"

	"github.com/biembed/biembed-go/internal/httplimit"
	"github.com/biembed/biembed-go/internal/redact"
	"github.com/biembed/biembed-go/internal/safetext"
	"github.com/biembed/biembed-go/internal/validate"
)

// call is one logical request to an endpoint, sent in one or more attempts.
type call struct {
	endpoint string
	method   string
	url      string
	body     []byte  // marshalled once; nil for GET
	secrets  secrets // values to mask in error text
	logToken string  // token to log, masked; "" for none
}

// do sends k, retrying where safe, and returns the envelope's result.
func (c *Client) do(ctx context.Context, k *call) (json.RawMessage, error) {
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return nil, transportError(k.endpoint, err, k.secrets)
		}
		if err := c.waitTurn(ctx, k); err != nil {
			return nil, transportError(k.endpoint, err, k.secrets)
		}
		result, err, retry := c.attempt(ctx, k, attempt)
		if err == nil {
			return result, nil
		}
		if !retry || attempt > c.cfg.retries {
			return nil, err
		}
		if werr := c.wait(ctx, attempt); werr != nil {
			e := transportError(k.endpoint, werr, k.secrets)
			e.detail = "while waiting to retry after: " + err.Error()
			return nil, e
		}
	}
}

// attempt sends k once. It reports whether a failure may be retried.
func (c *Client) attempt(ctx context.Context, k *call, n int) (json.RawMessage, *Error, bool) {
	start := time.Now()
	attemptCtx, cancel := context.WithTimeout(ctx, c.cfg.timeout)
	defer cancel()
	status, header, body, err := c.exchange(attemptCtx, k)
	var (
		result json.RawMessage
		e      *Error
		retry  bool
	)
	switch {
	case errors.Is(err, resty.ErrResponseBodyTooLarge):
		e = kindError(k.endpoint, ErrResponseTooLarge, status, "more than %d bytes", c.cfg.maxBytes)
	case errors.Is(err, httplimit.ErrHeadersTooLarge):
		e = kindError(k.endpoint, ErrResponseTooLarge, status, "headers of more than %d bytes", httplimit.MaxHeaderBytes)
	case err != nil && status != 0 && attemptCtx.Err() == nil:
		e = kindError(k.endpoint, ErrMalformedResponse, status, "the answer was cut short")
		e.cause = stripURLQuery(err)
		retry = c.mayRetry(k, err, 0)
	case err != nil:
		e = transportError(k.endpoint, err, k.secrets)
		e.HTTPStatus = status
		retry = ctx.Err() == nil && c.mayRetry(k, err, 0) // a failure caused by ctx is final
	default:
		result, e = decodeResponse(k.endpoint, status, header.Get("Content-Type"), body, k.secrets)
		retry = e != nil && c.mayRetry(k, nil, status)
	}
	c.logAttempt(ctx, k, n, status, e, retry, time.Since(start))
	return result, e, retry
}

// mayRetry applies the retry policy: GETs (and genToken with
// WithRetryGenToken) on transport errors and 500/502/503/504; genToken
// otherwise only when the connection was never opened.
func (c *Client) mayRetry(k *call, err error, status int) bool {
	if k.method == http.MethodGet || c.cfg.retryGenToken {
		if err != nil {
			return true
		}
		switch status {
		case http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			return true
		}
		return false
	}
	return err != nil && neverSent(err)
}

// neverSent reports whether err is a failure to connect, so no byte of the
// request reached the server.
func neverSent(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// wait sleeps before retry n (from 1): a random time up to
// min(backoffMax, backoffBase * 2^(n-1)), or until ctx is done.
func (c *Client) wait(ctx context.Context, n int) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	ceiling := c.cfg.backoffMax
	if n-1 < 30 {
		if d := c.cfg.backoffBase << (n - 1); d > 0 && d < ceiling {
			ceiling = d
		}
	}
	t := time.NewTimer(time.Duration(jitter(int64(ceiling) + 1)))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// logAttempt writes the one debug line of an attempt: allow-listed metadata only.
func (c *Client) logAttempt(ctx context.Context, k *call, n, status int, e *Error, retry bool, d time.Duration) {
	if !c.cfg.logger.Enabled(ctx, slog.LevelDebug) {
		return
	}
	attrs := []slog.Attr{
		slog.String("endpoint", k.endpoint),
		slog.Int("attempt", n),
		slog.Int("status", status),
		slog.Duration("duration", d),
		slog.Bool("ok", e == nil),
	}
	if e != nil {
		attrs = append(attrs, slog.Int("code", e.Code), slog.Bool("retry", retry))
	}
	if k.logToken != "" {
		attrs = append(attrs, slog.String("token", redact.Mask(k.logToken)))
	}
	c.cfg.logger.LogAttrs(ctx, slog.LevelDebug, "youshu call", attrs...)
}

// envelope is the JSON every endpoint answers with.
type envelope struct {
	Code    *int            `json:"code"`
	Result  json.RawMessage `json:"result"`
	Message string          `json:"message"`
	Msg     string          `json:"msg"`
}

func (v *envelope) message() string {
	if v.Message != "" {
		return v.Message
	}
	return v.Msg
}

// decodeResponse turns a response into the envelope's result or an *Error.
// It never includes body text in the error beyond the scrubbed message.
func decodeResponse(endpoint string, status int, contentType string, body []byte, sc secrets) (json.RawMessage, *Error) {
	var env envelope
	jsonErr := json.Unmarshal(body, &env)
	if !is2xx(status) {
		e := &Error{Endpoint: endpoint, HTTPStatus: status}
		if jsonErr == nil && env.Code != nil {
			e.Code, e.Message = *env.Code, sc.scrub(env.message())
		}
		return nil, e
	}
	if jsonErr != nil || env.Code == nil || isHTML(contentType) {
		return nil, kindError(endpoint, ErrMalformedResponse, status,
			"body is not the JSON envelope (content type %q, %d bytes)", sc.scrub(truncate(contentType, 64)), len(body))
	}
	if *env.Code != CodeOK {
		return nil, &Error{Endpoint: endpoint, HTTPStatus: status, Code: *env.Code, Message: sc.scrub(env.message())}
	}
	if isEmptyJSON(env.Result) {
		return nil, kindError(endpoint, ErrEmptyResult, status, "code 200 without a result")
	}
	return env.Result, nil
}

// isHTML reports a text/html answer: a proxy's or login page, whatever it
// holds. A type that starts "application/json" (as every answer of a
// working server does, often with a charset) cannot parse to text/html, so
// it is answered without mime.ParseMediaType's allocations.
func isHTML(contentType string) bool {
	if strings.HasPrefix(contentType, "application/json") {
		return false
	}
	mediaType, _, _ := mime.ParseMediaType(contentType)
	return mediaType == "text/html"
}

func isEmptyJSON(raw json.RawMessage) bool {
	s := string(raw)
	return s == "" || s == "null" || s == `""` || s == "{}" || s == "[]"
}

// resultString decodes a result that must be a usable token: a non-empty
// string (ErrEmptyResult) of visible ASCII, at most safetext.MaxTokenBytes
// long (ErrMalformedResponse).
func resultString(endpoint string, raw json.RawMessage) (string, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", kindError(endpoint, ErrMalformedResponse, http.StatusOK, "result is not a string")
	}
	if s == "" {
		return "", kindError(endpoint, ErrEmptyResult, http.StatusOK, "code 200 without a result")
	}
	if err := safetext.CheckToken(s); err != nil {
		return "", kindError(endpoint, ErrMalformedResponse, http.StatusOK, "result is not a usable token: %v", err)
	}
	return s, nil
}

// ready refuses a client not made by NewClient (nil or the zero value) and a
// nil context, before anything else happens.
func (c *Client) ready(ctx context.Context) error {
	if c == nil || c.rc == nil {
		return validate.Fieldf("Client", "must be made by NewClient")
	}
	if ctx == nil {
		return validate.Fieldf("ctx", "must not be nil")
	}
	return nil
}

// checkTokenArg refuses a token argument that cannot be a token: empty,
// blank, with control or non-ASCII characters, or longer than
// safetext.MaxTokenBytes. The rule never quotes the value.
func checkTokenArg(field, token string) error {
	if token == "" {
		return validate.Fieldf(field, "required")
	}
	if safetext.CheckToken(token) != nil {
		return validate.Fieldf(field, "must be a token: 1 to %d bytes of visible ASCII", safetext.MaxTokenBytes)
	}
	return nil
}
