package youshu

import (
	"context"
	"net/http"

	"github.com/biembed/biembed-go/internal/validate"
)

// GenToken mints a token (POST /api/dash/util/genToken). It validates req
// first (nothing is sent for an invalid request) and uses the client's
// default credential when req.Credential is zero. Failures are a
// *ValidationError before sending, or an *Error after.
func (c *Client) GenToken(ctx context.Context, req *GenTokenRequest) (*Token, error) {
	if err := c.ready(ctx); err != nil {
		return nil, err
	}
	if req == nil {
		return nil, validate.Fieldf("request", "required")
	}
	if err := req.Validate(); err != nil {
		return nil, err
	}
	cred := req.Credential
	if cred.IsZero() {
		cred = c.cfg.credential
	}
	if cred.IsZero() {
		return nil, validate.Fieldf("credential", "required: set GenTokenRequest.Credential or use WithCredential")
	}
	w, err := req.wire(cred)
	if err != nil {
		return nil, err
	}
	body, err := w.encode()
	if err != nil {
		return nil, validate.Fieldf("request", "cannot be encoded as JSON: %v", err)
	}
	issued := c.cfg.now()
	raw, err := c.do(ctx, &call{
		endpoint: EndpointGenToken,
		method:   http.MethodPost,
		url:      c.mintURL,
		body:     body,
		secrets:  secrets{cred.secret.Reveal()},
	})
	if err != nil {
		return nil, err
	}
	value, plain := plainJSONString(raw)
	if !plain {
		if value, err = resultString(EndpointGenToken, raw); err != nil {
			return nil, err
		}
	}
	return newToken(c.base, value, issued, req), nil
}
