package youshu

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/biembed/biembed-go/internal/pipeline"
	"github.com/biembed/biembed-go/internal/safetext"
)

// call is one logical request to an endpoint.
type call struct {
	endpoint string
	body     []byte     // the genToken body; nil for the GET endpoints
	query    url.Values // the GET endpoints' parameters
	secrets  []string   // values to mask in error text
}

// do sends k through the pipeline (rate limited, each attempt under
// WithTimeout, retried where safe) and returns the envelope's result.
func (c *Client) do(ctx context.Context, k call) (json.RawMessage, error) {
	var result json.RawMessage
	p := c.cfg.Policy
	p.Action = k.endpoint
	p.Stopped = func(cause, last error) error {
		var e *Error
		if errors.As(last, &e) {
			e.cause = cause
			return e
		}
		return &Error{Endpoint: k.endpoint, Message: "the call ended before it was sent", cause: cause}
	}
	err := pipeline.Do(ctx, p, func(actx context.Context, n int) (bool, error) {
		start := time.Now()
		res, e := c.attempt(ctx, actx, k)
		if c.cfg.Logger.Enabled(ctx, slog.LevelDebug) { // allow-listed metadata only
			status, code := 0, 0
			if e != nil {
				status, code = e.HTTPStatus, e.Code
			}
			c.cfg.Logger.LogAttrs(ctx, slog.LevelDebug, "youshu: attempt", slog.String("endpoint", k.endpoint), slog.Int("attempt", n),
				slog.Int("http_status", status), slog.Int("code", code), slog.Bool("ok", e == nil), slog.Duration("duration", time.Since(start)))
		}
		if e != nil {
			return e.retry(k.body != nil), e
		}
		result = res
		return false, nil
	})
	return result, err
}

// attempt sends k once under actx.
func (c *Client) attempt(ctx, actx context.Context, k call) (json.RawMessage, *Error) {
	actx, a := pipeline.WithAttempt(actx)
	req := c.rc.R().SetContext(actx).SetDoNotParseResponse(true)
	u := *c.base
	u.Path += "/api/dash/util/" + k.endpoint
	u.RawQuery = k.query.Encode()
	method := http.MethodGet
	if k.body != nil {
		method = http.MethodPost
		req.SetHeader("Content-Type", "application/json").SetBody(k.body)
	}
	_, err := req.Execute(method, u.String())
	e := &Error{Endpoint: k.endpoint, HTTPStatus: a.Status}
	switch {
	case err == nil:
		return decode(ctx, k, a, e)
	case a.TooLarge:
		e.kind, e.Message = ErrResponseTooLarge, "headers over 64 KiB or body over 1 MiB"
	case a.Redirect:
		e.Message = "a redirect, refused"
	case a.Encoded || a.NotJSON:
		e.kind, e.Message = ErrMalformedResponse, "the answer is not the JSON envelope"
	case ctx.Err() != nil:
		e.Message, e.cause = "the call ended before the answer arrived", ctx.Err()
	case actx.Err() != nil:
		e.kind, e.Message, e.cause = ErrTimeout, "no answer within the attempt's timeout", actx.Err()
	case a.ReadErr != nil:
		e.kind, e.Message, e.cause = ErrMalformedResponse, "the answer was cut short", a.ReadErr
	default:
		e.kind, e.neverSent, e.cause = ErrNetwork, pipeline.NeverSent(err), withoutQuery(err)
	}
	return nil, e
}

// envelope is the JSON every endpoint answers with.
type envelope struct {
	Code    *int            `json:"code"`
	Result  json.RawMessage `json:"result"`
	Message string          `json:"message"`
	Msg     string          `json:"msg"`
}

// tokenLike masks runs that look like a token or key in server messages:
// a server may echo a secret this call did not send.
var tokenLike = regexp.MustCompile(`[A-Za-z0-9_-]{24,}`)

// decode turns an answer into the envelope's result, or fills e.
func decode(ctx context.Context, k call, a *pipeline.Attempt, e *Error) (json.RawMessage, *Error) {
	var env envelope
	jsonErr := json.Unmarshal(a.Body, &env)
	if jsonErr == nil && env.Code != nil {
		e.Code = *env.Code
		if msg := cmp.Or(env.Message, env.Msg); msg != "" { // a scrubber compiles a pattern per secret: not for every success
			e.Message = safetext.NewScrubber(k.secrets, tokenLike).Clean(ctx, msg, safetext.MaxMessageBytes)
		}
	}
	switch {
	case a.Status/100 != 2:
		return nil, e
	case jsonErr != nil || env.Code == nil || *env.Code == 0: // code 0 is no code Youshu sends, and would print as none
		e.kind, e.Message = ErrMalformedResponse, "the body is not the JSON envelope"
		return nil, e
	case *env.Code != http.StatusOK:
		return nil, e
	}
	switch s := string(env.Result); s {
	case "", "null", `""`, "{}", "[]":
		e.kind, e.Message = ErrMalformedResponse, "code 200 without a result"
		return nil, e
	}
	return env.Result, nil
}

// resultString decodes a result that must be a usable token: a string of
// visible ASCII, at most safetext.MaxTokenBytes long.
func resultString(endpoint string, raw json.RawMessage) (string, error) {
	var s string
	if json.Unmarshal(raw, &s) != nil || safetext.CheckToken(s) != nil {
		return "", &Error{Endpoint: endpoint, HTTPStatus: http.StatusOK, kind: ErrMalformedResponse, Message: "the result is not a usable token"}
	}
	return s, nil
}

// withoutQuery returns err with the query (token=, t=), fragment and user
// info cut from the URL of its *url.Error.
func withoutQuery(err error) error {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return err
	}
	u, perr := url.Parse(ue.URL)
	if perr != nil {
		cut, _, _ := strings.Cut(ue.URL, "?")
		return &url.Error{Op: ue.Op, URL: cut, Err: ue.Err}
	}
	u.RawQuery, u.Fragment, u.RawFragment, u.User, u.ForceQuery = "", "", "", nil, false
	return &url.Error{Op: ue.Op, URL: u.String(), Err: ue.Err}
}
