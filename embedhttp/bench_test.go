package embedhttp_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/biembed/biembed-go/biembed"
	"github.com/biembed/biembed-go/embedhttp"
	"github.com/biembed/biembed-go/internal/testkit/benchtest"
	"github.com/biembed/biembed-go/internal/testkit/redistest"
	"github.com/biembed/biembed-go/redisstore"
	"github.com/biembed/biembed-go/tencent"
	"github.com/biembed/biembed-go/tencent/tencenttest"
	"github.com/biembed/biembed-go/tokencache"
)

// BenchmarkTokenEndpoint compares POST …/token, served from a warm cache,
// with a bare net/http handler, interleaved (benchtest.Interleave: the
// sides take turns in blocks of 20 calls; the ratio is the median of the
// per-round ratios, logged, never failed):
//
//	memory  the handler on a cache in memory  vs  a handler that writes a
//	        constant JSON body (the handler's own answer, captured)
//	redis   the handler on a cache over a redisstore Fleet (sealed)  vs  a
//	        handler that does one go-redis GET of a value as large as the
//	        sealed entry, then writes the same body
//
// Each over loopback (an httptest.Server and an http.Client, as a browser
// reaches the endpoint) and through httptest.NewRecorder (the handlers
// alone); both sides of a ratio the same way. extra-mints must stay 0.
//
//	go test -run '^$' -bench BenchmarkTokenEndpoint -benchtime 300x -count 6 ./embedhttp
func BenchmarkTokenEndpoint(b *testing.B) {
	for _, store := range []string{"memory", "redis"} {
		for _, via := range []string{"loopback", "recorder"} {
			b.Run(store+"/"+via, func(b *testing.B) { benchTokenEndpoint(b, store, via) })
		}
	}
}

func benchTokenEndpoint(b *testing.B, store, via string) {
	fake := tencenttest.NewTestServer(b)
	client, err := tencent.NewClient(tencent.WithSecret(tencenttest.SecretID, tencenttest.SecretKey),
		tencent.WithEndpoint(fake.URL()), tencent.WithEmbedHost(fake.URL()), tencent.WithTransport(benchTransport(b)))
	if err != nil {
		b.Fatal(err)
	}
	opts := tokencache.Options{}
	var rdb *redis.Client
	if store == "redis" {
		rdb = redistest.Start(b).Client()
		fl, err := redisstore.NewFleet(rdb, redisstore.Options{Prefix: "bench:", SealKey: biembed.NewSecret(strings.Repeat("\x2a", 32)),
			Timeout: 10 * time.Second})
		if err != nil {
			b.Fatal(err)
		}
		opts.Store = fl.Store
	}
	cache, err := tencent.NewCache(client, opts)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = cache.Close() })
	sdk := embedhttp.Tencent(cache, func(r *http.Request) (*tencent.CreateEmbedTokenRequest, error) {
		name, err := user(r)
		if err != nil {
			return nil, err
		}
		req := tencent.NewPageRequest(7, 8)
		req.Expiry = lifetime
		req.TokenType, req.UserCorpID, req.UserID = tencent.TokenTypeSingleUser, "corp", name
		return req, nil
	}, embedhttp.Options{})

	// Warm the cache, and keep its answer as the bare handler's body.
	w := httptest.NewRecorder()
	sdk.ServeHTTP(w, benchRequest("http://app.example"))
	if w.Code != http.StatusOK {
		b.Fatalf("warming: %d %s", w.Code, w.Body)
	}
	body := w.Body.Bytes()
	constant := func(w http.ResponseWriter) {
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Cache-Control", "no-store")
		_, _ = w.Write(body)
	}
	raw, rawName := http.Handler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { constant(w) })), "const"
	if rdb != nil {
		ctx := context.Background()
		entries := rdb.Keys(ctx, "bench:e:*").Val()
		if len(entries) != 1 {
			b.Fatalf("entries in Redis: %d, want 1", len(entries))
		}
		rdb.Set(ctx, "bench:raw", rdb.HGet(ctx, entries[0], "b").Val(), 0)
		raw, rawName = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if err := rdb.Get(r.Context(), "bench:raw").Err(); err != nil {
				http.Error(w, "redis", http.StatusServiceUnavailable)
				return
			}
			constant(w)
		}), "get"
	}

	before := fake.Count("CreateEmbedToken")
	benchtest.Interleave(b, 20, benchSide(b, "sdk", sdk, via), benchSide(b, rawName, raw, via))
	b.ReportMetric(float64(fake.Count("CreateEmbedToken")-before), "extra-mints")
}

// benchRequest is the script's POST …/token from alice's page at origin.
func benchRequest(origin string) *http.Request {
	req := httptest.NewRequest(http.MethodPost, origin+"/embed/token", http.NoBody)
	req.Header.Set("X-Biembed", "1")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Origin", origin)
	req.Header.Set("X-User", "alice")
	return req
}

// benchSide calls h through a recorder or over loopback, and checks it
// answered 200 with a body.
func benchSide(b *testing.B, name string, h http.Handler, via string) benchtest.Side {
	if via == "recorder" {
		return benchtest.Side{Name: name, Call: func() error {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, benchRequest("http://app.example"))
			if w.Code != http.StatusOK || w.Body.Len() == 0 {
				return fmt.Errorf("answered %d", w.Code)
			}
			return nil
		}}
	}
	srv := httptest.NewServer(h)
	b.Cleanup(srv.Close)
	hc := &http.Client{Transport: benchTransport(b)}
	var buf bytes.Buffer
	return benchtest.Side{Name: name, Call: func() error {
		req, err := http.NewRequest(http.MethodPost, srv.URL+"/embed/token", http.NoBody)
		if err != nil {
			return err
		}
		req.Header = benchRequest(srv.URL).Header
		resp, err := hc.Do(req)
		if err != nil {
			return err
		}
		buf.Reset()
		_, err = io.Copy(&buf, resp.Body)
		_ = resp.Body.Close()
		if err == nil && (resp.StatusCode != http.StatusOK || buf.Len() == 0) {
			err = fmt.Errorf("answered %d", resp.StatusCode)
		}
		return err
	}}
}

// benchTransport is an HTTP transport whose idle connections are closed
// when b ends (goleak).
func benchTransport(b *testing.B) *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	b.Cleanup(tr.CloseIdleConnections)
	return tr
}
