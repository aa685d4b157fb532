package redisstore_test

import (
	"context"
	"fmt"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/biembed/biembed-go/internal/testkit/redistest"
	"github.com/biembed/biembed-go/internal/tokencache"
	"github.com/biembed/biembed-go/redisstore"
	"github.com/biembed/biembed-go/tencent"
	"github.com/biembed/biembed-go/tencent/tencenttest"
)

// replica is one backend replica: its own Client, Redis connection, Store
// and Cache, sharing the fake and the Redis with the others.
type replica struct {
	rdb    *redis.Client
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
	if cfg.store.OnError == nil {
		cfg.store.OnError = func(err error) { t.Logf("store error: %v", err) }
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
			tencent.WithEndpoint(f.fake.URL()),
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
		rdb := f.redis.Client()
		store, err := redisstore.NewTencentStore(rdb, cfg.store)
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
		f.replicas = append(f.replicas, &replica{rdb: rdb, client: client, store: store, cache: cache})
	}
}

// waitReconnected waits until every replica's Redis client reaches the
// server again: go-redis, after a run of failed dials, probes the server
// once a second in the background before it dials for callers again.
func (f *fleet) waitReconnected(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, r := range f.replicas {
		for delay := time.Millisecond; r.rdb.Ping(ctx).Err() != nil; delay = min(2*delay, 100*time.Millisecond) {
			select {
			case <-ctx.Done():
				t.Fatal("a replica did not reconnect to the restarted Redis within 10s")
			case <-time.After(delay):
			}
		}
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

// redis-server killed mid-run, then restarted empty: no Get fails, replicas
// mint on their own while it is down (errors counted), and share again once
// it is back.
func TestFleetSurvivesRedisOutage(t *testing.T) {
	var events sync.Map // replica errors reported through OnEvent
	f := newFleet(t, 4, fleetConfig{
		store: redisstore.Options{Cooldown: time.Nanosecond}, // ask Redis again at once
		cache: tencent.CacheOptions{OnEvent: func(e tencent.CacheEvent) {
			if e.Err != nil {
				events.Store(e.Kind, true)
			}
		}},
	})
	results := make(chan error)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := w; ; n += 8 {
				r := f.replicas[n%4]
				_, err := r.cache.Get(context.Background(), fmt.Sprintf("user-%d", n%20), userRequest(n%20))
				select {
				case results <- err:
				case <-stop:
					return
				}
			}
		}()
	}
	var failed []error
	collect := func(n int) {
		for range n {
			if err := <-results; err != nil {
				failed = append(failed, err)
			}
		}
	}
	collect(200)
	beforeOutage := f.mints()
	f.redis.Kill()
	collect(200)
	duringOutage := f.mints() - beforeOutage
	f.redis.Restart()
	collect(200)
	close(stop)
	wg.Wait()
	f.waitReconnected(t)
	if len(failed) > 0 {
		t.Fatalf("%d Gets failed around the outage, first: %v", len(failed), failed[0])
	}
	if beforeOutage > 20 { // a slow first mint may still be running: fewer is fine
		t.Fatalf("before the outage the fleet minted %d tokens for 20 keys, want at most 20", beforeOutage)
	}
	if duringOutage == 0 {
		t.Fatal("no local mint while Redis was down")
	}
	var storeErrs, cacheErrs uint64
	for _, r := range f.replicas {
		storeErrs += r.store.Errors()
		cacheErrs += r.cache.Stats().Errors
	}
	if storeErrs == 0 || cacheErrs == 0 {
		t.Fatalf("Redis errors counted: store %d, cache Stats %d; want both counted", storeErrs, cacheErrs)
	}
	if _, ok := events.Load(tokencache.EventError); !ok {
		t.Fatal("no error event reported the outage")
	}
	// Sharing resumed: a new key minted on A is served by B from Redis.
	ctx := context.Background()
	before := f.mints()
	a, err := f.replicas[0].cache.Get(ctx, "user-99", userRequest(99))
	if err != nil {
		t.Fatal(err)
	}
	b, err := f.replicas[1].cache.Get(ctx, "user-99", userRequest(99))
	if err != nil || b.Value != a.Value || f.mints() != before+1 {
		t.Fatalf("after the restart B did not share A's token (err %v, mints %d)", err, f.mints()-before)
	}
}

// Refresh-ahead runs on one replica: four replicas all see the shared token
// enter its refresh margin, one of them mints its successor.
func TestFleetRefreshRunsOnOneReplica(t *testing.T) {
	clock := &manualClock{now: time.Now()} // the client signs with it: the fake must read it too
	f := newFleet(t, 4, fleetConfig{
		fake:   []tencenttest.Option{tencenttest.WithClock(clock)},
		client: func(int) []tencent.Option { return []tencent.Option{tencent.WithClock(clock)} },
		cache:  tencent.CacheOptions{Clock: clock},
		store:  redisstore.Options{Clock: clock},
	})
	ctx := context.Background()
	for _, r := range f.replicas {
		if _, err := r.cache.Get(ctx, "user-1", userRequest(1)); err != nil {
			t.Fatal(err)
		}
	}
	clock.Advance(9 * time.Minute) // 10-minute token: inside its refresh margin, still served
	var wg sync.WaitGroup
	for _, r := range f.replicas {
		for range 25 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := r.cache.Get(ctx, "user-1", userRequest(1)); err != nil {
					t.Error(err)
				}
			}()
		}
	}
	wg.Wait()
	for _, r := range f.replicas {
		_ = r.cache.Close() // waits for background refreshes
	}
	if n := f.mints(); n != 2 {
		t.Fatalf("mints = %d, want 2 (the first token and one refresh for the whole fleet)", n)
	}
}

// A Redis slower than the store's Timeout counts as down: the Get is served
// by a local mint, and the error is counted.
func TestFleetSlowRedisFallsBack(t *testing.T) {
	f := newFleet(t, 1, fleetConfig{store: redisstore.Options{Timeout: 20 * time.Millisecond}})
	ctx := context.Background()
	admin := f.redis.Client()
	if err := admin.Do(ctx, "CLIENT", "PAUSE", "500", "ALL").Err(); err != nil {
		t.Fatalf("CLIENT PAUSE: %v", err)
	}
	r := f.replicas[0]
	if _, err := r.cache.Get(ctx, "user-1", userRequest(1)); err != nil {
		t.Fatalf("Get with a paused Redis: %v", err)
	}
	if r.store.Errors() == 0 || r.cache.Stats().Errors == 0 {
		t.Fatalf("store errors %d, cache errors %d; want the slow calls counted", r.store.Errors(), r.cache.Stats().Errors)
	}
	if f.mints() != 1 {
		t.Fatalf("mints = %d, want 1 (local)", f.mints())
	}
}

// An entry tampered with in Redis is never served and never a crash: the
// Get mints a new token and the new entry replaces the tampered one.
func TestFleetTamperedEntryIsReplaced(t *testing.T) {
	f := newFleet(t, 2, fleetConfig{store: redisstore.Options{SealKey: testKey()}})
	ctx := context.Background()
	first, err := f.replicas[0].cache.Get(ctx, "user-1", userRequest(1))
	if err != nil {
		t.Fatal(err)
	}
	admin := f.redis.Client()
	blob := []byte(admin.HGet(ctx, "fleet:e:user-1", "b").Val())
	blob[len(blob)/2] ^= 0x40
	admin.HSet(ctx, "fleet:e:user-1", "b", blob)
	tok, err := f.replicas[1].cache.Get(ctx, "user-1", userRequest(1))
	if err != nil {
		t.Fatalf("Get over a tampered entry: %v", err)
	}
	if tok.Value == first.Value || f.mints() != 2 {
		t.Fatalf("the tampered entry was served (mints %d)", f.mints())
	}
	again, err := f.replicas[0].cache.Get(ctx, "user-1", userRequest(1))
	if err != nil || again.Value != tok.Value || f.mints() != 2 {
		t.Fatalf("the replacement was not shared (err %v, mints %d)", err, f.mints())
	}
}

// Redis flushed mid-run (FLUSHALL): the next Gets mint anew and succeed,
// and the fleet shares the new token.
func TestFleetSurvivesFlush(t *testing.T) {
	f := newFleet(t, 2, fleetConfig{})
	ctx := context.Background()
	if _, err := f.replicas[0].cache.Get(ctx, "user-1", userRequest(1)); err != nil {
		t.Fatal(err)
	}
	if err := f.redis.Client().FlushAll(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	b, err := f.replicas[1].cache.Get(ctx, "user-1", userRequest(1))
	if err != nil {
		t.Fatalf("Get after FLUSHALL: %v", err)
	}
	a, err := f.replicas[0].cache.Get(ctx, "user-1", userRequest(1))
	if err != nil || a.Value != b.Value || f.mints() != 2 {
		t.Fatalf("after the flush: err %v, mints %d, shared %v; want 2 mints and one shared token", err, f.mints(), a.Value == b.Value)
	}
}
