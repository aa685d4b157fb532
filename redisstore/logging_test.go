package redisstore_test

import (
	"context"
	"encoding/hex"
	"log/slog"
	"testing"
	"time"

	"github.com/biembed/biembed-go/biembedtest"
	"github.com/biembed/biembed-go/internal/testkit/redistest"
	"github.com/biembed/biembed-go/internal/testkit/secrettest"
	"github.com/biembed/biembed-go/redisstore"
	"github.com/biembed/biembed-go/tencent"
	"github.com/biembed/biembed-go/tencent/tencenttest"
	"github.com/biembed/biembed-go/tokencache"
)

// A Redis outage logs one WARN line per side (store, limiter) when the
// fallback starts, however many calls fail, and one when Redis answers
// again; nothing else is logged, and no line holds a token or the SealKey.
func TestLoggingOneWarnLineWhenFallbackStartsAndOneWhenItEnds(t *testing.T) {
	srv := redistest.Start(t)
	proxy := newTCPProxy(t, srv)
	rec := secrettest.New(t, testKey().Reveal(), hex.EncodeToString([]byte(testKey().Reveal())), "SENTINEL-TOKEN-LOG")
	logs := &records{}
	clock := biembedtest.NewClock(time.Now())
	fl := newFleet(t, proxy.Client(), redisstore.Options{Cooldown: time.Second, Now: clock.Now,
		Logger: slog.New(tee{logs, rec.Logger().Handler()})})
	var slept time.Duration
	redisstore.SetSleep(fl, fastForward(clock, &slept))
	ctx := context.Background()
	if err := fl.Store.Save(ctx, "k", entry(t, fl.Store, clock.Now, "k", "SENTINEL-TOKEN-LOG")); err != nil {
		t.Fatal(err)
	}

	proxy.Cut()
	for range 3 {
		_, _, err := fl.Store.Load(ctx, "k")
		_ = rec.Err(err)
		_ = rec.Err(fl.Limiter.Wait(ctx, "CreateEmbedToken"))
	}
	clock.Advance(2 * time.Second) // past Cooldown: both sides ask Redis again, and fail again
	_, _, err := fl.Store.Load(ctx, "k")
	_ = rec.Err(err)
	_ = rec.Err(fl.Limiter.Wait(ctx, "CreateEmbedToken"))
	if store, lim := logs.starts(slog.LevelWarn, "tokens are cached on this replica only"), logs.starts(slog.LevelWarn, "rate limiter"); store != 1 || lim != 1 {
		t.Fatalf("WARN lines at the start of the fallback: store %d, limiter %d; want one each; logs: %s", store, lim, logs)
	}

	proxy.Restore()
	clock.Advance(2 * time.Second)
	if got, ok, err := fl.Store.Load(ctx, "k"); err != nil || !ok || got.Token.Reveal() != "SENTINEL-TOKEN-LOG" {
		t.Fatalf("Load after Redis came back = %v, %v", ok, err)
	}
	if err := fl.Limiter.Wait(ctx, "CreateEmbedToken"); err != nil {
		t.Fatal(err)
	}
	if n := logs.count(slog.LevelWarn, ": ended"); n != 2 {
		t.Fatalf("%d WARN lines ending a fallback, want 2 (store and limiter); logs: %s", n, logs)
	}
	if n := len(logs.recs); n != 4 {
		t.Fatalf("%d log lines, want 4; logs: %s", n, logs)
	}
	if s := fl.Stats(); s.Fallbacks != 2 || s.RedisErrors < 4 {
		t.Fatalf("Stats = %+v, want 2 fallbacks (one per side) and every failed call counted", s)
	}
}

// Entries that do not open log one WARN line per episode (with the reason,
// never the content) and count; the first entry that opens ends it.
func TestLoggingUnreadableEntries(t *testing.T) {
	srv := redistest.Start(t)
	rec := secrettest.New(t, planted, "SENTINEL-TOKEN-1", "SENTINEL-TOKEN-2")
	logs := &records{}
	fl := newFleet(t, srv.Client(), redisstore.Options{Logger: slog.New(tee{logs, rec.Logger().Handler()})})
	ctx := context.Background()
	for _, k := range []string{"a", "b"} {
		if err := fl.Store.Save(ctx, k, entry(t, fl.Store, nil, k, "SENTINEL-TOKEN-"+map[string]string{"a": "1", "b": "2"}[k])); err != nil {
			t.Fatal(err)
		}
	}
	ea, _, _, _, _ := redisstore.Names(fl, "a", "")
	srv.Raw("HSET", ea, "b", "s"+planted+planted)
	for range 3 {
		if _, ok, err := fl.Store.Load(ctx, "a"); ok || rec.Err(err) != nil {
			t.Fatalf("Load of a tampered entry = %v, %v", ok, err)
		}
	}
	if _, ok, err := fl.Store.Load(ctx, "b"); !ok || err != nil {
		t.Fatalf("Load of a good entry = %v, %v", ok, err)
	}
	if n := logs.starts(slog.LevelWarn, "do not open"); n != 1 {
		t.Fatalf("%d WARN lines about unreadable entries, want 1; logs: %s", n, logs)
	}
	if n := logs.count(slog.LevelWarn, ": ended"); n != 1 {
		t.Fatalf("the good entry did not end the episode; logs: %s", logs)
	}
	if n := fl.Stats().Unreadable; n != 3 {
		t.Fatalf("Unreadable = %d, want 3", n)
	}
}

// A whole fleet's life, through the caches, with every log line of the
// fleet and the caches at debug level and every error recorded: minted
// tokens, the SealKey and planted sentinels appear in none.
func TestNoSecretInLogsOrErrors(t *testing.T) {
	rec := secrettest.New(t, planted, testKey().Reveal(), hex.EncodeToString([]byte(testKey().Reveal())), tencenttest.SecretKey)
	logger := rec.Logger()
	f := newReplicas(t, 2, fleetConfig{
		opts:  redisstore.Options{Logger: logger, Cooldown: time.Nanosecond},
		cache: tokencache.Options{Logger: logger},
		client: func(int) []tencent.Option {
			return []tencent.Option{tencent.WithLogger(logger)}
		},
	})
	ctx := context.Background()
	get := func(r, user int) {
		tok, err := f.replicas[r].cache.Get(ctx, userRequest(user))
		if rec.Err(err) == nil {
			rec.AddSecret(tok.Value.Reveal())
		}
	}
	for u := range 5 {
		get(u%2, u)
	}
	admin := f.redis.Client()
	for _, k := range admin.Keys(ctx, "fleet:e:*").Val() {
		f.redis.Raw("HSET", k, "b", "s"+planted, "m", planted)
	}
	for _, k := range admin.Keys(ctx, "fleet:ct:*").Val() {
		f.redis.Raw("SET", k, planted)
	}
	f.redis.Raw("SET", "fleet:r:CreateEmbedToken", planted)
	for u := range 5 {
		get((u+1)%2, u)
	}
	f.redis.Kill()
	for u := range 5 {
		get(u%2, u+10)
		_ = rec.Err(f.replicas[0].cache.Forget(ctx, userRequest(u)))
	}
	f.redis.Restart()
	f.waitReconnected(t)
	for u := range 5 {
		get(u%2, u+20)
	}
	if rec.Logs() == "" {
		t.Fatal("nothing was logged: the test proves nothing")
	}
}
