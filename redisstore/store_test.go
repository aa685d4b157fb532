package redisstore_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/biembed/biembed-go/biembedtest"
	"github.com/biembed/biembed-go/internal/testkit/redistest"
	"github.com/biembed/biembed-go/internal/testkit/storetest"
	"github.com/biembed/biembed-go/redisstore"
	"github.com/biembed/biembed-go/tokencache"
)

// Both modes keep the Store contract every Store keeps.
func TestStoreKeepsTheStoreContract(t *testing.T) {
	srv := redistest.Start(t)
	rdb := srv.Client()
	for _, mode := range []string{"sealed", "plaintext"} {
		t.Run(mode, func(t *testing.T) {
			n := 0
			storetest.Run(t, func(t *testing.T) tokencache.Store {
				n++
				opts := redisstore.Options{Prefix: mode + ":" + string(rune('a'+n)) + ":", Plaintext: mode == "plaintext"}
				return newFleet(t, rdb, opts).Store
			})
		})
	}
}

// The Redis TTL of an entry is the token's remaining lifetime.
func TestStoreTTLIsTheRemainingLifetime(t *testing.T) {
	srv := redistest.Start(t)
	rdb := srv.Client()
	clock := biembedtest.NewClock(time.Now())
	s := newFleet(t, rdb, redisstore.Options{Now: clock.Now}).Store
	ctx := context.Background()
	e := entry(t, s, clock.Now, "k", "v")
	e.ExpiresAt = clock.Now().Add(10 * time.Minute)
	if err := s.Save(ctx, "k", e); err != nil {
		t.Fatal(err)
	}
	keys := rdb.Keys(ctx, "test:e:*").Val()
	if len(keys) != 1 {
		t.Fatalf("entry keys = %v, want one", keys)
	}
	if ttl := rdb.PTTL(ctx, keys[0]).Val(); ttl <= 9*time.Minute || ttl > 10*time.Minute {
		t.Fatalf("PTTL = %v, want just under 10m", ttl)
	}
}

// What Redis sees of a sealed entry: no token, no key, no tag, no ID, in
// any key name or value.
func TestStoreShowsRedisNoTokenKeyOrTag(t *testing.T) {
	srv := redistest.Start(t)
	rdb := srv.Client()
	ctx := context.Background()
	s := newFleet(t, rdb, redisstore.Options{}).Store
	const token, key, tag = "LIVE-TOKEN-VALUE-4f1c", "REQUEST-KEY-9b2e", "USER-TAG-77d0"
	e := entry(t, s, nil, key, token, tag)
	if err := s.Save(ctx, key, e); err != nil {
		t.Fatal(err)
	}
	release, led, err := s.Lead(ctx, key, time.Minute)
	if err != nil || !led {
		t.Fatalf("Lead = %v, %v", led, err)
	}
	defer release()
	if _, err := s.Invalidate(ctx, nil, []string{"OTHER-TAG"}); err != nil {
		t.Fatal(err)
	}
	for _, k := range rdb.Keys(ctx, "*").Val() {
		for _, secret := range []string{token, key, tag, "id:" + token} {
			if strings.Contains(k, secret) {
				t.Fatalf("a Redis key name shows %q: %s", secret, k)
			}
		}
		dump := rdb.Dump(ctx, k).Val()
		for _, secret := range []string{token, key, tag} {
			if strings.Contains(dump, secret) {
				t.Fatalf("the value of a Redis key shows a secret in the clear")
			}
		}
	}
	if got, ok, err := s.Load(ctx, key); err != nil || !ok || got.Token.Reveal() != token || got.Key != key {
		t.Fatalf("Load = %v, %v; want the token back", ok, err)
	}
}
