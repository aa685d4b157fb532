package redisstore_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/biembed/biembed-go/biembedtest"
	"github.com/biembed/biembed-go/internal/testkit/redistest"
	"github.com/biembed/biembed-go/redisstore"
	"github.com/biembed/biembed-go/tencent"
	"github.com/biembed/biembed-go/tencent/tencenttest"
	"github.com/biembed/biembed-go/tokencache"
)

// Four replicas, 1,000 concurrent Gets for one key: one mint at the fake,
// one token for all.
func TestFleetOneKeyOneMint(t *testing.T) {
	f := newReplicas(t, 4, fleetConfig{})
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
	f := newReplicas(t, 4, fleetConfig{})
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
			t.Logf("fleet %+v, cache %+v", r.fleet.Stats(), r.cache.Stats())
		}
		t.Fatalf("the fake minted %d tokens for 50 keys across 4 replicas, want 50", n)
	}
	for user, v := range values {
		if len(v) != 1 {
			t.Fatalf("user %d got %d distinct tokens, want 1", user, len(v))
		}
	}
}

// Forget on replica A: the next Get on replica B mints anew.
func TestFleetForgetOnOneReplicaReachesAll(t *testing.T) {
	f := newReplicas(t, 2, fleetConfig{})
	a, b := f.replicas[0], f.replicas[1]
	ctx := context.Background()
	first, err := a.cache.Get(ctx, userRequest(1))
	if err != nil {
		t.Fatal(err)
	}
	shared, err := b.cache.Get(ctx, userRequest(1))
	if err != nil || shared.Value != first.Value || f.mints() != 1 {
		t.Fatalf("B did not share A's token (err %v, mints %d)", err, f.mints())
	}
	if err := a.cache.Forget(ctx, userRequest(1)); err != nil {
		t.Fatalf("Forget: %v", err)
	}
	fresh, err := b.cache.Get(ctx, userRequest(1))
	if err != nil {
		t.Fatal(err)
	}
	if fresh.Value == first.Value || f.mints() != 2 {
		t.Fatalf("after A's Forget, B served the old token (mints %d)", f.mints())
	}
}

// redis-server killed mid-run, then restarted empty: no Get fails, replicas
// mint on their own while it is down (errors counted), and share again once
// it is back.
func TestFleetSurvivesRedisOutage(t *testing.T) {
	var events sync.Map // replica errors reported through OnEvent
	f := newReplicas(t, 4, fleetConfig{
		opts: redisstore.Options{Cooldown: time.Nanosecond}, // ask Redis again at once
		cache: tokencache.Options{OnEvent: func(e tokencache.Event) {
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
				_, err := r.cache.Get(context.Background(), userRequest(n%20))
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
	if beforeOutage > 20 {
		t.Fatalf("before the outage the fleet minted %d tokens for 20 keys, want at most 20", beforeOutage)
	}
	if duringOutage == 0 {
		t.Fatal("no local mint while Redis was down")
	}
	var redisErrs, fallbacks, cacheErrs uint64
	for _, r := range f.replicas {
		redisErrs += r.fleet.Stats().RedisErrors
		fallbacks += r.fleet.Stats().Fallbacks
		cacheErrs += r.cache.Stats().Errors
	}
	if redisErrs == 0 || fallbacks == 0 || cacheErrs == 0 {
		t.Fatalf("counted: Redis errors %d, fallbacks %d, cache errors %d; want all counted", redisErrs, fallbacks, cacheErrs)
	}
	if _, ok := events.Load(tokencache.EventError); !ok {
		t.Fatal("no error event reported the outage")
	}
	// Sharing resumed: a new key minted on A is served by B from Redis.
	ctx := context.Background()
	before := f.mints()
	a, err := f.replicas[0].cache.Get(ctx, userRequest(99))
	if err != nil {
		t.Fatal(err)
	}
	b, err := f.replicas[1].cache.Get(ctx, userRequest(99))
	if err != nil || b.Value != a.Value || f.mints() != before+1 {
		t.Fatalf("after the restart B did not share A's token (err %v, mints %d)", err, f.mints()-before)
	}
}

// Refresh-ahead runs on one replica: four replicas all see the shared token
// enter its refresh margin, one of them mints its successor.
func TestFleetRefreshRunsOnOneReplica(t *testing.T) {
	clock := biembedtest.NewClock(time.Now())
	minted := make(chan struct{}, 100) // every mint's event, from every replica
	f := newReplicas(t, 4, fleetConfig{
		fake:   []tencenttest.Option{tencenttest.WithClock(clock.Now)},
		client: func(int) []tencent.Option { return []tencent.Option{tencent.WithClock(clock.Now)} },
		cache: tokencache.Options{Now: clock.Now, OnEvent: func(e tokencache.Event) {
			if e.Kind == tokencache.EventMint {
				minted <- struct{}{}
			}
		}},
		opts: redisstore.Options{Now: clock.Now},
	})
	ctx := context.Background()
	for _, r := range f.replicas {
		if _, err := r.cache.Get(ctx, userRequest(1)); err != nil {
			t.Fatal(err)
		}
	}
	<-minted                       // the first token
	clock.Advance(9 * time.Minute) // 10-minute token: inside its refresh margin, still served
	var wg sync.WaitGroup
	for _, r := range f.replicas {
		for range 25 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := r.cache.Get(ctx, userRequest(1)); err != nil {
					t.Error(err)
				}
			}()
		}
	}
	wg.Wait()
	select { // the refresh runs in the background: wait for its mint, Close would cancel it
	case <-minted:
	case <-time.After(30 * time.Second):
		t.Fatal("no replica refreshed the token within 30s")
	}
	for _, r := range f.replicas {
		_ = r.cache.Close() // cancels and waits for any other background refresh
	}
	if n := f.mints(); n != 2 {
		t.Fatalf("mints = %d, want 2 (the first token and one refresh for the whole fleet)", n)
	}
}

// A Redis slower than Timeout counts as down: the Get is served by a local
// mint, and the error is counted.
func TestFleetSlowRedisFallsBack(t *testing.T) {
	srv := redistest.Start(t)
	proxy := newTCPProxy(t, srv)
	f := &fleet{fake: tencenttest.NewTestServer(t), redis: srv}
	f.add(t, 1, fleetConfig{opts: redisstore.Options{Timeout: 20 * time.Millisecond},
		rdb: func(int) *redis.Client { return proxy.Client() }})
	proxy.Stall()
	defer proxy.Restore()
	r := f.replicas[0]
	if _, err := r.cache.Get(context.Background(), userRequest(1)); err != nil {
		t.Fatalf("Get with a stalled Redis: %v", err)
	}
	if r.fleet.Stats().RedisErrors == 0 || r.cache.Stats().Errors == 0 {
		t.Fatalf("fleet %+v, cache errors %d; want the slow calls counted", r.fleet.Stats(), r.cache.Stats().Errors)
	}
	if f.mints() != 1 {
		t.Fatalf("mints = %d, want 1 (local)", f.mints())
	}
}

// An entry tampered with in Redis is never served and never a crash: the
// Get mints a new token and the new entry replaces the tampered one.
func TestFleetTamperedEntryIsReplaced(t *testing.T) {
	f := newReplicas(t, 2, fleetConfig{})
	ctx := context.Background()
	first, err := f.replicas[0].cache.Get(ctx, userRequest(1))
	if err != nil {
		t.Fatal(err)
	}
	admin := f.redis.Client()
	keys := admin.Keys(ctx, "fleet:e:*").Val()
	if len(keys) != 1 {
		t.Fatalf("entries = %v, want one", keys)
	}
	blob := []byte(admin.HGet(ctx, keys[0], "b").Val())
	blob[len(blob)/2] ^= 0x40
	f.redis.Raw("HSET", keys[0], "b", blob)
	tok, err := f.replicas[1].cache.Get(ctx, userRequest(1))
	if err != nil {
		t.Fatalf("Get over a tampered entry: %v", err)
	}
	if tok.Value == first.Value || f.mints() != 2 {
		t.Fatalf("the tampered entry was served (mints %d)", f.mints())
	}
	if n := f.replicas[1].fleet.Stats().Unreadable; n == 0 {
		t.Fatal("the tampered entry was not counted as unreadable")
	}
	again, err := f.replicas[0].cache.Get(ctx, userRequest(1))
	if err != nil || again.Value != tok.Value || f.mints() != 2 {
		t.Fatalf("the replacement was not shared (err %v, mints %d)", err, f.mints())
	}
}

// Redis flushed mid-run (FLUSHALL): the next Gets mint anew and succeed,
// and the fleet shares the new token.
func TestFleetSurvivesFlush(t *testing.T) {
	f := newReplicas(t, 2, fleetConfig{})
	ctx := context.Background()
	if _, err := f.replicas[0].cache.Get(ctx, userRequest(1)); err != nil {
		t.Fatal(err)
	}
	f.redis.Raw("FLUSHALL")
	b, err := f.replicas[1].cache.Get(ctx, userRequest(1))
	if err != nil {
		t.Fatalf("Get after FLUSHALL: %v", err)
	}
	a, err := f.replicas[0].cache.Get(ctx, userRequest(1))
	if err != nil || a.Value != b.Value || f.mints() != 2 {
		t.Fatalf("after the flush: err %v, mints %d, shared %v; want 2 mints and one shared token", err, f.mints(), a.Value == b.Value)
	}
}
