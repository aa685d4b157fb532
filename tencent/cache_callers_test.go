package tencent_test

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/biembed/biembed-go/tencent"
)

// TestHostileCallerCacheOptions: NewCache refuses a nil client and every
// out-of-range CacheOptions value with a *ValidationError naming it, and
// returns no cache.
func TestHostileCallerCacheOptions(t *testing.T) {
	t.Parallel()
	client, srv := setup(t, nil)
	tests := []struct {
		name   string
		client *tencent.Client
		opts   tencent.CacheOptions
		field  string
	}{
		{"nil client", nil, tencent.CacheOptions{}, "client"},
		{"zero client", &tencent.Client{}, tencent.CacheOptions{}, "client"},
		{"RefreshFraction NaN", client, tencent.CacheOptions{RefreshFraction: math.NaN()}, "RefreshFraction"},
		{"RefreshFraction +Inf", client, tencent.CacheOptions{RefreshFraction: math.Inf(1)}, "RefreshFraction"},
		{"RefreshFraction negative", client, tencent.CacheOptions{RefreshFraction: -0.1}, "RefreshFraction"},
		{"RefreshFraction above half", client, tencent.CacheOptions{RefreshFraction: 0.51}, "RefreshFraction"},
		{"MinRefreshMargin negative", client, tencent.CacheOptions{MinRefreshMargin: -time.Second}, "MinRefreshMargin"},
		{"Skew negative", client, tencent.CacheOptions{Skew: -time.Second}, "Skew"},
		{"MintTimeout negative", client, tencent.CacheOptions{MintTimeout: -time.Second}, "MintTimeout"},
		{"MaxEntries negative", client, tencent.CacheOptions{MaxEntries: -1}, "MaxEntries"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var cache *tencent.Cache
			err := callWithoutPanic(t, func() (err error) {
				cache, err = tencent.NewCache(tc.client, tc.opts)
				return err
			})
			requireValidation(t, err, tc.field)
			if cache != nil {
				t.Error("a cache came back with the error")
				_ = cache.Close()
			}
		})
	}
	if n := srv.Count(""); n != 0 {
		t.Errorf("%d requests were sent", n)
	}
}

// TestHostileCallerCacheCalls: every method of a Cache refuses a nil ctx, a
// nil or unservable request and an empty, control-character or oversized
// key with a *ValidationError, and sends nothing (the fake counts requests).
func TestHostileCallerCacheCalls(t *testing.T) {
	t.Parallel()
	client, srv := setup(t, nil)
	cache, err := tencent.NewCache(client, tencent.CacheOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cache.Close() })
	ctx := context.Background()
	var nilCtx context.Context
	huge := strings.Repeat("k", 1<<20)
	ok := tencent.NewPageRequest(1, 2)
	get := func(ctx context.Context, key string, req *tencent.CreateEmbedTokenRequest) func() error {
		return func() error { _, err := cache.Get(ctx, key, req); return err }
	}
	getFor := func(ctx context.Context, req *tencent.CreateEmbedTokenRequest) func() error {
		return func() error { _, err := cache.GetFor(ctx, req); return err }
	}
	short := tencent.NewPageRequest(1, 2)
	short.Expiry = time.Second
	negative := tencent.NewPageRequest(1, 2)
	negative.Expiry = -time.Minute
	tests := []struct {
		name  string
		call  func() error
		field string
	}{
		{"Get nil ctx", get(nilCtx, "k", ok), "ctx"},
		{"Get nil request", get(ctx, "k", nil), "CreateEmbedTokenRequest"},
		{"Get zero request", get(ctx, "k", &tencent.CreateEmbedTokenRequest{}), "CreateEmbedTokenRequest"},
		{"Get Expiry within Skew", get(ctx, "k", short), "CreateEmbedTokenRequest.Expiry"},
		{"Get negative Expiry", get(ctx, "k", negative), "CreateEmbedTokenRequest.Expiry"},
		{"Get empty key", get(ctx, "", ok), "key"},
		{"Get key with CR/LF", get(ctx, "alice\r\nX-Evil: 1", ok), "key"},
		{"Get key with NUL", get(ctx, "alice\x00", ok), "key"},
		{"Get key with ESC", get(ctx, "\x1b[2Jalice", ok), "key"},
		{"Get key with C1 control", get(ctx, "alice\u0085", ok), "key"},
		{"Get key invalid UTF-8", get(ctx, "alice\xff", ok), "key"},
		{"Get megabyte key", get(ctx, huge, ok), "key"},
		{"GetFor nil ctx", getFor(nilCtx, ok), "ctx"},
		{"GetFor nil request", getFor(ctx, nil), "CreateEmbedTokenRequest"},
		{"GetFor zero request", getFor(ctx, &tencent.CreateEmbedTokenRequest{}), "CreateEmbedTokenRequest"},
		{"GetFor Expiry within Skew", getFor(ctx, short), "CreateEmbedTokenRequest.Expiry"},
		{"Invalidate nil ctx", func() error { return cache.Invalidate(nilCtx, "k") }, "ctx"},
		{"Invalidate empty key", func() error { return cache.Invalidate(ctx, "") }, "key"},
		{"Invalidate key with CR/LF", func() error { return cache.Invalidate(ctx, "k\r\n") }, "key"},
		{"Invalidate megabyte key", func() error { return cache.Invalidate(ctx, huge) }, "key"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := callWithoutPanic(t, tc.call)
			requireValidation(t, err, tc.field)
			if strings.Contains(err.Error(), "alice") || strings.Contains(err.Error(), "kkkk") {
				t.Errorf("the error quotes the key: %q", err)
			}
		})
	}
	if n := srv.Count(""); n != 0 {
		t.Errorf("%d requests were sent", n)
	}
}

// TestHostileCallerNilCache: a *Cache left nil (NewCache's error ignored)
// or declared as a zero Cache answers every method with a *ValidationError instead of panicking.
func TestHostileCallerNilCache(t *testing.T) {
	t.Parallel()
	for name, cache := range map[string]*tencent.Cache{"nil": nil, "zero": {}} {
		ctx := context.Background()
		calls := map[string]func() error{
			"Get":        func() error { _, err := cache.Get(ctx, "k", tencent.NewPageRequest(1, 2)); return err },
			"GetFor":     func() error { _, err := cache.GetFor(ctx, tencent.NewPageRequest(1, 2)); return err },
			"Invalidate": func() error { return cache.Invalidate(ctx, "k") },
			"Close":      func() error { return cache.Close() },
		}
		for call, f := range calls {
			t.Run(name+"/"+call, func(t *testing.T) { requireValidation(t, callWithoutPanic(t, f), "Cache") })
		}
		_ = callWithoutPanic(t, func() error {
			if s := cache.Stats(); s != (tencent.CacheStats{}) {
				t.Errorf("Stats of a %s cache: %+v", name, s)
			}
			_ = fmt.Sprint(cache)
			return nil
		})
	}
}
