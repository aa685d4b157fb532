package youshu

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"time"

	"github.com/biembed/biembed-go/internal/validate"
)

// HelperTokenExpiry is the lifetime of the helper tokens RemoveToken and
// RenewToken mint: long enough for one call and its retries.
const HelperTokenExpiry = 60 * time.Second

// NewHelperToken mints a helper token that may only remove (UseDeleteToken)
// or renew (UseUpdateToken) other tokens, with the client's default
// credential (a super admin) and HelperTokenExpiry. Pass its Value to
// RemoveTokenWith or RenewTokenWith. It is never logged, even masked.
func (c *Client) NewHelperToken(ctx context.Context, use UseType) (*Token, error) {
	if err := c.ready(ctx); err != nil {
		return nil, err
	}
	if !validate.OneOf(use, UseDeleteToken, UseUpdateToken) {
		return nil, validate.Fieldf("useType", "must be deleteToken or updateToken")
	}
	if c.cfg.credential.IsZero() {
		return nil, validate.Fieldf("credential", "helper tokens need the client's default credential (WithCredential, a super admin)")
	}
	return c.GenToken(ctx, &GenTokenRequest{UseType: use, Expiry: HelperTokenExpiry})
}

// useHelper calls rmToken or renewToken with a helper token for t.
func (c *Client) useHelper(ctx context.Context, endpoint, helper, t string) error {
	if err := c.ready(ctx); err != nil {
		return err
	}
	if err := checkTokenArg("helper", helper); err != nil {
		return err
	}
	if err := checkTokenArg("t", t); err != nil {
		return err
	}
	raw, err := c.do(ctx, &call{
		endpoint: endpoint,
		method:   http.MethodGet,
		url:      c.endpointURL(endpoint, url.Values{"token": {helper}, "t": {t}}),
		secrets:  secrets{helper, t},
		logToken: t,
	})
	if err != nil {
		return err
	}
	var result string
	if json.Unmarshal(raw, &result) != nil || result != "ok" {
		return kindError(endpoint, ErrMalformedResponse, http.StatusOK, `result is not "ok"`)
	}
	return nil
}
