package youshu

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/biembed/biembed-go/biembed"
	"github.com/biembed/biembed-go/internal/pipeline"
	"github.com/biembed/biembed-go/internal/validate"
	"github.com/biembed/biembed-go/tokencache"
)

// Cache serves live tokens and calls genToken only when it has none to
// serve (see package tokencache for what every cache does).
type Cache = tokencache.Cache[*GenTokenRequest, *EmbedToken]

// NewCache returns a Cache that mints with client. A request minted
// through it must set an Expiry longer than the cache's Skew: Youshu does
// not document its default lifetime, and a token whose expiry is unknown
// cannot be served. Single-use (Once) and helper (UseType) requests are
// minted per Get, never cached.
//
// A request's user is its AuthUniqueID, else its AuthUserID, else the
// account its credential (or the client's) authenticates: RevokeUser(req)
// removes (rmToken) every token the cache holds for that user, and
// RevokeSuperseded revokes a user's earlier tokens when one is minted for
// a request that differs from theirs. A token removed through the client's
// RemoveToken is dropped too.
func NewCache(client *Client, opts tokencache.Options) (*Cache, error) {
	if client == nil || client.rc == nil {
		return nil, validate.Fieldf("client", "must be made by NewClient")
	}
	skew := opts.Skew
	if skew == 0 {
		skew = tokencache.DefaultSkew
	}
	// servable refuses a request whose token the cache would throw away
	// once minted. Key runs it for cached requests; Mint for the bypassed
	// ones (Once, UseType), which never reach Key.
	servable := func(req *GenTokenRequest) error {
		if req != nil && req.Expiry <= skew {
			return validate.Fieldf("GenTokenRequest.Expiry", "must be longer than the cache's Skew (%s): Youshu does not document its default lifetime", skew)
		}
		return nil
	}
	ns := pipeline.Namespace("youshu", client.base.String())
	return tokencache.New(tokencache.Config[*GenTokenRequest, *EmbedToken]{
		Options:   opts,
		Namespace: ns, // requestKey's prefix too
		Mint: func(ctx context.Context, req *GenTokenRequest) (*EmbedToken, error) {
			if err := servable(req); err != nil {
				return nil, err
			}
			return client.GenToken(ctx, req)
		},
		Key: func(req *GenTokenRequest) (string, error) {
			if err := servable(req); err != nil {
				return "", err
			}
			return requestKey(req, ns, client.credentialFor(req))
		},
		Lifetime: func(tok *EmbedToken) (time.Time, time.Time) { return tok.IssuedAt, tok.ExpiresAt },
		ID:       func(tok *EmbedToken) string { return tok.Value.Reveal() },
		User: func(req *GenTokenRequest) string {
			switch {
			case req == nil:
				return ""
			case req.AuthUniqueID != "":
				return req.AuthUniqueID
			case req.AuthUserID != 0:
				return "#" + strconv.FormatInt(req.AuthUserID, 10)
			}
			return client.credentialFor(req).identity()
		},
		Bypass: func(req *GenTokenRequest) bool { return req != nil && (req.Once || req.UseType != "") },
		Revoke: client.removeAll,
		Extend: func(ctx context.Context, tok *EmbedToken) (*EmbedToken, error) {
			sent := client.cfg.now()
			if err := client.RenewToken(ctx, tok.Value.Reveal()); err != nil {
				return nil, err
			}
			ext := *tok // Youshu does not say by how much: a lifetime like the token's own, from now
			ext.IssuedAt, ext.ExpiresAt = sent, sent.Add(tok.ExpiresAt.Sub(tok.IssuedAt))
			return &ext, nil
		},
		RevokesAlone: true,
		Encode:       func(t *EmbedToken) ([]byte, error) { return pipeline.EncodeToken(t, t.Value.Reveal()) },
		Decode: func(b []byte) (*EmbedToken, error) {
			return pipeline.DecodeToken(b, func(t *EmbedToken, v string) { t.Value = biembed.NewSecret(v) })
		},
		Watch: func(drop func(ctx context.Context, tags, values []string) error) {
			client.mu.Lock()
			defer client.mu.Unlock()
			client.onRemove = append(client.onRemove, func(ctx context.Context, tokens []string) error { return drop(ctx, nil, tokens) })
		},
	})
}

// removeAll removes each of tokens.
func (c *Client) removeAll(ctx context.Context, tokens []*EmbedToken) error {
	var errs []error
	for _, t := range tokens {
		if err := c.RemoveToken(ctx, t.Value.Reveal()); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
