package tencent

import (
	"context"
	"fmt"
	"sync"
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
// still serving it, shares one call among concurrent Gets for a key, and never
// caches ticket-limited tokens (TicketNum > 0), which are minted per Get.
// A successful ClearEmbedToken through the same Client drops the cleared
// tokens. It is safe for concurrent use; Close it when done.
type Cache struct {
	engine *tokencache.Cache[cacheCall, *EmbedToken]

	mu     sync.Mutex
	groups map[clearGroup]map[string]struct{} // keys of the tokens each ClearEmbedToken would clear
	keyOf  map[string]clearGroup
}

// cacheCall is what the engine hands to mint: the key and the request.
type cacheCall struct {
	key string
	req *CreateEmbedTokenRequest
}

// clearGroup is what ClearEmbedToken matches tokens on.
type clearGroup struct {
	projectID  uint64
	userCorpID string
	scope      Scope
	pageID     uint64
}

// NewCache returns a Cache that mints with client.
func NewCache(client *Client, opts CacheOptions) (*Cache, error) {
	if client == nil {
		return nil, validate.Fieldf("client", "must not be nil")
	}
	c := &Cache{groups: map[clearGroup]map[string]struct{}{}, keyOf: map[string]clearGroup{}}
	onEvent := opts.OnEvent
	engine, err := tokencache.New(tokencache.Config[cacheCall, *EmbedToken]{
		Mint: func(ctx context.Context, call cacheCall) (*EmbedToken, error) {
			tok, err := client.CreateEmbedToken(ctx, call.req)
			if err == nil && call.req.TicketNum == 0 {
				c.track(call.key, tok)
			}
			return tok, err
		},
		Lifetime: func(tok *EmbedToken) (time.Time, time.Time) { return time.Time{}, tok.ExpiresAt },
		ID:       func(tok *EmbedToken) string { return tok.Value },
		Bypass:   func(call cacheCall) bool { return call.req != nil && call.req.TicketNum > 0 },
		Tags:     clearTags, // so a ClearEmbedToken reaches tokens other replicas minted into a shared Store
		Store:    opts.Store, Clock: opts.Clock,
		RefreshFraction: opts.RefreshFraction, MinRefreshMargin: opts.MinRefreshMargin,
		Skew: opts.Skew, MintTimeout: opts.MintTimeout, MaxEntries: opts.MaxEntries,
		OnEvent: func(e CacheEvent) {
			if e.Kind == tokencache.EventEvict || e.Kind == tokencache.EventInvalidate {
				c.untrack(e.Key)
			}
			if onEvent != nil {
				onEvent(e)
			}
		},
	})
	if err != nil {
		return nil, err
	}
	c.engine = engine
	client.OnClear(c.dropCleared)
	return c, nil
}

// Get returns a live token for key, minting one with req when needed. The key
// must identify everything in req that matters (tenant, user, page,
// filters); RequestKey derives one from req itself. A bad req is reported
// when the cache has to mint.
func (c *Cache) Get(ctx context.Context, key string, req *CreateEmbedTokenRequest) (*EmbedToken, error) {
	if req == nil {
		return nil, validate.Fieldf(createPrefix, "must not be nil")
	}
	return c.engine.Get(ctx, key, cacheCall{key: key, req: req})
}

// Invalidate drops the token cached for key.
func (c *Cache) Invalidate(ctx context.Context, key string) error {
	return c.engine.Invalidate(ctx, key)
}

// Stats returns what the cache has done so far.
func (c *Cache) Stats() CacheStats { return c.engine.Stats() }

// Close stops the cache and waits for its background refreshes.
func (c *Cache) Close() error { return c.engine.Close() }

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

// track records that key holds tok, for ClearEmbedToken.
func (c *Cache) track(key string, tok *EmbedToken) {
	if tok.UserCorpID == "" {
		return // ClearEmbedToken needs a UserCorpId: it cannot clear this token
	}
	g := clearGroup{projectID: tok.ProjectID, userCorpID: tok.UserCorpID, scope: tok.Scope, pageID: tok.PageID}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.untrackLocked(key)
	if c.groups[g] == nil {
		c.groups[g] = map[string]struct{}{}
	}
	c.groups[g][key] = struct{}{}
	c.keyOf[key] = g
}

func (c *Cache) untrack(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.untrackLocked(key)
}

func (c *Cache) untrackLocked(key string) {
	g, ok := c.keyOf[key]
	if !ok {
		return
	}
	delete(c.keyOf, key)
	delete(c.groups[g], key)
	if len(c.groups[g]) == 0 {
		delete(c.groups, g)
	}
}

// dropCleared invalidates the tokens a successful ClearEmbedToken cleared.
func (c *Cache) dropCleared(req ClearEmbedTokenRequest) {
	g := clearGroup{projectID: req.ProjectID, userCorpID: req.UserCorpID, scope: req.Scope, pageID: req.PageID}
	c.mu.Lock()
	keys := make([]string, 0, len(c.groups[g]))
	for k := range c.groups[g] {
		keys = append(keys, k)
	}
	c.mu.Unlock()
	for _, k := range keys {
		_ = c.engine.Invalidate(context.Background(), k) // the in-memory store cannot fail; a custom one reports through OnEvent
	}
	_ = c.engine.InvalidateTag(context.Background(), g.tag()) // and in a shared Store, what other replicas minted
}

// clearTags tags a token with the ClearEmbedToken group that would clear it.
func clearTags(call cacheCall) []string {
	if call.req == nil || call.req.UserCorpID == "" {
		return nil
	}
	g := clearGroup{projectID: call.req.ProjectID, userCorpID: call.req.UserCorpID, scope: call.req.Scope, pageID: call.req.PageID}
	return []string{g.tag()}
}

// tag names the group as an invalidation tag.
func (g clearGroup) tag() string {
	return fmt.Sprintf("clear:%d:%q:%s:%d", g.projectID, g.userCorpID, g.scope, g.pageID)
}
