package youshu_test

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/biembed/biembed-go/biembed"
	"github.com/biembed/biembed-go/tokencache"
	"github.com/biembed/biembed-go/youshu"
	"github.com/biembed/biembed-go/youshu/youshutest"
)

// TestYoushuCacheRejectsWhatItWouldThrowAway pins hardening item 11: a
// request whose token the cache would reject once minted (no Expiry, even
// for Once and helper tokens, which bypass the cache; an Expiry within the
// Skew) is a *biembed.ValidationError before anything is sent.
func TestYoushuCacheRejectsWhatItWouldThrowAway(t *testing.T) {
	t.Parallel()
	srv := youshutest.NewTestServer(t)
	cache := newCache(t, newClient(t, srv), tokencache.Options{})
	cases := map[string]*youshu.GenTokenRequest{
		"no expiry":               {AuthUniqueID: "user"},
		"once without expiry":     {Once: true},
		"helper without expiry":   {UseType: youshu.UseDeleteToken},
		"expiry within the skew":  {Expiry: 20 * time.Second},
		"once, expiry = the skew": {Once: true, Expiry: tokencache.DefaultSkew},
	}
	for name, req := range cases {
		_, err := cache.Get(context.Background(), req)
		var ve *biembed.ValidationError
		if assert.ErrorAs(t, err, &ve, name) {
			assert.Equal(t, "GenTokenRequest.Expiry", ve.Field, name)
		}
	}
	assert.Equal(t, 0, srv.Count("genToken"), "nothing was minted to be thrown away")

	// A Skew of the caller's moves the line.
	short := newCache(t, newClient(t, srv), tokencache.Options{Skew: time.Second})
	_, err := short.Get(context.Background(), &youshu.GenTokenRequest{Once: true, Expiry: 20 * time.Second})
	require.NoError(t, err)
}

// TestYoushuCacheNeverServesATokenForOtherPermissions pins hardening item
// 15: a request with other (narrower) row filters, or for another user or
// credential, is never served the token of another request.
func TestYoushuCacheNeverServesATokenForOtherPermissions(t *testing.T) {
	t.Parallel()
	srv := youshutest.NewTestServer(t)
	cache := newCache(t, newClient(t, srv), tokencache.Options{})
	ctx := context.Background()
	wide := reportRequest()
	wide.FilterMap = nil
	narrow := reportRequest()
	otherColumns := reportRequest()
	otherColumns.UVID = "v2"
	asUser := reportRequest()
	asUser.Credential = youshutest.UserCredential()

	seen := map[string]string{}
	for name, req := range map[string]*youshu.GenTokenRequest{"wide": wide, "narrow": narrow, "other uvId": otherColumns, "user's own credential": asUser} {
		tok, err := cache.Get(ctx, req)
		require.NoError(t, err, name)
		for other, value := range seen {
			assert.NotEqual(t, value, tok.Value.Reveal(), "%s was served %s's token", name, other)
		}
		seen[name] = tok.Value.Reveal()
		again, err := cache.Get(ctx, req)
		require.NoError(t, err)
		assert.Equal(t, tok.Value.Reveal(), again.Value.Reveal(), "%s: an equal request is served its own token", name)
		info, _ := srv.Lookup(tok.Value.Reveal())
		assert.Equal(t, req.FilterMap, info.Request.FilterMap, "%s: minted with its own filters", name)
	}
	assert.Equal(t, 4, srv.Count("genToken"))
}

// TestHostileCallerCacheOptions: NewCache refuses a nil or zero client and
// every out-of-range tokencache.Options value with a
// *biembed.ValidationError naming it, and returns no cache.
func TestHostileCallerCacheOptions(t *testing.T) {
	t.Parallel()
	srv := youshutest.NewTestServer(t)
	client := newClient(t, srv)
	var nilStore *struct{ tokencache.Store }
	tests := []struct {
		name   string
		client *youshu.Client
		opts   tokencache.Options
		field  string
	}{
		{"nil client", nil, tokencache.Options{}, "client"},
		{"zero client", &youshu.Client{}, tokencache.Options{}, "client"},
		{"RefreshFraction NaN", client, tokencache.Options{RefreshFraction: math.NaN()}, "Options.RefreshFraction"},
		{"RefreshFraction +Inf", client, tokencache.Options{RefreshFraction: math.Inf(1)}, "Options.RefreshFraction"},
		{"RefreshFraction negative", client, tokencache.Options{RefreshFraction: -0.1}, "Options.RefreshFraction"},
		{"RefreshFraction above half", client, tokencache.Options{RefreshFraction: 0.51}, "Options.RefreshFraction"},
		{"MinRefreshMargin negative", client, tokencache.Options{MinRefreshMargin: -time.Second}, "Options"},
		{"Skew negative", client, tokencache.Options{Skew: -time.Second}, "Options"},
		{"MintTimeout negative", client, tokencache.Options{MintTimeout: -time.Second}, "Options"},
		{"MaxEntries negative", client, tokencache.Options{MaxEntries: -1}, "Options.MaxEntries"},
		{"Store typed nil", client, tokencache.Options{Store: nilStore}, "Options.Store"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var cache *youshu.Cache
			err := callWithoutPanic(t, func() (err error) {
				cache, err = youshu.NewCache(tc.client, tc.opts)
				return err
			})
			requireValidation(t, err, tc.field)
			if cache != nil {
				t.Error("a cache came back with the error")
				_ = cache.Close()
			}
		})
	}
	cache, err := youshu.NewCache(client, tokencache.Options{RevokeSuperseded: true})
	require.NoError(t, err, "Youshu revokes one token alone, so RevokeSuperseded is allowed")
	require.NoError(t, cache.Close())
	if n := srv.Count(""); n != 0 {
		t.Errorf("%d requests were sent", n)
	}
}

// TestHostileCallerCacheCalls: every method of a Cache refuses a nil ctx, a
// nil or unservable request and control-character or oversized request
// text with a *biembed.ValidationError, and sends nothing (the fake counts
// requests).
func TestHostileCallerCacheCalls(t *testing.T) {
	t.Parallel()
	srv := youshutest.NewTestServer(t)
	cache := newCache(t, newClient(t, srv), tokencache.Options{})
	ctx := context.Background()
	var nilCtx context.Context
	huge := strings.Repeat("k", 1<<20)
	ok := reportRequest()
	get := func(ctx context.Context, req *youshu.GenTokenRequest) func() error {
		return func() error {
			tok, err := cache.Get(ctx, req)
			if tok != nil {
				t.Error("a token came back with the error")
			}
			return err
		}
	}
	with := func(edit func(*youshu.GenTokenRequest)) *youshu.GenTokenRequest {
		r := reportRequest()
		edit(r)
		return r
	}
	type method func(context.Context, *youshu.GenTokenRequest) error
	methods := map[string]method{"Forget": cache.Forget, "Revoke": cache.Revoke, "ForgetUser": cache.ForgetUser, "RevokeUser": cache.RevokeUser}
	tests := []struct {
		name  string
		call  func() error
		field string
	}{
		{"Get nil ctx", get(nilCtx, ok), "ctx"},
		{"Get nil request", get(ctx, nil), "GenTokenRequest"},
		{"Get zero request", get(ctx, &youshu.GenTokenRequest{}), "GenTokenRequest.Expiry"},
		{"Get Expiry within Skew", get(ctx, with(func(r *youshu.GenTokenRequest) { r.Expiry = time.Second })), "GenTokenRequest.Expiry"},
		{"Get negative Expiry", get(ctx, with(func(r *youshu.GenTokenRequest) { r.Expiry = -time.Minute })), "GenTokenRequest.Expiry"},
		{"Get Once without Expiry", get(ctx, with(func(r *youshu.GenTokenRequest) { r.Expiry, r.Once = 0, true })), "GenTokenRequest.Expiry"},
		{"Get fractional Expiry", get(ctx, with(func(r *youshu.GenTokenRequest) { r.Expiry = time.Hour + time.Millisecond })), "expiryTime"},
		{"Get bad applyScope", get(ctx, with(func(r *youshu.GenTokenRequest) { r.ApplyScope = "Everything" })), "applyScope"},
		{"Get authUniqueId with CR/LF", get(ctx, with(func(r *youshu.GenTokenRequest) { r.AuthUniqueID = "alice\r\nX-Evil: 1" })), "authUniqueId"},
		{"Get authUniqueId with NUL", get(ctx, with(func(r *youshu.GenTokenRequest) { r.AuthUniqueID = "alice\x00" })), "authUniqueId"},
		{"Get authUniqueId with ESC", get(ctx, with(func(r *youshu.GenTokenRequest) { r.AuthUniqueID = "\x1b[2Jalice" })), "authUniqueId"},
		{"Get authUniqueId with C1 control", get(ctx, with(func(r *youshu.GenTokenRequest) { r.AuthUniqueID = "alice\u0085" })), "authUniqueId"},
		{"Get authUniqueId invalid UTF-8", get(ctx, with(func(r *youshu.GenTokenRequest) { r.AuthUniqueID = "alice\xff" })), "authUniqueId"},
		{"Get megabyte authUniqueId", get(ctx, with(func(r *youshu.GenTokenRequest) { r.AuthUniqueID = huge })), "authUniqueId"},
		{"Get bad credential", get(ctx, with(func(r *youshu.GenTokenRequest) { r.Credential = youshu.Password("alice", "") })), "password"},
	}
	for name, m := range methods {
		tests = append(tests,
			struct {
				name  string
				call  func() error
				field string
			}{name + " nil ctx", func() error { return m(nilCtx, ok) }, "ctx"},
		)
	}
	for _, name := range []string{"Forget", "Revoke"} {
		m := methods[name]
		for _, tc := range []struct {
			what  string
			req   *youshu.GenTokenRequest
			field string
		}{
			{"nil request", nil, "GenTokenRequest"},
			{"zero request", &youshu.GenTokenRequest{}, "GenTokenRequest.Expiry"},
			{"authUniqueId with CR/LF", with(func(r *youshu.GenTokenRequest) { r.AuthUniqueID = "alice\r\n" }), "authUniqueId"},
			{"megabyte authUniqueId", with(func(r *youshu.GenTokenRequest) { r.AuthUniqueID = huge }), "authUniqueId"},
		} {
			tests = append(tests, struct {
				name  string
				call  func() error
				field string
			}{name + " " + tc.what, func() error { return m(ctx, tc.req) }, tc.field})
		}
	}
	for _, name := range []string{"ForgetUser", "RevokeUser"} {
		m := methods[name]
		tests = append(tests, struct {
			name  string
			call  func() error
			field string
		}{name + " nil request", func() error { return m(ctx, nil) }, "req"})
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := callWithoutPanic(t, tc.call)
			requireValidation(t, err, tc.field)
			if strings.Contains(err.Error(), "alice") || strings.Contains(err.Error(), "kkkk") {
				t.Errorf("the error quotes the request: %q", err)
			}
		})
	}
	if n := srv.Count(""); n != 0 {
		t.Errorf("%d requests were sent", n)
	}
}

// TestHostileCallerNilCache: a *Cache left nil (NewCache's error ignored)
// or declared as a zero Cache answers every method with a
// *biembed.ValidationError instead of panicking.
func TestHostileCallerNilCache(t *testing.T) {
	t.Parallel()
	for name, cache := range map[string]*youshu.Cache{"nil": nil, "zero": {}} {
		ctx := context.Background()
		calls := map[string]func() error{
			"Get":        func() error { _, err := cache.Get(ctx, reportRequest()); return err },
			"Forget":     func() error { return cache.Forget(ctx, reportRequest()) },
			"ForgetUser": func() error { return cache.ForgetUser(ctx, reportRequest()) },
			"Revoke":     func() error { return cache.Revoke(ctx, reportRequest()) },
			"RevokeUser": func() error { return cache.RevokeUser(ctx, reportRequest()) },
			"Close":      func() error { return cache.Close() },
		}
		for call, f := range calls {
			t.Run(name+"/"+call, func(t *testing.T) { requireValidation(t, callWithoutPanic(t, f), "Cache") })
		}
		_ = callWithoutPanic(t, func() error {
			if s := cache.Stats(); s != (tokencache.Stats{}) {
				t.Errorf("Stats of a %s cache: %+v", name, s)
			}
			_ = fmt.Sprint(cache)
			return nil
		})
	}
}

// verbs are the fmt verbs a caller might print a value with.
var verbs = []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%t", "%p", "%T", "%10.3v", "%-8s", "%o", "%e", "%U", "%c", "%b"}

// TestYoushuCachePrintsOnlyCountsWhileMinting: printing a Cache, with any
// verb or slog handler, while Gets mint shows only counts (never a token or
// a request) and does not race with the minting (run with -race).
func TestYoushuCachePrintsOnlyCountsWhileMinting(t *testing.T) {
	t.Parallel()
	srv := youshutest.NewTestServer(t)
	cache := newCache(t, newClient(t, srv), tokencache.Options{})
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		tokens []string
	)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req := reportRequest()
			req.UVID = "viewer-" + strconv.Itoa(i)
			tok, err := cache.Get(context.Background(), req)
			if err == nil {
				mu.Lock()
				tokens = append(tokens, tok.Value.Reveal())
				mu.Unlock()
			}
		}()
	}
	var outputs []string
	for range 20 {
		for _, verb := range verbs {
			outputs = append(outputs, fmt.Sprintf(verb, cache))
		}
		var logs strings.Builder
		slog.New(slog.NewJSONHandler(&logs, nil)).Info("m", "cache", cache)
		slog.New(slog.NewTextHandler(&logs, nil)).Info("m", "cache", cache)
		outputs = append(outputs, logs.String())
	}
	wg.Wait()
	require.Len(t, tokens, 8)
	outputs = append(outputs, fmt.Sprint(cache))
	for _, out := range outputs {
		for _, tok := range tokens {
			if strings.Contains(out, tok) || strings.Contains(out, fmt.Sprintf("%x", tok)) {
				t.Fatalf("printed a token: %s", out)
			}
		}
		for _, leak := range []string{"viewer-", youshutest.Admin().Password, "East"} {
			if strings.Contains(out, leak) {
				t.Fatalf("printed the requests: %s", out)
			}
		}
	}
	assert.Contains(t, fmt.Sprint(cache), "tokencache.Cache{hits: ")
	assert.Contains(t, fmt.Sprint(cache), "mints: 8")
}
