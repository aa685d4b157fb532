package youshu

import (
	"context"
	"time"

	"github.com/biembed/biembed-go/internal/tokencache"
	"github.com/biembed/biembed-go/internal/validate"
)

// CacheStore keeps a Cache's tokens. The default is in memory; implement it
// over a shared store (Redis, a database) to share tokens between replicas.
// Entries hold live tokens: protect the store as you would the tokens.
//
// Its contract: Epoch(key, tags) grows whenever key or one of tags is
// invalidated; Save refuses (ErrStaleSave) an entry whose Epoch is behind
// it, so a token revoked while it was minted is never cached; Invalidate
// advances those epochs and deletes the entries under the CacheTarget's
// keys, tags and identities; Delete evicts without touching epochs.
type CacheStore = tokencache.Store[*Token]

// CacheEntry is one token in a CacheStore with its lifetime, the fingerprint
// of the request it was minted for, its identity, its invalidation tags and
// the epoch read when its mint began.
type CacheEntry = tokencache.Entry[*Token]

// CacheTarget names what CacheStore.Invalidate drops: keys, every entry saved
// with one of the tags, and the entries whose token has one of the IDs.
type CacheTarget = tokencache.Target

// CacheClock tells a Cache the time; tests pass a fake one.
type CacheClock = tokencache.Clock

// CacheEvent is one thing a Cache did (hit, miss, mint, refresh, error,
// bypass, evict, invalidate), with the key but never the token.
type CacheEvent = tokencache.Event

// CacheStats counts what a Cache did.
type CacheStats = tokencache.Stats

// Errors of a Cache, for errors.Is. They are the token cache engine's own
// errors, so they match whichever layer wraps them.
var (
	// ErrCacheClosed: Get after Close.
	ErrCacheClosed = tokencache.ErrClosed
	// ErrShortLived: the minted token expires within CacheOptions.Skew, so
	// it is neither served nor cached.
	ErrShortLived = tokencache.ErrShortLived
	// ErrCachePanicked: a CacheStore method, OnEvent or the cache's own
	// minting panicked; the panic was recovered and the cache stays usable.
	ErrCachePanicked = tokencache.ErrPanicked
	// ErrStaleSave is what a CacheStore's Save returns when the key was
	// invalidated after the mint began (see tokencache's Store contract);
	// the cache then does not cache the token.
	ErrStaleSave = tokencache.ErrStale
)

// CacheOptions tunes a Cache. The zero value means: in-memory store, system
// clock, refresh margin 20% of a token's lifetime but at least 30s, skew 30s,
// at most 10,000 tokens, no mint timeout.
type CacheOptions struct {
	Store            CacheStore
	Clock            CacheClock
	RefreshFraction  float64       // refresh margin as a fraction of the lifetime, 0..0.5
	MinRefreshMargin time.Duration // floor of the refresh margin
	Skew             time.Duration // never serve a token this close to its expiry
	MintTimeout      time.Duration // bound on each genToken call the cache makes
	MaxEntries       int
	OnEvent          func(CacheEvent) // called synchronously; must be fast
}

// Cache serves live tokens by key and calls genToken only when it has none
// to serve: it refreshes a token shortly before it expires while still
// serving it, and shares one call among concurrent Gets for a key and
// request. A cached token is served only for the request it was minted for
// (RequestKey of both must match): a Get for the same key with other filters
// mints a new token and replaces the old. Requests for single-use tokens
// (Once) and helper tokens (UseType) bypass it: each Get mints its own. A
// token removed with the same Client's RemoveToken or RemoveTokenWith is
// dropped. It is safe for concurrent use; Close it when done.
//
// A request minted through a Cache must set an Expiry longer than the
// cache's Skew: Youshu's default lifetime is not documented, and a token
// whose expiry is unknown, or too near, cannot be served.
type Cache struct {
	engine *tokencache.Cache[*GenTokenRequest, *Token]
	skew   time.Duration
}

// NewCache returns a Cache that mints with client, which must come from
// NewClient. Bad opts are a *ValidationError naming the field.
func NewCache(client *Client, opts CacheOptions) (*Cache, error) {
	if client == nil || client.rc == nil {
		return nil, validate.Fieldf("client", "must be made by NewClient (is nil or zero)")
	}
	engine, err := tokencache.New(tokencache.Config[*GenTokenRequest, *Token]{
		Mint:        client.GenToken,
		Lifetime:    func(tok *Token) (time.Time, time.Time) { return tok.IssuedAt, tok.ExpiresAt },
		ID:          tokenID,
		Bypass:      func(req *GenTokenRequest) bool { return req.Once || req.UseType != "" },
		Fingerprint: RequestKey,
		Store:       opts.Store, Clock: opts.Clock,
		RefreshFraction: opts.RefreshFraction, MinRefreshMargin: opts.MinRefreshMargin,
		Skew: opts.Skew, MintTimeout: opts.MintTimeout, MaxEntries: opts.MaxEntries,
		OnEvent: opts.OnEvent,
	})
	if err != nil {
		return nil, err
	}
	client.OnRevoke(func(token string) { _ = engine.InvalidateValue(context.Background(), tokencache.HashID(token)) })
	return &Cache{engine: engine, skew: engine.Skew()}, nil
}

// tokenID is a token's identity for the engine: a hash of its value, so a
// store's index never holds the token itself. The OnRevoke hook hashes the
// removed token the same way.
func tokenID(tok *Token) string { return tokencache.HashID(tok.Value.Reveal()) }

// Get returns a live token for key, minting one with req when needed. A token
// cached under key is served only if it was minted for a request equal to
// req (RequestKey); otherwise Get mints and replaces it. A request the cache
// would have to throw away once minted (no Expiry, or one not longer than
// CacheOptions.Skew), a key that is empty, longer than 1024 bytes, not UTF-8
// or with control characters, and every call on a nil or zero Cache are a
// *ValidationError and nothing is sent.
func (c *Cache) Get(ctx context.Context, key string, req *GenTokenRequest) (*Token, error) {
	if err := c.check(req); err != nil {
		return nil, err
	}
	return c.engine.Get(ctx, key, req)
}

// GetFor is Get with RequestKey(req) as the key.
func (c *Cache) GetFor(ctx context.Context, req *GenTokenRequest) (*Token, error) {
	if err := c.check(req); err != nil {
		return nil, err
	}
	return c.engine.GetFor(ctx, req)
}

// check rejects what would make the cache throw the minted token away.
func (c *Cache) check(req *GenTokenRequest) error {
	if err := c.ready(); err != nil {
		return err
	}
	switch {
	case req == nil:
		return validate.Fieldf("GenTokenRequest", "must not be nil")
	case req.Expiry <= 0:
		return validate.Fieldf("GenTokenRequest.Expiry", "must be set to mint through a Cache: the server's default lifetime is undocumented")
	case req.Expiry <= c.skew:
		return validate.Fieldf("GenTokenRequest.Expiry", "must be longer than the cache's Skew (%s): a shorter token could never be served", c.skew)
	}
	return nil
}

// ready rejects a Cache not made by NewCache (nil, or a zero Cache{}).
func (c *Cache) ready() error {
	if c == nil || c.engine == nil {
		return validate.Fieldf("Cache", "must be made by NewCache (is nil or zero)")
	}
	return nil
}

// Invalidate drops the token cached for key.
func (c *Cache) Invalidate(ctx context.Context, key string) error {
	if err := c.ready(); err != nil {
		return err
	}
	return c.engine.Invalidate(ctx, key)
}

// Stats returns what the cache has done so far (nothing, for a nil Cache).
func (c *Cache) Stats() CacheStats {
	if c.ready() != nil {
		return CacheStats{}
	}
	return c.engine.Stats()
}

// Close stops the cache and waits for its background refreshes.
func (c *Cache) Close() error {
	if err := c.ready(); err != nil {
		return err
	}
	return c.engine.Close()
}
