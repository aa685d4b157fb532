package tencent

import (
	"cmp"
	"context"
	"errors"
	"time"

	"github.com/biembed/biembed-go/biembed"
	"github.com/biembed/biembed-go/internal/pipeline"
	"github.com/biembed/biembed-go/internal/validate"
	"github.com/biembed/biembed-go/tokencache"
)

// Cache serves live embed tokens and calls CreateEmbedToken only when it
// has none to serve (see package tokencache for what every cache does).
type Cache = tokencache.Cache[*CreateEmbedTokenRequest, *EmbedToken]

// NewCache returns a Cache that mints with client. Requests with a
// TicketNum are minted per Get, never cached; a request whose Expiry (0:
// maxExpiry) is not longer than opts.Skew is refused before anything is
// sent, as its token could never be served.
//
// Revocation is ClearEmbedToken, which reaches every token of a UserCorpID:
// Revoke(req) clears those of req's page, RevokeUser(req) those of each
// page the cache holds a token of req's user for (only UserCorpID and
// UserID of req are read), and the cache drops every token of that
// UserCorpID in the project. Tokens without a UserCorpID and ChatBI tokens
// cannot be cleared: Revoke drops them and reports it. RevokeSuperseded is
// refused, so a token minted for permissions since narrowed works until it
// expires: keep Expiry short, or Revoke the old request.
func NewCache(client *Client, opts tokencache.Options) (*Cache, error) {
	if client == nil || client.api == nil {
		return nil, validate.Fieldf("client", "must be made by NewClient")
	}
	if opts.RevokeSuperseded {
		return nil, validate.Fieldf("Options.RevokeSuperseded", "Tencent cannot revoke one token alone (ClearEmbedToken clears a whole UserCorpID); see NewCache")
	}
	skew := cmp.Or(opts.Skew, tokencache.DefaultSkew)
	servable := func(req *CreateEmbedTokenRequest) error { // a lifetime within the skew would be minted and thrown away
		if req != nil && cmp.Or(req.Expiry, maxExpiry) <= skew {
			return validate.Fieldf(createPrefix+".Expiry", "must be longer than the cache's Skew (%s; 0 means %s)", skew, maxExpiry)
		}
		return nil
	}
	ns := pipeline.Namespace("tencent", client.cfg.scheme+"://"+client.cfg.endpoint+" "+client.cfg.embedHost)
	return tokencache.New(tokencache.Config[*CreateEmbedTokenRequest, *EmbedToken]{
		Options:   opts,
		Namespace: ns, // requestKey's prefix too
		Mint: func(ctx context.Context, req *CreateEmbedTokenRequest) (*EmbedToken, error) {
			if err := servable(req); err != nil {
				return nil, err
			}
			return client.CreateEmbedToken(ctx, req)
		},
		Key: func(req *CreateEmbedTokenRequest) (string, error) {
			key, err := requestKey(req, ns)
			return key, cmp.Or(err, servable(req))
		},
		Lifetime: func(tok *EmbedToken) (time.Time, time.Time) { return time.Time{}, tok.ExpiresAt },
		ID:       func(tok *EmbedToken) string { return tok.Value.Reveal() },
		User: func(req *CreateEmbedTokenRequest) string {
			if req == nil || req.UserCorpID == "" {
				return ""
			}
			return req.UserCorpID + "/" + req.UserID
		},
		Tags: func(req *CreateEmbedTokenRequest) []string {
			if req.UserCorpID == "" {
				return nil
			}
			return []string{clearTag(req.ProjectID, req.UserCorpID)}
		},
		Bypass: func(req *CreateEmbedTokenRequest) bool { return req != nil && req.TicketNum > 0 },
		Revoke: client.revoke,
		Extend: func(ctx context.Context, tok *EmbedToken) (*EmbedToken, error) {
			sent := client.cfg.now()
			if err := client.ApplyEmbedInterval(ctx, ExtendRequestFor(tok)); err != nil {
				return nil, err
			}
			ext := *tok // the service does not say by how much: a lifetime like the token's own, from now
			ext.ExpiresAt = sent.Add(tok.Expiry)
			return &ext, nil
		},
		Encode: func(t *EmbedToken) ([]byte, error) { return pipeline.EncodeToken(t, t.Value.Reveal()) },
		Decode: func(b []byte) (*EmbedToken, error) {
			return pipeline.DecodeToken(b, func(t *EmbedToken, v string) { t.Value = biembed.NewSecret(v) })
		},
		Watch: func(drop func(ctx context.Context, tags, values []string) error) {
			client.mu.Lock()
			defer client.mu.Unlock()
			client.onClear = append(client.onClear, func(ctx context.Context, tags []string) error { return drop(ctx, tags, nil) })
		},
	})
}

// revoke clears the tokens' UserCorpIDs for their pages, once per page.
func (c *Client) revoke(ctx context.Context, tokens []*EmbedToken) error {
	seen := map[ClearEmbedTokenRequest]bool{}
	var errs []error
	for _, tok := range tokens {
		req := &ClearEmbedTokenRequest{ProjectID: tok.ProjectID, UserCorpID: tok.UserCorpID, Scope: tok.Scope, PageID: tok.PageID}
		if req.UserCorpID == "" {
			errs = append(errs, validate.Fieldf("EmbedToken.UserCorpID", "is empty: Tencent cannot clear a token bound to no user"))
			continue
		}
		if req.Scope == ScopeProject {
			errs = append(errs, validate.Fieldf("EmbedToken.Scope", "is project (ChatBI): Tencent documents no clear for ChatBI tokens"))
			continue
		}
		if seen[*req] {
			continue
		}
		seen[*req] = true
		if err := c.ClearEmbedToken(ctx, req); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
