package redisstore_test

import (
	"context"
	"fmt"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/biembed/biembed-go/internal/redistest"
	"github.com/biembed/biembed-go/redisstore"
	"github.com/biembed/biembed-go/tencent"
	"github.com/biembed/biembed-go/tencent/tencenttest"
)

// replica is one backend replica: its own Client, Redis connection, Store
// and Cache, sharing the fake and the Redis with the others.
type replica struct {
	client *tencent.Client
	store  *redisstore.Store[*tencent.EmbedToken]
	cache  *tencent.Cache
}

// fleetConfig shapes newFleet; every field is optional.
type fleetConfig struct {
	fake   []tencenttest.Option
	client func(i int) []tencent.Option
	store  redisstore.Options
	cache  tencent.CacheOptions
}

// fleet is n replicas on one fake and one redis-server.
type fleet struct {
	fake     *tencenttest.Server
	redis    *redistest.Server
	replicas []*replica
}

func newFleet(t *testing.T, n int, cfg fleetConfig) *fleet {
	t.Helper()
	f := &fleet{fake: tencenttest.NewTestServer(t, cfg.fake...), redis: redistest.Start(t)}
	f.add(t, n, cfg)
	return f
}

// add starts n more replicas.
func (f *fleet) add(t *testing.T, n int, cfg fleetConfig) {
	t.Helper()
	if cfg.store.Prefix == "" {
		cfg.store.Prefix = "fleet:"
	}
	if cfg.store.Timeout == 0 {
		// Exact mint counts hold while Redis answers; on two shared cores
		// under -race a burst of 10,000 Gets can queue a call past the
		// 100ms default, which the store rightly treats as Redis failing.
		cfg.store.Timeout = 10 * time.Second
	}
	for i := range n {
		opts := []tencent.Option{
			tencent.WithSecret(tencenttest.SecretID, tencenttest.SecretKey),
			tencent.WithEndpoint(f.fake.Endpoint()),
			tencent.WithRateLimit(math.Inf(1)),
			tencent.WithMaxRetries(0),
		}
		if cfg.client != nil {
			opts = append(opts, cfg.client(len(f.replicas)+i)...)
		}
		client, err := tencent.NewClient(opts...)
		if err != nil {
			t.Fatalf("NewClient: %v", err)
		}
		t.Cleanup(client.CloseIdleConnections)
		store, err := redisstore.NewTencentStore(f.redis.Client(), cfg.store)
		if err != nil {
			t.Fatalf("NewTencentStore: %v", err)
		}
		copts := cfg.cache
		copts.Store = store
		cache, err := tencent.NewCache(client, copts)
		if err != nil {
			t.Fatalf("NewCache: %v", err)
		}
		t.Cleanup(func() { _ = cache.Close() })
		f.replicas = append(f.replicas, &replica{client: client, store: store, cache: cache})
	}
}

func (f *fleet) mints() int { return f.fake.Count(tencent.ActionCreateEmbedToken) }

// userRequest is a page token request for user u.
func userRequest(u int) *tencent.CreateEmbedTokenRequest {
	req := tencent.NewPageRequest(7, 8)
	req.Expiry = 10 * time.Minute
	req.ExtraParam = fmt.Sprintf("user-%d", u)
	return req
}

// getAll runs gets (replica index, user) all at once, released together,
// and returns the token values by user and every error.
func (f *fleet) getAll(t *testing.T, gets [][2]int) (map[int]map[string]bool, []error) {
	t.Helper()
	var (
		mu     sync.Mutex
		values = map[int]map[string]bool{}
		errs   []error
		wg     sync.WaitGroup
		start  = make(chan struct{})
	)
	for _, g := range gets {
		wg.Add(1)
		go func(r *replica, user int) {
			defer wg.Done()
			<-start
			tok, err := r.cache.Get(context.Background(), fmt.Sprintf("user-%d", user), userRequest(user))
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			if values[user] == nil {
				values[user] = map[string]bool{}
			}
			values[user][string(tok.Value)] = true
		}(f.replicas[g[0]], g[1])
	}
	close(start)
	wg.Wait()
	return values, errs
}

// Four replicas, 1,000 concurrent Gets for one key: one mint at the fake,
// one token for all.
func TestFleetOneKeyOneMint(t *testing.T) {
	f := newFleet(t, 4, fleetConfig{})
	gets := make([][2]int, 1000)
	for i := range gets {
		gets[i] = [2]int{i % 4, 1}
	}
	values, errs := f.getAll(t, gets)
	if len(errs) > 0 {
		t.Fatalf("%d Gets failed, first: %v", len(errs), errs[0])
	}
	if n := f.mints(); n != 1 {
		t.Fatalf("the fake minted %d tokens for one key across 4 replicas, want 1", n)
	}
	if len(values[1]) != 1 {
		t.Fatalf("the Gets saw %d distinct tokens, want 1", len(values[1]))
	}
}

// Four replicas, 50 keys x 200 Gets each: 50 mints.
func TestFleetFiftyKeysFiftyMints(t *testing.T) {
	f := newFleet(t, 4, fleetConfig{})
	var gets [][2]int
	for user := range 50 {
		for i := range 200 {
			gets = append(gets, [2]int{i % 4, user})
		}
	}
	values, errs := f.getAll(t, gets)
	if len(errs) > 0 {
		t.Fatalf("%d Gets failed, first: %v", len(errs), errs[0])
	}
	if n := f.mints(); n != 50 {
		for _, r := range f.replicas {
			t.Logf("store errors %d, cache stats %+v", r.store.Errors(), r.cache.Stats())
		}
		t.Fatalf("the fake minted %d tokens for 50 keys across 4 replicas, want 50", n)
	}
	for user, v := range values {
		if len(v) != 1 {
			t.Fatalf("user %d got %d distinct tokens, want 1", user, len(v))
		}
	}
}

// Invalidate on replica A: the next Get on replica B mints anew.
func TestFleetInvalidateOnOneReplicaReachesAll(t *testing.T) {
	f := newFleet(t, 2, fleetConfig{})
	a, b := f.replicas[0], f.replicas[1]
	ctx := context.Background()
	first, err := a.cache.Get(ctx, "user-1", userRequest(1))
	if err != nil {
		t.Fatal(err)
	}
	shared, err := b.cache.Get(ctx, "user-1", userRequest(1))
	if err != nil || shared.Value != first.Value || f.mints() != 1 {
		t.Fatalf("B did not share A's token (err %v, mints %d)", err, f.mints())
	}
	if err := a.cache.Invalidate(ctx, "user-1"); err != nil {
		t.Fatalf("Invalidate: %v", err)
	}
	fresh, err := b.cache.Get(ctx, "user-1", userRequest(1))
	if err != nil {
		t.Fatal(err)
	}
	if fresh.Value == first.Value || f.mints() != 2 {
		t.Fatalf("after A's Invalidate, B served the old token (mints %d)", f.mints())
	}
}
