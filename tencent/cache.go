package tencent

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/biembed/biembed-go/internal/tokencache"
	"github.com/biembed/biembed-go/internal/validate"
)

// CacheStore keeps a Cache's tokens. The default is in memory; implement it
// over a shared store (Redis, a database) to share tokens between replicas.
// Entries hold live tokens: protect the store as you would the tokens.
type CacheStore = tokencache.Store[*EmbedToken]

// CacheEntry is one token in a CacheStore with its lifetime.
type CacheEntry = tokencache.Entry[*EmbedToken]

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
// ClearEmbedToken through the same Client drops the tokens it cleared (to be
// safe, every token whose request named the same project and UserCorpID), and
// a token being minted for them while the clear runs is handed to its Gets
// but not cached. It is safe for concurrent use; Close it when done.
type Cache struct {
	engine *tokencache.Cache[*CreateEmbedTokenRequest, *EmbedToken]
	skew   time.Duration
}

// NewCache returns a Cache that mints with client.
func NewCache(client *Client, opts CacheOptions) (*Cache, error) {
	if client == nil {
		return nil, validate.Fieldf("client", "must not be nil")
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
	client.OnClear(c.dropCleared)
	return c, nil
}

// tokenID is a token's identity for the engine: its value.
func tokenID(tok *EmbedToken) string { return tok.Value }

// Get returns a live token for key, minting one with req when needed. A token
// cached under key is served only if it was minted for a request equal to
// req (RequestKey); otherwise Get mints and replaces it. req is checked
// first: a bad one, or one whose Expiry the cache could never serve (not
// longer than CacheOptions.Skew), is a *ValidationError and nothing is sent.
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
	if req == nil {
		return validate.Fieldf(createPrefix, "must not be nil")
	}
	if req.Expiry > 0 && req.Expiry <= c.skew {
		return validate.Fieldf(createPrefix+".Expiry", "must be longer than the cache's Skew (%s): a shorter token could never be served", c.skew)
	}
	return nil
}

// Invalidate drops the token cached for key.
func (c *Cache) Invalidate(ctx context.Context, key string) error {
	return c.engine.Invalidate(ctx, key)
}

// Stats returns what the cache has done so far.
func (c *Cache) Stats() CacheStats { return c.engine.Stats() }

// Close stops the cache and waits for its background refreshes.
func (c *Cache) Close() error { return c.engine.Close() }

// Format prints the cache's counters only, never a token or a key, whatever
// the verb.
func (c *Cache) Format(f fmt.State, _ rune) {
	if c == nil || c.engine == nil {
		_, _ = io.WriteString(f, "tencent.Cache(nil)")
		return
	}
	s := c.Stats()
	fmt.Fprintf(f, "tencent.Cache{hits: %d, misses: %d, mints: %d, errors: %d}", s.Hits, s.Misses, s.Mints, s.Errors)
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

// dropCleared invalidates the tokens a successful ClearEmbedToken cleared,
// and voids the saves of mints for them still running.
func (c *Cache) dropCleared(req ClearEmbedTokenRequest) {
	tag := clearTag(req.ProjectID, req.UserCorpID)
	_ = c.engine.InvalidateTag(context.Background(), tag) // a failing store reports through OnEvent
}

// RequestKey derives a stable cache key from req's wire form: equal requests
// give equal keys, in this process and in others. req is validated first.
func RequestKey(req *CreateEmbedTokenRequest) (string, error) {
	if err := req.Validate(); err != nil {
		return "", err
	}
	params, err := req.params()
	if err != nil {
		return "", err
	}
	return tokencache.KeyOf(params)
}
