package tencent_test

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/biembed/biembed-go/tencent"
	"github.com/biembed/biembed-go/tokencache"
)

// nilStore is a typed nil Store.
type nilStore struct{ tokencache.Store }

// TestHostileCallerCacheOptions: NewCache refuses a nil client and every
// out-of-range tokencache.Options value with a *ValidationError naming it,
// and returns no cache.
func TestHostileCallerCacheOptions(t *testing.T) {
	t.Parallel()
	client, srv := setup(t, nil)
	tests := []struct {
		name   string
		client *tencent.Client
		opts   tokencache.Options
		field  string
	}{
		{"nil client", nil, tokencache.Options{}, "client"},
		{"zero client", &tencent.Client{}, tokencache.Options{}, "client"},
		{"Store typed nil", client, tokencache.Options{Store: (*nilStore)(nil)}, "Options.Store"},
		{"RefreshFraction NaN", client, tokencache.Options{RefreshFraction: math.NaN()}, "Options.RefreshFraction"},
		{"RefreshFraction +Inf", client, tokencache.Options{RefreshFraction: math.Inf(1)}, "Options.RefreshFraction"},
		{"RefreshFraction negative", client, tokencache.Options{RefreshFraction: -0.1}, "Options.RefreshFraction"},
		{"RefreshFraction above half", client, tokencache.Options{RefreshFraction: 0.51}, "Options.RefreshFraction"},
		{"MinRefreshMargin negative", client, tokencache.Options{MinRefreshMargin: -time.Second}, "Options"},
		{"Skew negative", client, tokencache.Options{Skew: -time.Second}, "Options"},
		{"MintTimeout negative", client, tokencache.Options{MintTimeout: -time.Second}, "Options"},
		{"MaxEntries negative", client, tokencache.Options{MaxEntries: -1}, "Options.MaxEntries"},
		{"RevokeSuperseded", client, tokencache.Options{RevokeSuperseded: true}, "Options.RevokeSuperseded"},
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

// TestHostileCallerCacheCalls: every method of a Cache refuses a nil ctx,
// a nil, zero, unservable or control-character request, and a request
// naming no user where a user is needed, with a *ValidationError, and sends
// nothing (the fake counts requests).
func TestHostileCallerCacheCalls(t *testing.T) {
	t.Parallel()
	client, srv := setup(t, nil)
	cache, err := tencent.NewCache(client, tokencache.Options{Skew: 2 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cache.Close() })
	ctx := context.Background()
	var nilCtx context.Context
	huge := strings.Repeat("k", 1<<20)
	ok := userRequest("corp")
	edit := func(f func(*tencent.CreateEmbedTokenRequest)) *tencent.CreateEmbedTokenRequest {
		r := userRequest("corp")
		f(r)
		return r
	}
	bad := map[string]struct {
		req   *tencent.CreateEmbedTokenRequest
		field string
	}{
		"nil request":          {nil, "CreateEmbedTokenRequest"},
		"zero request":         {&tencent.CreateEmbedTokenRequest{}, "CreateEmbedTokenRequest"},
		"Expiry within Skew":   {edit(func(r *tencent.CreateEmbedTokenRequest) { r.Expiry = 2 * time.Minute }), "CreateEmbedTokenRequest.Expiry"},
		"negative Expiry":      {edit(func(r *tencent.CreateEmbedTokenRequest) { r.Expiry = -time.Minute }), "CreateEmbedTokenRequest.Expiry"},
		"UserID with CR/LF":    {edit(func(r *tencent.CreateEmbedTokenRequest) { r.UserID = "alice\r\nX-Evil: 1" }), "CreateEmbedTokenRequest.UserID"},
		"UserCorpID with NUL":  {edit(func(r *tencent.CreateEmbedTokenRequest) { r.UserCorpID = "corp\x00" }), "CreateEmbedTokenRequest.UserCorpID"},
		"ExtraParam with ESC":  {edit(func(r *tencent.CreateEmbedTokenRequest) { r.ExtraParam = "\x1b[2Jalice" }), "CreateEmbedTokenRequest.ExtraParam"},
		"UserID with C1":       {edit(func(r *tencent.CreateEmbedTokenRequest) { r.UserID = "alice\u0085" }), "CreateEmbedTokenRequest.UserID"},
		"UserID invalid UTF-8": {edit(func(r *tencent.CreateEmbedTokenRequest) { r.UserID = "alice\xff" }), "CreateEmbedTokenRequest.UserID"},
		"megabyte UserID":      {edit(func(r *tencent.CreateEmbedTokenRequest) { r.UserID = huge }), "CreateEmbedTokenRequest.UserID"},
	}
	type method struct {
		name string
		call func(ctx context.Context, req *tencent.CreateEmbedTokenRequest) error
	}
	methods := []method{
		{"Get", func(ctx context.Context, req *tencent.CreateEmbedTokenRequest) error {
			tok, err := cache.Get(ctx, req)
			if tok != nil {
				t.Error("a token came back with the error")
			}
			return err
		}},
		{"Forget", cache.Forget},
		{"Revoke", cache.Revoke},
	}
	for _, m := range methods {
		t.Run(m.name+"/nil ctx", func(t *testing.T) {
			requireValidation(t, callWithoutPanic(t, func() error { return m.call(nilCtx, ok) }), "ctx")
		})
		for name, b := range bad {
			t.Run(m.name+"/"+name, func(t *testing.T) {
				err := callWithoutPanic(t, func() error { return m.call(ctx, b.req) })
				requireValidation(t, err, b.field)
				if strings.Contains(err.Error(), "alice") || strings.Contains(err.Error(), "kkkk") {
					t.Errorf("the error quotes the request: %.80q", err)
				}
			})
		}
	}
	noUser := tencent.NewPageRequest(7, 8)
	for _, m := range []method{{"ForgetUser", cache.ForgetUser}, {"RevokeUser", cache.RevokeUser}} {
		t.Run(m.name+"/nil ctx", func(t *testing.T) {
			requireValidation(t, callWithoutPanic(t, func() error { return m.call(nilCtx, ok) }), "ctx")
		})
		for name, req := range map[string]*tencent.CreateEmbedTokenRequest{"nil request": nil, "no user": noUser,
			"zero request": {}} {
			t.Run(m.name+"/"+name, func(t *testing.T) {
				requireValidation(t, callWithoutPanic(t, func() error { return m.call(ctx, req) }), "req")
			})
		}
	}
	if n := srv.Count(""); n != 0 {
		t.Errorf("%d requests were sent", n)
	}
}

// TestHostileCallerNilCache: a *Cache left nil (NewCache's error ignored)
// or declared as a zero Cache answers every method with a
// *ValidationError instead of panicking, and prints.
func TestHostileCallerNilCache(t *testing.T) {
	t.Parallel()
	for name, cache := range map[string]*tencent.Cache{"nil": nil, "zero": {}} {
		ctx := context.Background()
		req := userRequest("corp")
		calls := map[string]func() error{
			"Get":        func() error { _, err := cache.Get(ctx, req); return err },
			"Forget":     func() error { return cache.Forget(ctx, req) },
			"ForgetUser": func() error { return cache.ForgetUser(ctx, req) },
			"Revoke":     func() error { return cache.Revoke(ctx, req) },
			"RevokeUser": func() error { return cache.RevokeUser(ctx, req) },
			"Close":      func() error { return cache.Close() },
		}
		for call, f := range calls {
			t.Run(name+"/"+call, func(t *testing.T) { requireValidation(t, callWithoutPanic(t, f), "Cache") })
		}
		_ = callWithoutPanic(t, func() error {
			if s := cache.Stats(); s != (tokencache.Stats{}) {
				t.Errorf("Stats of a %s cache: %+v", name, s)
			}
			for _, verb := range verbs {
				_ = fmt.Sprintf(verb, cache)
			}
			return nil
		})
	}
}
