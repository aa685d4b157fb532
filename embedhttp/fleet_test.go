package embedhttp_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/biembed/biembed-go/biembed"
	"github.com/biembed/biembed-go/biembedtest"
	"github.com/biembed/biembed-go/embedhttp"
	"github.com/biembed/biembed-go/internal/testkit/redistest"
	"github.com/biembed/biembed-go/redisstore"
	"github.com/biembed/biembed-go/tencent"
	"github.com/biembed/biembed-go/tencent/tencenttest"
	"github.com/biembed/biembed-go/tokencache"
	"github.com/biembed/biembed-go/youshu"
	"github.com/biembed/biembed-go/youshu/youshutest"
)

// The fleet of these tests: replicas behind one Redis, sharing the vendor's
// budget of fleetRate requests a second per action with a burst of
// fleetBurst, and the open pages that call them.
const (
	fleetReplicas = 4
	fleetRate     = 20
	fleetBurst    = 4
	fleetUsers    = 40
	fleetTabs     = 2
	fleetRun      = 3*lifetime + lifetime/2 // several token lifetimes
	fleetPrefix   = "embedfleet:"
)

// TestFleetPagesStayAliveWithinTheVendorsRate runs 40 users × 2 tabs of
// open pages against 4 replicas (4 caches, 4 handlers, each its own
// redisstore.Fleet on one real redis-server, same Prefix and SealKey) for
// several token lifetimes of a manual clock, every request going to a
// replica picked at random. Each page acts as embed.js does: …/token
// first, …/extend at refreshAfter (server time), and after a failure a
// retry with full-jitter backoff and Retry-After. It proves that
//
//   - in every one-second window of the manual clock the fake saw at most
//     Rate+Burst calls of each action (mints, extensions, Youshu's helper
//     tokens),
//   - every page got a token and kept a live one (the fake accepts it at
//     every instant) in the same iframe: no swap after the first token,
//   - no failure but rate-limited retries (429) reached a page.
//
// Time: the Fleets' limiters run on the manual clock (Options.Now replaces
// Redis's TIME in the GCRA script), so each grant is counted at the fake at
// the virtual time the shared budget admitted it: the driver moves the
// clock only between instants, after every request of an instant has
// answered (a WaitGroup, no sleeps), and the fake's counts per instant are
// exact. What the limiter cannot do here is wait: it sleeps on timers
// (its sleep is settable only inside package redisstore), and a timer
// would wait forever for a manual clock that moves only between instants.
// So each replica's client waits on its Fleet's limiter through refuser: a
// go-redis hook on the replica's Redis client sees the GCRA script answer
// "wait" and ends that Wait at once, and refuser returns the vendor's own
// rate-limit error instead; the handler answers 429 with Retry-After and
// the page retries later, as it would if a real wait outlasted its
// request. Grants are untouched: they are the shared GCRA's, on the
// manual clock. The caches' background refresh (a goroutine that would
// mint after the request returned, at a time the driver does not hold) is
// kept out by a refresh margin below Skew; the test checks that none ran.
func TestFleetPagesStayAliveWithinTheVendorsRate(t *testing.T) {
	t.Parallel()
	for _, vendor := range vendors {
		t.Run(vendor, func(t *testing.T) {
			t.Parallel()
			f := newFleetRig(t, vendor)
			f.run(t)
		})
	}
}

// fleetRig is one vendor's fleet on one fake, one Redis and one clock.
type fleetRig struct {
	clock    *biembedtest.Clock
	actions  []string                // the vendor actions the budget covers
	count    func(action string) int // calls of action the fake received
	alive    func(value string) bool // the fake accepts the token now
	replicas []fleetReplica
}

// fleetReplica is one backend replica.
type fleetReplica struct {
	handler http.Handler
	fleet   *redisstore.Fleet
	limiter *refuser
	stats   func() tokencache.Stats
}

func newFleetRig(t *testing.T, vendor string) *fleetRig {
	t.Helper()
	f := &fleetRig{clock: biembedtest.NewClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))}
	srv := redistest.Start(t)
	key := biembed.NewSecret(strings.Repeat("\x2a", 32))
	newFleet := func() *redisstore.Fleet {
		rdb := srv.Client()
		rdb.AddHook(waitHook{})
		fl, err := redisstore.NewFleet(rdb, redisstore.Options{Prefix: fleetPrefix, SealKey: key,
			Rate: fleetRate, Burst: fleetBurst, Replicas: fleetReplicas,
			Timeout: 10 * time.Second, // no Redis call times out on a loaded machine: no fallback
			Now:     f.clock.Now})
		if err != nil {
			t.Fatalf("NewFleet: %v", err)
		}
		return fl
	}
	// A refresh margin of 1.8s, under the 30s Skew: no background refresh.
	cacheOpts := func(fl *redisstore.Fleet) tokencache.Options {
		return tokencache.Options{Store: fl.Store, Now: f.clock.Now, RefreshFraction: 0.001, MinRefreshMargin: time.Nanosecond}
	}
	handlerOpts := embedhttp.Options{Now: f.clock.Now}
	switch vendor {
	case "tencent":
		fake := tencenttest.NewTestServer(t, tencenttest.WithClock(f.clock.Now))
		f.actions = []string{"CreateEmbedToken", "ApplyEmbedInterval"}
		f.count = fake.Count
		f.alive = func(value string) bool {
			tok, ok := fake.Lookup(value)
			return ok && f.clock.Now().Before(tok.ExpiresAt)
		}
		for range fleetReplicas {
			fl := newFleet()
			lim := &refuser{inner: fl.Limiter, refusal: func(action string) error {
				return &tencent.Error{Action: action, Code: "RequestLimitExceeded", Message: "the fleet's budget says wait"}
			}}
			client, err := tencent.NewClient(tencent.WithSecret(tencenttest.SecretID, tencenttest.SecretKey),
				tencent.WithEndpoint(fake.URL()), tencent.WithEmbedHost(fake.URL()), tencent.WithClock(f.clock.Now),
				tencent.WithRetries(0), tencent.WithRateLimiter(lim))
			if err != nil {
				t.Fatalf("NewClient: %v", err)
			}
			cache, err := tencent.NewCache(client, cacheOpts(fl))
			if err != nil {
				t.Fatalf("NewCache: %v", err)
			}
			t.Cleanup(func() { _ = cache.Close() })
			h := embedhttp.Tencent(cache, func(r *http.Request) (*tencent.CreateEmbedTokenRequest, error) {
				name, err := user(r)
				if err != nil {
					return nil, err
				}
				req := tencent.NewPageRequest(7, 8)
				req.Expiry = lifetime
				req.TokenType, req.UserCorpID, req.UserID = tencent.TokenTypeSingleUser, "corp", name
				return req, nil
			}, handlerOpts)
			f.replicas = append(f.replicas, fleetReplica{handler: h, fleet: fl, limiter: lim, stats: cache.Stats})
		}
	case "youshu":
		opts := []youshutest.Option{youshutest.WithClock(f.clock.Now)}
		for u := range fleetUsers {
			opts = append(opts, youshutest.WithAccount(youshutest.Account{UniqueID: fleetUser(u), UserID: int64(1000 + u)}))
		}
		fake := youshutest.NewTestServer(t, opts...)
		f.actions = []string{"genToken", "renewToken"}
		f.count = fake.Count
		f.alive = func(value string) bool {
			tok, ok := fake.Lookup(value)
			return ok && !tok.Removed && f.clock.Now().Before(tok.ExpiresAt)
		}
		for range fleetReplicas {
			fl := newFleet()
			lim := &refuser{inner: fl.Limiter, refusal: func(action string) error {
				return &youshu.Error{Endpoint: action, HTTPStatus: http.StatusTooManyRequests, Message: "the fleet's budget says wait"}
			}}
			client, err := youshu.NewClient(fake.URL(), youshu.WithInsecureHTTP(), youshu.WithClock(f.clock.Now),
				youshu.WithCredential(youshutest.AdminCredential()), youshu.WithRetries(0), youshu.WithRateLimiter(lim))
			if err != nil {
				t.Fatalf("NewClient: %v", err)
			}
			cache, err := youshu.NewCache(client, cacheOpts(fl))
			if err != nil {
				t.Fatalf("NewCache: %v", err)
			}
			t.Cleanup(func() { _ = cache.Close() })
			h := embedhttp.Youshu(cache, func(r *http.Request) (*youshu.GenTokenRequest, error) {
				name, err := user(r)
				if err != nil {
					return nil, err
				}
				return &youshu.GenTokenRequest{AuthUniqueID: name, Expiry: lifetime}, nil
			}, handlerOpts, youshu.Report(1))
			f.replicas = append(f.replicas, fleetReplica{handler: h, fleet: fl, limiter: lim, stats: cache.Stats})
		}
	default:
		t.Fatalf("unknown vendor %q", vendor)
	}
	return f
}

func fleetUser(u int) string { return fmt.Sprintf("user%02d", u) }

// refuseKey carries, in the context of one refuser.Wait, the function that
// turns it into a refusal.
type refuseKey struct{}

// refuser is a replica's rate limiter: its Fleet's, except that where the
// Fleet's would wait, it refuses at once with refusal (the vendor's
// rate-limit error). It counts the refusals.
type refuser struct {
	inner    biembed.RateLimiter
	refusal  func(action string) error
	refusals atomic.Int64
}

func (r *refuser) Wait(ctx context.Context, action string) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var told atomic.Bool
	err := r.inner.Wait(context.WithValue(ctx, refuseKey{}, func() { told.Store(true); cancel() }), action)
	if told.Load() {
		r.refusals.Add(1)
		return r.refusal(action)
	}
	return err
}

// waitHook watches a replica's Redis client: when, inside a refuser.Wait,
// the GCRA script of a rate key answers "wait" (a positive number of
// microseconds), it ends that Wait before the limiter sleeps on a timer.
type waitHook struct{}

func (waitHook) DialHook(next redis.DialHook) redis.DialHook { return next }

func (waitHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

func (waitHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		refuse, ok := ctx.Value(refuseKey{}).(func())
		args := cmd.Args()
		if !ok || err != nil || len(args) < 4 || !strings.HasPrefix(fmt.Sprint(args[3]), fleetPrefix+"r:") {
			return err
		}
		if c, ok := cmd.(*redis.Cmd); ok {
			if us, cerr := c.Int64(); cerr == nil && us > 0 {
				refuse()
			}
		}
		return err
	}
}

// fleetPage is one open page (a tab) of a user, as embed.js runs it.
type fleetPage struct {
	user  string
	value string    // the token the iframe shows ("" before the first)
	id    string    // its id, for …/extend
	next  time.Time // when the script calls next
	fails int       // failures since the last answer
	swaps int       // iframe src changes after the first token
}

// fleetReply is a handler's answer, as the script reads it.
type fleetReply struct {
	status int
	answer
}

// run drives the pages through fleetRun of the clock and checks the
// budget, the tokens and the answers.
func (f *fleetRig) run(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 4))
	start := f.clock.Now()
	var pages []*fleetPage
	for u := range fleetUsers {
		for range fleetTabs {
			pages = append(pages, &fleetPage{user: fleetUser(u), next: start})
		}
	}
	type sample struct {
		at time.Time
		n  int
	}
	samples := map[string][]sample{}
	last := map[string]int{}
	statuses := map[int]int{}
	for {
		now := pages[0].next
		for _, p := range pages {
			if p.next.Before(now) {
				now = p.next
			}
		}
		if now.After(start.Add(fleetRun)) {
			break
		}
		f.clock.Set(now)
		for _, p := range pages {
			if p.value != "" && !f.alive(p.value) {
				t.Fatalf("at +%s %s's page shows a token the vendor no longer accepts", now.Sub(start), p.user)
			}
			if p.value == "" && now.Sub(start) > time.Minute {
				t.Fatalf("at +%s %s's page still has no token", now.Sub(start), p.user)
			}
		}
		var due []*fleetPage
		for _, p := range pages {
			if p.next.Equal(now) {
				due = append(due, p)
			}
		}
		replies := make([]fleetReply, len(due))
		var wg sync.WaitGroup
		for i, p := range due {
			h := f.replicas[rng.IntN(len(f.replicas))].handler
			wg.Add(1)
			go func() {
				defer wg.Done()
				replies[i] = fleetPost(h, p)
			}()
		}
		wg.Wait()
		for i, p := range due {
			r := replies[i]
			statuses[r.status]++
			switch {
			case r.status == http.StatusOK:
				if p.value != "" && r.ID != p.id {
					p.swaps++
				}
				p.value, p.id, p.fails = tokenOf(t, r.URL), r.ID, 0
				p.next = now.Add(max(time.Second, stampOf(t, r.RefreshAfter).Sub(stampOf(t, r.Now))))
			case r.status == http.StatusTooManyRequests:
				// embed.js: full jitter, capped at a minute, and at least Retry-After.
				ceiling := time.Second << min(p.fails, 6)
				p.fails++
				p.next = now.Add(max(time.Duration(rng.Int64N(int64(min(time.Minute, ceiling)))), time.Second)).Truncate(time.Millisecond)
			default:
				t.Fatalf("at +%s %s's page got %d %q: only rate-limited retries may reach a page", now.Sub(start), p.user, r.status, r.Error)
			}
		}
		for _, action := range f.actions {
			n := f.count(action)
			if n > last[action] {
				samples[action] = append(samples[action], sample{now, n - last[action]})
			}
			last[action] = n
		}
	}

	var refusals int64
	for i, r := range f.replicas {
		if s := r.stats(); s.Refreshes != 0 {
			t.Errorf("replica %d ran %d background refreshes: the driver does not hold their time", i, s.Refreshes)
		}
		if s := r.fleet.Stats(); s != (redisstore.Stats{}) {
			t.Errorf("replica %d's Fleet met %+v: it fell back from Redis, so the bound tested is not the shared one", i, s)
		}
		refusals += r.limiter.refusals.Load()
	}
	for _, action := range f.actions {
		most, at := 0, time.Time{}
		s := samples[action]
		for i, j, sum := 0, 0, 0; i < len(s); i++ {
			for ; j < len(s) && s[j].at.Before(s[i].at.Add(time.Second)); j++ {
				sum += s[j].n
			}
			if sum > most {
				most, at = sum, s[i].at
			}
			sum -= s[i].n
		}
		t.Logf("%s: %d calls, at most %d in a second (from +%s)", action, last[action], most, at.Sub(start))
		if most > fleetRate+fleetBurst {
			t.Errorf("%s: %d calls in the second from +%s; the fleet's budget is %d+%d", action, most, at.Sub(start), fleetRate, fleetBurst)
		}
	}
	t.Logf("answers by status %v; refusals by the limiters %d", statuses, refusals)
	if statuses[http.StatusTooManyRequests] == 0 || refusals == 0 {
		t.Errorf("no request was refused: the pages never pressed on the budget, so the bound was not tested")
	}
	if want := fleetUsers * (int(fleetRun/(lifetime/2)) - 1); last[f.actions[1]] < want {
		t.Errorf("the vendor extended %d times; %d users over %s need at least %d", last[f.actions[1]], fleetUsers, fleetRun, want)
	}
	for _, p := range pages {
		switch {
		case p.value == "" || !f.alive(p.value):
			t.Errorf("%s's page ends without a live token", p.user)
		case p.swaps != 0:
			t.Errorf("%s's page swapped its iframe %d times: extension must keep the token", p.user, p.swaps)
		}
	}
}

// fleetPost makes p's next call, as embed.js does from the app's page.
func fleetPost(h http.Handler, p *fleetPage) fleetReply {
	path, body := "/embed/token", ""
	if p.value != "" {
		path, body = "/embed/extend", `{"id":"`+p.id+`"}`
	}
	req := httptest.NewRequest(http.MethodPost, "http://app.example"+path, strings.NewReader(body))
	sameOrigin(req)
	req.Header.Set("X-User", p.user)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	r := fleetReply{status: w.Code}
	if err := json.Unmarshal(w.Body.Bytes(), &r.answer); err != nil {
		r.status, r.Error = 0, "unreadable answer"
	}
	if r.status == http.StatusTooManyRequests && w.Header().Get("Retry-After") != "1" {
		r.status, r.Error = 0, "429 without Retry-After"
	}
	return r
}

// stampOf parses one of the handler's RFC 3339 times.
func stampOf(t *testing.T, s string) time.Time {
	t.Helper()
	at, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatalf("bad time %q: %v", s, err)
	}
	return at
}
