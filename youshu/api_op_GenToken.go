package youshu

import (
	"cmp"
	"context"
	"errors"
	"time"

	"github.com/biembed/biembed-go/biembed"
	"github.com/biembed/biembed-go/internal/safetext"
	"github.com/biembed/biembed-go/internal/validate"
)

// GenToken mints a token (POST /api/dash/util/genToken). It validates req
// first (a bad one gets a *biembed.ValidationError and nothing is sent)
// and uses the client's WithCredential when req.Credential is zero.
// Failures are *Error.
func (c *Client) GenToken(ctx context.Context, req *GenTokenRequest) (*EmbedToken, error) {
	if err := cmp.Or(c.ready(ctx), req.Validate()); err != nil {
		return nil, err
	}
	cred := c.credentialFor(req)
	if cred == (Credential{}) {
		return nil, validate.Fieldf("GenTokenRequest.Credential", "required: set it or use WithCredential")
	}
	secret := cred.Secret.Reveal()
	body, err := req.wireJSON(cred, secret)
	if err != nil {
		return nil, err
	}
	issued := c.cfg.now()
	raw, err := c.do(ctx, call{endpoint: "genToken", body: body, secrets: []string{secret}})
	if err != nil {
		return nil, err
	}
	value, err := resultString("genToken", raw)
	if err != nil {
		return nil, err
	}
	t := &EmbedToken{Value: biembed.NewSecret(value), BaseURL: c.base.String(), IssuedAt: issued, SingleUse: req.Once, AutoRenew: req.AutoRenew}
	if req.Expiry > 0 {
		t.ExpiresAt = issued.Add(req.Expiry)
	}
	return t, nil
}

// credentialFor returns req's credential, or the client's default (also
// for a nil req, which the cache's key and user callbacks may be given).
func (c *Client) credentialFor(req *GenTokenRequest) Credential {
	if req != nil && req.Credential != (Credential{}) {
		return req.Credential
	}
	return c.cfg.credential
}

// helperExpiry is the lifetime of the helper tokens RemoveToken and
// RenewToken mint; one is reused until helperMargin before it expires.
const (
	helperExpiry = 5 * time.Minute
	helperMargin = time.Minute
)

// RemoveToken revokes token t (GET /api/dash/util/rmToken) with a
// deleteToken helper token minted by the client's WithCredential (a super
// admin) and reused for a few minutes. A removed token can no longer be
// used or renewed. Caches made by NewCache with this client drop t, in
// every replica that shares their Store.
func (c *Client) RemoveToken(ctx context.Context, t string) error {
	if err := c.useHelper(ctx, "rmToken", UseDeleteToken, t); err != nil {
		return err
	}
	c.mu.Lock()
	fns := c.onRemove
	c.mu.Unlock()
	for _, fn := range fns {
		if err := fn(ctx, []string{t}); err != nil {
			return err
		}
	}
	return nil
}

// RenewToken extends token t (GET /api/dash/util/renewToken) with an
// updateToken helper token minted by the client's WithCredential (a super
// admin) and reused for a few minutes. How far t is extended is the
// server's choice.
func (c *Client) RenewToken(ctx context.Context, t string) error {
	return c.useHelper(ctx, "renewToken", UseUpdateToken, t)
}

// useHelper calls endpoint for t with a helper token of use, minting a new
// helper when the one kept is near its expiry or refused.
func (c *Client) useHelper(ctx context.Context, endpoint string, use UseType, t string) error {
	if err := c.ready(ctx); err != nil {
		return err
	}
	if safetext.CheckToken(t) != nil {
		return validate.Fieldf("t", "must be a token: 1 to %d bytes of visible ASCII", safetext.MaxTokenBytes)
	}
	if c.cfg.credential == (Credential{}) {
		return validate.Fieldf("WithCredential", "required: helper tokens are minted with the client's credential (a super admin)")
	}
	for fresh := false; ; fresh = true {
		h, err := c.helper(ctx, use, fresh)
		if err != nil {
			return err
		}
		raw, err := c.do(ctx, call{endpoint: endpoint, query: map[string][]string{"token": {h}, "t": {t}}, secrets: []string{h, t}})
		if err == nil {
			if string(raw) != `"ok"` {
				return &Error{Endpoint: endpoint, HTTPStatus: 200, kind: ErrMalformedResponse, Message: `the result is not "ok"`}
			}
			return nil
		}
		if fresh || !(errors.Is(err, ErrUnauthorized) || errors.Is(err, ErrNotFound)) {
			return err
		}
		// The kept helper was refused (revoked, or expired early): one more try with a new one.
	}
}

// helper returns a helper token of use: the kept one unless it is near its
// expiry or fresh is asked for.
func (c *Client) helper(ctx context.Context, use UseType, fresh bool) (string, error) {
	now := c.cfg.now()
	c.mu.Lock()
	h := c.helpers[use]
	c.mu.Unlock()
	if h != nil && !fresh && now.Before(h.ExpiresAt.Add(-helperMargin)) {
		return h.Value.Reveal(), nil
	}
	tok, err := c.GenToken(ctx, &GenTokenRequest{UseType: use, Expiry: helperExpiry})
	if err != nil {
		return "", err
	}
	c.mu.Lock()
	c.helpers[use] = tok
	c.mu.Unlock()
	return tok.Value.Reveal(), nil
}
