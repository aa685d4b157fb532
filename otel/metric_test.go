package otelbiembed_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/biembed/biembed-go/biembed"
	"github.com/biembed/biembed-go/biembedtest"
	"github.com/biembed/biembed-go/internal/testkit/redistest"
	otelbiembed "github.com/biembed/biembed-go/otel"
	"github.com/biembed/biembed-go/redisstore"
	"github.com/biembed/biembed-go/tencent"
	"github.com/biembed/biembed-go/tencent/tencenttest"
	"github.com/biembed/biembed-go/tokencache"
	"github.com/biembed/biembed-go/youshu"
	"github.com/biembed/biembed-go/youshu/youshutest"
)

const events = "biembed.cache.events"

func vendor(v string) attribute.KeyValue { return attribute.String("biembed.vendor", v) }
func event(e string) attribute.KeyValue  { return attribute.String("biembed.cache.event", e) }
func errType(e string) attribute.KeyValue {
	return attribute.String("error.type", e)
}

// checkStats checks that biembed.cache.events counts, kind by kind, what
// the cache's Stats count.
func checkStats(t *testing.T, rm metricdata.ResourceMetrics, v string, s tokencache.Stats) {
	t.Helper()
	for name, want := range map[string]uint64{"hit": s.Hits, "miss": s.Misses, "mint": s.Mints, "refresh": s.Refreshes,
		"refresh_failed": s.RefreshFailed, "error": s.Errors, "bypass": s.Bypasses, "forget": s.Forgets,
		"revoke": s.Revokes, "stale": s.StaleSaves, "extend": s.Extends} {
		if got := sum(t, rm, events, vendor(v), event(name)); got != int64(want) {
			t.Errorf("%s %s: counted %d, Stats say %d", v, name, got, want)
		}
	}
}

// Mints, hits, misses, a vendor error and a revocation of a Youshu cache.
func TestYoushuCacheEvents(t *testing.T) {
	k := newKit(t)
	srv := youshutest.NewTestServer(t)
	client, err := youshu.NewClient(srv.URL(), youshu.WithInsecureHTTP(),
		youshu.WithCredential(youshu.TokenKey(youshutest.Admin().TokenKey)), youshu.WithTransport(k.base))
	if err != nil {
		t.Fatal(err)
	}
	cache, err := youshu.NewCache(client, tokencache.Options{OnEvent: otelbiembed.OnEvent(k.mp, "youshu")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cache.Close() })
	ctx := context.Background()
	req := &youshu.GenTokenRequest{AuthUniqueID: youshutest.User().UniqueID, Expiry: time.Hour}
	for range 3 {
		if _, err := cache.Get(ctx, req); err != nil {
			t.Fatal(err)
		}
	}
	srv.Inject(youshutest.Fault{Endpoint: "genToken", Code: http.StatusForbidden, Times: 1})
	if _, err := cache.Get(ctx, &youshu.GenTokenRequest{Expiry: 2 * time.Hour}); !errors.Is(err, youshu.ErrUnauthorized) {
		t.Fatalf("Get with a fault: %v", err)
	}
	if err := cache.RevokeUser(ctx, req); err != nil {
		t.Fatal(err)
	}

	rm := k.collect(t)
	s := cache.Stats()
	if s.Hits != 2 || s.Misses != 2 || s.Mints != 1 || s.Errors != 1 || s.Revokes == 0 {
		t.Fatalf("the cache did not do what the test needs: %+v", s)
	}
	checkStats(t, rm, "youshu", s)
	if got := sum(t, rm, events, vendor("youshu"), event("error"), errType("403")); got != 1 {
		t.Errorf("error events with error.type 403: %d, want 1; points: %v", got, attrs(t, rm, events))
	}
	for _, a := range attrs(t, rm, events) {
		if strings.Contains(a, "error.type") != strings.Contains(a, "cache.event=error") {
			t.Errorf("error.type only on failures: %s", a)
		}
	}
}

// A Tencent error code reaches error.type; a later mint and a revocation
// are counted too.
func TestTencentCacheEvents(t *testing.T) {
	k := newKit(t)
	srv := tencenttest.NewTestServer(t)
	client, err := tencent.NewClient(tencent.WithSecret(tencenttest.SecretID, tencenttest.SecretKey),
		tencent.WithEndpoint(srv.URL()), tencent.WithTransport(k.base))
	if err != nil {
		t.Fatal(err)
	}
	cache, err := tencent.NewCache(client, tokencache.Options{OnEvent: otelbiembed.OnEvent(k.mp, "tencent")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cache.Close() })
	ctx := context.Background()
	req := tencent.NewPageRequest(117, 11520)
	req.TokenType, req.UserCorpID, req.UserID = tencent.TokenTypeSingleUser, "1120", "alice"
	srv.Inject(tencenttest.Fault{Code: "UnauthorizedOperation.UserNotExist", Message: "no such user", Times: 1})
	if _, err := cache.Get(ctx, req); !errors.Is(err, tencent.ErrNotFound) {
		t.Fatalf("Get with a fault: %v", err)
	}
	for range 2 {
		if _, err := cache.Get(ctx, req); err != nil {
			t.Fatal(err)
		}
	}
	if err := cache.Revoke(ctx, req); err != nil {
		t.Fatal(err)
	}

	rm := k.collect(t)
	s := cache.Stats()
	if s.Hits != 1 || s.Misses != 2 || s.Mints != 1 || s.Errors != 1 || s.Revokes == 0 {
		t.Fatalf("the cache did not do what the test needs: %+v", s)
	}
	checkStats(t, rm, "tencent", s)
	if got := sum(t, rm, events, event("error"), errType("UnauthorizedOperation.UserNotExist")); got != 1 {
		t.Errorf("error.type of the vendor code: %d, want 1; points: %v", got, attrs(t, rm, events))
	}
	for _, a := range attrs(t, rm, events) {
		if strings.Contains(a, "no such user") {
			t.Errorf("a message reached an attribute: %s", a)
		}
	}
}

// error.type is a code or a kind, bounded whatever an error says.
func TestErrorType(t *testing.T) {
	k := newKit(t)
	hook := otelbiembed.OnEvent(k.mp, "v")

	// Real failures of a client whose server is gone.
	gone := youshutest.NewServer()
	gone.Close()
	ys, _ := youshu.NewClient(gone.URL(), youshu.WithInsecureHTTP(), youshu.WithRetries(0),
		youshu.WithCredential(youshutest.AdminCredential()), youshu.WithTransport(k.base))
	_, ysErr := ys.GenToken(context.Background(), &youshu.GenTokenRequest{Expiry: time.Hour})
	tc, _ := tencent.NewClient(tencent.WithSecret(tencenttest.SecretID, tencenttest.SecretKey),
		tencent.WithEndpoint(gone.URL()), tencent.WithRetries(0), tencent.WithTransport(k.base))
	_, tcErr := tc.CreateEmbedToken(context.Background(), tencent.NewPageRequest(1, 2))
	var te *tencent.Error
	if !errors.As(tcErr, &te) {
		t.Fatalf("tencent error: %v", tcErr)
	}

	secret := "SECRET-abcdefghijklmnopqrstuvwxyz0123456789"
	cases := []struct {
		err  error
		want string
	}{
		{&tencent.Error{Code: "InternalError", Message: secret}, "InternalError"},
		{fmt.Errorf("mint: %w", &tencent.Error{Code: "ClientError.Timeout"}), "ClientError.Timeout"},
		{&tencent.Error{Code: "Echoed " + secret}, "_OTHER"},
		{&tencent.Error{Code: strings.Repeat("A", 65)}, "_OTHER"},
		{tcErr, te.Code},
		{&youshu.Error{Code: 743, Message: secret}, "743"},
		{&youshu.Error{HTTPStatus: 502}, "502"},
		{errors.Join(errors.New(secret), &youshu.Error{Code: 404}), "404"},
		{ysErr, "network"},
		{context.DeadlineExceeded, "timeout"},
		{fmt.Errorf("wait: %w", context.Canceled), "canceled"},
		{&biembed.ValidationError{Field: "f", Rule: secret}, "invalid"},
		{fmt.Errorf("%w: %s", tokencache.ErrPanicked, secret), "panicked"},
		{tokencache.ErrClosed, "closed"},
		{errors.New(secret), "*errors.errorString"},
	}
	want := map[string]int64{}
	for _, c := range cases {
		hook(tokencache.Event{Kind: tokencache.EventRefreshFailed, Err: c.err})
		want[c.want]++
	}
	hook(tokencache.Event{Kind: 0})
	hook(tokencache.Event{Kind: 99})
	hook(tokencache.Event{Kind: -1, Err: errors.New("x")})

	rm := k.collect(t)
	for name, n := range want {
		if got := sum(t, rm, events, event("refresh_failed"), errType(name)); got != n {
			t.Errorf("error.type %q: %d, want %d", name, got, n)
		}
	}
	if got := sum(t, rm, events, event("unknown")); got != 3 {
		t.Errorf("unknown kinds: %d, want 3", got)
	}
	for _, a := range attrs(t, rm, events) {
		if strings.Contains(a, "SECRET") {
			t.Errorf("a message reached an attribute: %s", a)
		}
	}
}

// stubLimiter waits at least wait (a duration to measure, not a
// synchronisation) and returns err.
type stubLimiter struct {
	wait time.Duration
	err  error
}

func (s stubLimiter) Wait(context.Context, string) error { time.Sleep(s.wait); return s.err }

// histogram returns the points of the wait histogram.
func histogram(t *testing.T, rm metricdata.ResourceMetrics) []metricdata.HistogramDataPoint[float64] {
	t.Helper()
	m := find(t, rm, "biembed.ratelimit.wait.duration")
	if m.Unit != "s" {
		t.Errorf("unit %q", m.Unit)
	}
	h, ok := m.Data.(metricdata.Histogram[float64])
	if !ok {
		t.Fatalf("not a float64 histogram: %T", m.Data)
	}
	return h.DataPoints
}

// Limiter times each Wait by action, in seconds, with error.type when it
// failed; it passes the error on.
func TestLimiterHistogram(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	if otelbiembed.Limiter(nil, k.mp) != nil {
		t.Error("Limiter(nil) is not nil: a client would not refuse it")
	}
	ctx := context.Background()
	if err := otelbiembed.Limiter(stubLimiter{wait: 20 * time.Millisecond}, k.mp).Wait(ctx, "genToken"); err != nil {
		t.Fatal(err)
	}
	if err := otelbiembed.Limiter(stubLimiter{err: context.DeadlineExceeded}, k.mp).Wait(ctx, "genToken"); err != context.DeadlineExceeded {
		t.Fatalf("the error is not passed on: %v", err)
	}
	_ = otelbiembed.Limiter(stubLimiter{}, k.mp).Wait(ctx, "not an action: "+strings.Repeat("x", 30))

	got := map[string]metricdata.HistogramDataPoint[float64]{}
	for _, p := range histogram(t, k.collect(t)) {
		got[p.Attributes.Encoded(attribute.DefaultEncoder())] = p
		if !reflect.DeepEqual(p.Bounds, []float64{0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}) {
			t.Errorf("bounds %v", p.Bounds)
		}
	}
	if p := got["biembed.action=genToken"]; p.Count != 1 || p.Sum < 0.02 {
		t.Errorf("the wait of 20ms or more: count %d sum %vs", p.Count, p.Sum)
	}
	if p := got["biembed.action=genToken,error.type=timeout"]; p.Count != 1 {
		t.Errorf("the failed wait: %+v (points %v)", p, got)
	}
	if p := got["biembed.action=_OTHER"]; p.Count != 1 {
		t.Errorf("an action that is not an identifier: %+v (points %v)", p, got)
	}
	if len(got) != 3 {
		t.Errorf("points %v, want 3", got)
	}
}

// A background refresh that fails is counted as refresh_failed with the
// vendor's code, while the old token is still served (a hit).
func TestRefreshFailureCounted(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	srv := youshutest.NewTestServer(t)
	client, err := youshu.NewClient(srv.URL(), youshu.WithInsecureHTTP(),
		youshu.WithCredential(youshutest.AdminCredential()), youshu.WithTransport(k.base))
	if err != nil {
		t.Fatal(err)
	}
	clock := biembedtest.NewClock(time.Now())
	count := otelbiembed.OnEvent(k.mp, "youshu")
	failed := make(chan struct{}, 1)
	cache, err := youshu.NewCache(client, tokencache.Options{Now: clock.Now, OnEvent: func(e tokencache.Event) {
		count(e)
		if e.Kind == tokencache.EventRefreshFailed {
			failed <- struct{}{}
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cache.Close() })
	ctx := context.Background()
	req := &youshu.GenTokenRequest{AuthUniqueID: youshutest.User().UniqueID, Expiry: time.Hour}
	if _, err := cache.Get(ctx, req); err != nil {
		t.Fatal(err)
	}
	srv.Inject(youshutest.Fault{Endpoint: "genToken", Code: 743, Times: 1})
	clock.Advance(50 * time.Minute) // inside the refresh margin, before the skew
	if _, err := cache.Get(ctx, req); err != nil {
		t.Fatal(err)
	}
	<-failed

	rm := k.collect(t)
	s := cache.Stats()
	if s.RefreshFailed != 1 || s.Hits != 1 || s.Mints != 1 {
		t.Fatalf("the cache did not do what the test needs: %+v", s)
	}
	checkStats(t, rm, "youshu", s)
	if got := sum(t, rm, events, vendor("youshu"), event("refresh_failed"), errType("743")); got != 1 {
		t.Errorf("refresh_failed with error.type 743: %d; points %v", got, attrs(t, rm, events))
	}
}

// ObserveFleet reports Stats at each collection, until unregistered.
func TestObserveFleet(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	if _, err := otelbiembed.ObserveFleet(k.mp, "tencent", nil); !errors.Is(err, biembed.ErrInvalid) {
		t.Errorf("a nil fleet: %v", err)
	}
	srv := redistest.Start(t)
	clock := biembedtest.NewClock(time.Now())
	fleet, err := redisstore.NewFleet(srv.Client(), redisstore.Options{Prefix: "otel:", Plaintext: true, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	reg, err := otelbiembed.ObserveFleet(k.mp, "tencent", fleet)
	if err != nil {
		t.Fatal(err)
	}
	counts := func() [3]int64 {
		rm := k.collect(t)
		const name = "biembed.fleet.events"
		if m := find(t, rm, name); m.Unit != "{event}" {
			t.Errorf("unit %q", m.Unit)
		}
		fleetEvent := func(e string) attribute.KeyValue { return attribute.String("biembed.fleet.event", e) }
		return [3]int64{sum(t, rm, name, vendor("tencent"), fleetEvent("fallback")),
			sum(t, rm, name, vendor("tencent"), fleetEvent("redis_error")), sum(t, rm, name, vendor("tencent"), fleetEvent("unreadable"))}
	}
	if got := counts(); got != [3]int64{} {
		t.Fatalf("a new fleet: %v", got)
	}

	// Three entries that do not open: saved, then garbled behind the store's back.
	ctx := context.Background()
	for _, key := range []string{"a", "b", "c"} {
		epoch, err := fleet.Store.Epoch(ctx, key, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := fleet.Store.Save(ctx, key, tokencache.Entry{Token: biembed.NewSecret("tok-" + key),
			IssuedAt: clock.Now(), ExpiresAt: clock.Now().Add(time.Hour), ID: "id-" + key, Epoch: epoch}); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range srv.Raw("KEYS", "otel:*").([]any) {
		if srv.Raw("HEXISTS", name, "b") == int64(1) {
			srv.Raw("HSET", name, "b", "garbage")
		}
	}
	for _, key := range []string{"a", "b", "c"} {
		if _, ok, err := fleet.Store.Load(ctx, key); ok || err != nil {
			t.Fatalf("Load of a garbled entry: ok %v, err %v", ok, err)
		}
	}

	// Redis gone: the store fails and turns to its fallback (one episode);
	// within Cooldown it does not ask Redis; after it, it asks again (a
	// second error, the same episode). The fleet's clock drives Cooldown.
	srv.Kill()
	for _, wait := range []time.Duration{0, time.Millisecond, time.Minute} {
		clock.Advance(wait)
		_, _, _ = fleet.Store.Load(ctx, "a")
	}
	s := fleet.Stats()
	if s != (redisstore.Stats{RedisErrors: 2, Unreadable: 3, Fallbacks: 1}) {
		t.Fatalf("the fleet did not meet what the test needs (three different counts): %+v", s)
	}
	if got := counts(); got != [3]int64{1, 2, 3} {
		t.Errorf("observed %v, Stats say %+v", got, s)
	}

	if err := reg.Unregister(); err != nil {
		t.Fatal(err)
	}
	for _, n := range names(k.collect(t)) {
		if strings.HasPrefix(n, "biembed.fleet.") {
			t.Errorf("%s is still reported after Unregister", n)
		}
	}
}
