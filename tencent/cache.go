package tencent

import (
	"context"
	"strconv"
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
type CacheStore = tokencache.Store[*EmbedToken]

// CacheEntry is one token in a CacheStore with its lifetime, the fingerprint
// of the request it was minted for, its identity, its invalidation tags and
// the epoch read when its mint began.
type CacheEntry = tokencache.Entry[*EmbedToken]

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
	// ErrStaleSave is what a CacheStore's Save returns when the key or one
	// of the entry's tags was invalidated after the mint began (see
	// tokencache's Store contract); the cache then does not cache the token.
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
	MintTimeout      time.Duration // bound on each CreateEmbedToken call the cache makes
	MaxEntries       int
	OnEvent          func(CacheEvent) // called synchronously; must be fast
}

// Cache serves live embed tokens by key and calls CreateEmbedToken only when
// it has none to serve: it refreshes a token shortly before it expires while
// still serving it, shares one call among concurrent Gets for a key and
// request, and never caches ticket-limited tokens (TicketNum > 0), which are
// minted per Get.
//
// A cached token is served only for the request it was minted for
// (RequestKey of both must match): a Get for the same key with other
// permissions mints a new token and replaces the old. A successful
// ClearEmbedToken through the same Client drops the tokens it clears (to be
// safe, every token whose request named the same project and UserCorpID),
// from the moment it is sent; a token being minted for them while the clear
// runs is handed to its Gets but not cached. It is safe for concurrent use; Close it when done.
type Cache struct {
	engine *tokencache.Cache[*CreateEmbedTokenRequest, *EmbedToken]
	skew   time.Duration
}

// NewCache returns a Cache that mints with client, which must come from
// NewClient. Bad opts are a *ValidationError naming the field.
func NewCache(client *Client, opts CacheOptions) (*Cache, error) {
	if client == nil || client.api == nil {
		return nil, validate.Fieldf("client", "must be made by NewClient (is nil or zero)")
	}
	engine, err := tokencache.New(tokencache.Config[*CreateEmbedTokenRequest, *EmbedToken]{
		Mint:        client.CreateEmbedToken,
		Lifetime:    func(tok *EmbedToken) (time.Time, time.Time) { return time.Time{}, tok.ExpiresAt },
		ID:          tokenID,
		Bypass:      func(req *CreateEmbedTokenRequest) bool { return req.TicketNum > 0 },
		Fingerprint: RequestKey,
		Tags:        requestTags,
		Store:       opts.Store, Clock: opts.Clock,
		RefreshFraction: opts.RefreshFraction, MinRefreshMargin: opts.MinRefreshMargin,
		Skew: opts.Skew, MintTimeout: opts.MintTimeout, MaxEntries: opts.MaxEntries,
		OnEvent: opts.OnEvent,
	})
	if err != nil {
		return nil, err
	}
	c := &Cache{engine: engine, skew: engine.Skew()}
	client.onClearing(c.dropCleared) // the service may clear before its answer arrives
	client.OnClear(c.dropCleared)
	return c, nil
}

// tokenID is a token's identity for the engine: a hash of its value, so a
// store's index never holds the token itself.
func tokenID(tok *EmbedToken) string { return tokencache.HashID(tok.Value.Reveal()) }

// Get returns a live token for key, minting one with req when needed. A token
// cached under key is served only if it was minted for a request equal to
// req (RequestKey); otherwise Get mints and replaces it. req and key are
// checked first: a bad req, one whose Expiry the cache could never serve
// (not longer than CacheOptions.Skew), or a key that is empty, longer than
// 1024 bytes, not UTF-8 or with control characters is a *ValidationError
// and nothing is sent. So is every call on a nil or zero Cache.
func (c *Cache) Get(ctx context.Context, key string, req *CreateEmbedTokenRequest) (*EmbedToken, error) {
	if err := c.check(req); err != nil {
		return nil, err
	}
	return c.engine.Get(ctx, key, req)
}

// GetFor is Get with RequestKey(req) as the key.
func (c *Cache) GetFor(ctx context.Context, req *CreateEmbedTokenRequest) (*EmbedToken, error) {
	if err := c.check(req); err != nil {
		return nil, err
	}
	return c.engine.GetFor(ctx, req)
}

// check rejects what would make the cache throw the minted token away.
func (c *Cache) check(req *CreateEmbedTokenRequest) error {
	if err := c.ready(); err != nil {
		return err
	}
	if req == nil {
		return validate.Fieldf(createPrefix, "must not be nil")
	}
	life := req.Expiry
	if life == 0 {
		life = DefaultExpiry
	}
	if life <= c.skew {
		return validate.Fieldf(createPrefix+".Expiry", "must be longer than the cache's Skew (%s): a shorter token could never be served (0 means %s)", c.skew, DefaultExpiry)
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

// requestTags returns the ClearEmbedToken tag of the token req mints, taken
// from the request itself (the answer need not echo UserCorpId). The tag is
// the user's project: the service does not document whether clearing a
// dashboard (scope panel) clears the tokens of its pages, or the reverse, so
// any ClearEmbedToken for a user and project drops all of that user's tokens
// in the project. Dropping too many costs a mint; too few would serve a
// cleared token. Tokens without a UserCorpID cannot be cleared and get none.
func requestTags(req *CreateEmbedTokenRequest) []string {
	if req.UserCorpID == "" {
		return nil
	}
	return []string{clearTag(req.ProjectID, req.UserCorpID)}
}

// clearTag names the tokens of a user in a project.
func clearTag(projectID uint64, userCorpID string) string {
	return "tencent-clear:" + strconv.FormatUint(projectID, 10) + "/" + userCorpID
}

// dropCleared invalidates the tokens a ClearEmbedToken clears, and voids the
// saves of mints for them still running. It runs when the clear is sent and
// again when it succeeds, so no token minted before the clear is cached
// while the clear is on its way.
func (c *Cache) dropCleared(req ClearEmbedTokenRequest) {
	tag := clearTag(req.ProjectID, req.UserCorpID)
	_ = c.engine.InvalidateTag(context.Background(), tag) // a failing store reports through OnEvent
}
