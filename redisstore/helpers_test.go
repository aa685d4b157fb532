package redisstore_test

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/biembed/biembed-go/biembed"
	"github.com/biembed/biembed-go/internal/testkit/redistest"
	"github.com/biembed/biembed-go/redisstore"
	"github.com/biembed/biembed-go/tencent"
	"github.com/biembed/biembed-go/tencent/tencenttest"
	"github.com/biembed/biembed-go/tokencache"
)

// testKey is the SealKey of the tests: 32 raw bytes.
func testKey() biembed.Secret { return biembed.NewSecret(strings.Repeat("\x07", 32)) }

// otherKey is a SealKey another fleet might use.
func otherKey() biembed.Secret { return biembed.NewSecret(strings.Repeat("\x08", 32)) }

// newFleet returns a Fleet on rdb: Prefix "test:" and testKey unless opts
// say otherwise, and a Timeout long enough for a loaded test machine unless
// opts set one (a test of slowness sets its own).
func newFleet(t testing.TB, rdb redis.UniversalClient, opts redisstore.Options) *redisstore.Fleet {
	t.Helper()
	if opts.Prefix == "" {
		opts.Prefix = "test:"
	}
	if opts.SealKey == (biembed.Secret{}) && !opts.Plaintext {
		opts.SealKey = testKey()
	}
	if opts.Timeout == 0 {
		opts.Timeout = 10 * time.Second
	}
	f, err := redisstore.NewFleet(rdb, opts)
	if err != nil {
		t.Fatalf("NewFleet: %v", err)
	}
	return f
}

// entry is a token saved for an hour from now on clock (nil: the system
// clock), with the epoch the store gives key and tags now.
func entry(t testing.TB, s tokencache.Store, now func() time.Time, key, value string, tags ...string) tokencache.Entry {
	t.Helper()
	if now == nil {
		now = time.Now
	}
	epoch, err := s.Epoch(context.Background(), key, tags)
	if err != nil {
		t.Fatalf("Epoch: %v", err)
	}
	return tokencache.Entry{Token: biembed.NewSecret(value), IssuedAt: now(), ExpiresAt: now().Add(time.Hour),
		ID: "id:" + value, Tags: tags, Epoch: epoch}
}

// unlimited lets every request go at once.
func unlimited() biembed.RateLimiter {
	l, _ := biembed.NewRateLimiter(math.Inf(1), 1)
	return l
}

// transport is an HTTP transport whose idle connections are closed when t
// ends (goleak).
func transport(t testing.TB) *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	return tr
}

// replica is one backend replica: its own Redis client, Fleet, Client and
// Cache, sharing the fake and the Redis with the others.
type replica struct {
	rdb    *redis.Client
	fleet  *redisstore.Fleet
	client *tencent.Client
	cache  *tencent.Cache
}

// fleetConfig shapes a fleet of replicas; every field is optional.
type fleetConfig struct {
	fake    []tencenttest.Option
	opts    redisstore.Options
	cache   tokencache.Options
	limited bool // the clients wait on the Fleet's limiter (else: no limit)
	client  func(i int) []tencent.Option
	rdb     func(i int) *redis.Client // default: a client of the server
}

// fleet is replicas on one fake and one redis-server.
type fleet struct {
	fake     *tencenttest.Server
	redis    *redistest.Server
	replicas []*replica
}

func newReplicas(t *testing.T, n int, cfg fleetConfig) *fleet {
	t.Helper()
	f := &fleet{fake: tencenttest.NewTestServer(t, cfg.fake...), redis: redistest.Start(t)}
	f.add(t, n, cfg)
	return f
}

// add starts n more replicas.
func (f *fleet) add(t *testing.T, n int, cfg fleetConfig) {
	t.Helper()
	if cfg.opts.Prefix == "" {
		cfg.opts.Prefix = "fleet:"
	}
	for range n {
		i := len(f.replicas)
		rdb := f.redis.Client()
		if cfg.rdb != nil {
			rdb = cfg.rdb(i)
		}
		fl := newFleet(t, rdb, cfg.opts)
		limiter := unlimited()
		if cfg.limited {
			limiter = fl.Limiter
		}
		opts := []tencent.Option{
			tencent.WithSecret(tencenttest.SecretID, tencenttest.SecretKey),
			tencent.WithEndpoint(f.fake.URL()),
			tencent.WithTransport(transport(t)),
			tencent.WithRateLimiter(limiter),
			tencent.WithRetries(0),
		}
		if cfg.client != nil {
			opts = append(opts, cfg.client(i)...)
		}
		client, err := tencent.NewClient(opts...)
		if err != nil {
			t.Fatalf("NewClient: %v", err)
		}
		copts := cfg.cache
		copts.Store = fl.Store
		cache, err := tencent.NewCache(client, copts)
		if err != nil {
			t.Fatalf("NewCache: %v", err)
		}
		t.Cleanup(func() { _ = cache.Close() })
		f.replicas = append(f.replicas, &replica{rdb: rdb, fleet: fl, client: client, cache: cache})
	}
}

func (f *fleet) mints() int { return f.fake.Count("CreateEmbedToken") }

// waitReconnected waits until every replica's Redis client reaches the
// server again: go-redis, after a run of failed dials, probes the server
// once a second in the background before it dials for callers again.
func (f *fleet) waitReconnected(t *testing.T) {
	t.Helper()
	for _, r := range f.replicas {
		waitPing(t, r.rdb)
	}
}

// waitPing waits (backing off) until rdb answers PING; an external server
// coming back is the one thing tests wait for this way.
func waitPing(t testing.TB, rdb *redis.Client) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for delay := time.Millisecond; rdb.Ping(ctx).Err() != nil; delay = min(2*delay, 100*time.Millisecond) {
		select {
		case <-ctx.Done():
			t.Fatal("a client did not reconnect to the restarted Redis within 30s")
		case <-time.After(delay):
		}
	}
}

// userRequest is a page token request of user u, 10 minutes long.
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
	// At most 256 goroutines at once: enough to make every key's first Gets
	// race each other, without the memory of thousands of goroutines under
	// the race detector.
	workers := min(len(gets), 256)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for i := w; i < len(gets); i += workers {
				r, user := f.replicas[gets[i][0]], gets[i][1]
				tok, err := r.cache.Get(context.Background(), userRequest(user))
				mu.Lock()
				if err != nil {
					errs = append(errs, err)
				} else {
					if values[user] == nil {
						values[user] = map[string]bool{}
					}
					values[user][tok.Value.Reveal()] = true
				}
				mu.Unlock()
			}
		}()
	}
	close(start)
	wg.Wait()
	return values, errs
}
