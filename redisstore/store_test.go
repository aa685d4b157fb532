package redisstore_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/biembed/biembed-go/internal/testkit/redistest"
	"github.com/biembed/biembed-go/internal/tokencache"
	"github.com/biembed/biembed-go/internal/testkit/storetest"
	"github.com/biembed/biembed-go/redisstore"
)

// stringCodec stores string tokens as they are.
type stringCodec struct{}

func (stringCodec) Encode(s string) ([]byte, error) { return []byte(s), nil }
func (stringCodec) Decode(b []byte) (string, error) { return string(b), nil }
func testKey() []byte                               { return bytes.Repeat([]byte{7}, 32) }
func storeOpts(prefix string) redisstore.Options {
	return redisstore.Options{Prefix: prefix, Clock: storetestClock{}}
}

// storetestClock reads the time the conformance suite's entries start at,
// so their Redis TTL is their full hour.
type storetestClock struct{}

func (storetestClock) Now() time.Time { return time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC) }

func newStringStore(t *testing.T, rdb redis.UniversalClient, opts redisstore.Options) *redisstore.Store[string] {
	t.Helper()
	s, err := redisstore.NewStore[string](rdb, stringCodec{}, opts)
	if err != nil {
		t.Fatalf("NewStore: %v", err)
	}
	return s
}

func TestStoreKeepsTheStoreContract(t *testing.T) {
	srv := redistest.Start(t)
	rdb := srv.Client()
	for _, sealed := range []bool{false, true} {
		name := "plain"
		if sealed {
			name = "sealed"
		}
		t.Run(name, func(t *testing.T) {
			n := 0
			storetest.Run(t, func(t *testing.T) tokencache.Store[string] {
				n++
				opts := storeOpts(name + ":" + string(rune('a'+n)) + ":")
				if sealed {
					opts.SealKey = testKey()
				}
				return newStringStore(t, rdb, opts)
			})
		})
	}
}

// The Redis TTL of an entry is the token's remaining lifetime.
func TestStoreTTLIsTheRemainingLifetime(t *testing.T) {
	srv := redistest.Start(t)
	rdb := srv.Client()
	clock := newManualClock()
	s := newStringStore(t, rdb, redisstore.Options{Prefix: "p:", Clock: clock})
	ctx := context.Background()
	e := tokencache.Entry[string]{Value: "v", IssuedAt: clock.Now(), ExpiresAt: clock.Now().Add(10 * time.Minute)}
	if err := s.Save(ctx, "k", e); err != nil {
		t.Fatal(err)
	}
	ttl := rdb.PTTL(ctx, "p:e:k").Val()
	if ttl <= 9*time.Minute || ttl > 10*time.Minute {
		t.Fatalf("PTTL = %v, want just under 10m", ttl)
	}
}

// A sealed entry shows no token in Redis, and opens only under its key.
func TestStoreSealsEntries(t *testing.T) {
	srv := redistest.Start(t)
	rdb := srv.Client()
	clock := newManualClock()
	ctx := context.Background()
	s := newStringStore(t, rdb, redisstore.Options{Prefix: "p:", SealKey: testKey(), Clock: clock})
	e := tokencache.Entry[string]{Value: "LIVE-TOKEN-VALUE", ID: "LIVE-TOKEN-VALUE", Tags: []string{"user-1"},
		IssuedAt: clock.Now(), ExpiresAt: clock.Now().Add(time.Hour)}
	if err := s.Save(ctx, "k", e); err != nil {
		t.Fatal(err)
	}
	for _, key := range rdb.Keys(ctx, "*").Val() {
		if strings.Contains(key, "LIVE-TOKEN") {
			t.Fatalf("a Redis key name shows the token: %s", key)
		}
		if rdb.Type(ctx, key).Val() == "hash" {
			for f, v := range rdb.HGetAll(ctx, key).Val() {
				if strings.Contains(v, "LIVE-TOKEN") {
					t.Fatalf("field %s of %s holds the token in the clear", f, key)
				}
			}
		}
	}
	other := newStringStore(t, rdb, redisstore.Options{Prefix: "p:", SealKey: bytes.Repeat([]byte{8}, 32), Clock: clock})
	if _, ok, err := other.Load(ctx, "k"); ok || !errors.Is(err, redisstore.ErrUnreadableEntry) || !strings.Contains(err.Error(), "SealKey") {
		t.Fatalf("Load under another SealKey = ok %v, err %v; want a miss naming SealKey", ok, err)
	}
	unsealed := newStringStore(t, rdb, redisstore.Options{Prefix: "p:", Clock: clock})
	if _, ok, err := unsealed.Load(ctx, "k"); ok || !errors.Is(err, redisstore.ErrUnreadableEntry) {
		t.Fatalf("Load without a SealKey = ok %v, err %v; want a miss", ok, err)
	}
}

// Entries tampered with in Redis are misses, never served and never a
// crash; the next Save replaces them.
func TestStoreTamperedEntryIsAMiss(t *testing.T) {
	srv := redistest.Start(t)
	rdb := srv.Client()
	clock := newManualClock()
	ctx := context.Background()
	sealed := newStringStore(t, rdb, redisstore.Options{Prefix: "s:", SealKey: testKey(), Clock: clock})
	plain := newStringStore(t, rdb, redisstore.Options{Prefix: "s:", Clock: clock})
	e := tokencache.Entry[string]{Value: "v1", IssuedAt: clock.Now(), ExpiresAt: clock.Now().Add(time.Hour)}
	if err := sealed.Save(ctx, "k", e); err != nil {
		t.Fatal(err)
	}
	good := rdb.HGet(ctx, "s:e:k", "b").Val()
	flipped := []byte(good)
	flipped[len(flipped)-1] ^= 1
	for name, blob := range map[string]string{
		"flipped bit":   string(flipped),
		"cut short":     good[:5],
		"empty":         "",
		"unknown form":  "x{}",
		"plain swapped": `p{"token":"ZXZpbA==","expiresAt":"2030-01-01T00:00:00Z"}`,
	} {
		rdb.HSet(ctx, "s:e:k", "b", blob)
		if _, ok, err := sealed.Load(ctx, "k"); ok || !errors.Is(err, redisstore.ErrUnreadableEntry) {
			t.Errorf("%s: Load = ok %v, err %v; want a miss with ErrUnreadableEntry", name, ok, err)
		}
	}
	rdb.HSet(ctx, "s:e:k", "b", "p{not json")
	if _, ok, err := plain.Load(ctx, "k"); ok || !errors.Is(err, redisstore.ErrUnreadableEntry) {
		t.Errorf("undecodable plain entry: Load = ok %v, err %v", ok, err)
	}
	// A sealed entry copied under another key (another user's) does not open.
	if err := sealed.Save(ctx, "alice", e); err != nil {
		t.Fatal(err)
	}
	rdb.HSet(ctx, "s:e:bob", "b", rdb.HGet(ctx, "s:e:alice", "b").Val())
	if _, ok, err := sealed.Load(ctx, "bob"); ok || err == nil {
		t.Errorf("alice's entry moved to bob opened: ok %v, err %v", ok, err)
	}
	e.Value = "v2"
	if err := sealed.Save(ctx, "k", e); err != nil {
		t.Fatal(err)
	}
	if got, ok, err := sealed.Load(ctx, "k"); !ok || err != nil || got.Value != "v2" {
		t.Fatalf("after Save: %v %v %v; want the new entry", got.Value, ok, err)
	}
}

func TestNewStoreValidation(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	t.Cleanup(func() { _ = rdb.Close() })
	for _, tc := range []struct {
		name  string
		rdb   redis.UniversalClient
		codec redisstore.Codec[string]
		opts  redisstore.Options
		field string
	}{
		{"nil client", nil, stringCodec{}, redisstore.Options{Prefix: "p:"}, "rdb"},
		{"nil codec", rdb, nil, redisstore.Options{Prefix: "p:"}, "codec"},
		{"empty prefix", rdb, stringCodec{}, redisstore.Options{}, "Prefix"},
		{"short key", rdb, stringCodec{}, redisstore.Options{Prefix: "p:", SealKey: make([]byte, 15)}, "SealKey"},
		{"empty key", rdb, stringCodec{}, redisstore.Options{Prefix: "p:", SealKey: []byte{}}, "SealKey"},
		{"negative timeout", rdb, stringCodec{}, redisstore.Options{Prefix: "p:", Timeout: -1}, "Timeout"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := redisstore.NewStore(tc.rdb, tc.codec, tc.opts)
			var ve *redisstore.ValidationError
			if !errors.As(err, &ve) || ve.Field != tc.field {
				t.Fatalf("err = %v, want a ValidationError naming %s", err, tc.field)
			}
		})
	}
}
