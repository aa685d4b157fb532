package tencent_test

import (
	"context"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/biembed/biembed-go/biembed"
	"github.com/biembed/biembed-go/tencent"
	"github.com/biembed/biembed-go/tencent/tencenttest"
)

func TestOptionsValidateTheirInput(t *testing.T) {
	t.Parallel()
	cases := []struct {
		opt   tencent.Option
		field string
	}{
		{tencent.WithSecret("", "k"), "WithSecret"},
		{tencent.WithSecret("id", " "), "WithSecret"},
		{tencent.WithCredential(nil), "WithCredential"},
		{tencent.WithEndpoint(""), "WithEndpoint"},
		{tencent.WithEndpoint("ftp://bi.tencentcloudapi.com"), "WithEndpoint"},
		{tencent.WithEndpoint("http://127.0.0.1:8080/api"), "WithEndpoint"},
		{tencent.WithEndpoint("bi.tencentcloudapi.com/x"), "WithEndpoint"},
		{tencent.WithEndpoint("http://user:pw@127.0.0.1"), "WithEndpoint"},
		{tencent.WithEndpoint("https://bi.tencentcloudapi.com?x=1"), "WithEndpoint"},
		{tencent.WithTransport(nil), "WithTransport"},
		{tencent.WithTimeout(0), "WithTimeout"},
		{tencent.WithLogger(nil), "WithLogger"},
		{tencent.WithRateLimiter(nil), "WithRateLimiter"},
		{tencent.WithRetries(-1), "WithRetries"},
		{tencent.WithRetries(11), "WithRetries"},
		{tencent.WithBackoff(0, time.Second), "WithBackoff"},
		{tencent.WithBackoff(time.Second, time.Millisecond), "WithBackoff"},
		{tencent.WithEmbedHost("tcbi.qq.com"), "WithEmbedHost"},
		{tencent.WithEmbedHost("https://tcbi.qq.com/?x=1"), "WithEmbedHost"},
		{tencent.WithEmbedHost("https://tcbi.qq.com/#frag"), "WithEmbedHost"},
		{tencent.WithClock(nil), "WithClock"},
		{nil, "Option"},
	}
	for _, c := range cases {
		client, err := tencent.NewClient(tencent.WithSecret("id", "key"), c.opt)
		if err == nil {
			t.Errorf("option for %s: no error", c.field)
			continue
		}
		requireValidation(t, err, c.field)
		if client != nil {
			t.Errorf("%s: a client came back with the error", c.field)
		}
	}
	limiter, err := biembed.NewRateLimiter(5, 2)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tencent.NewClient(tencent.WithSecret("id", "key"), tencent.WithEndpoint("bi.intl.tencentcloudapi.com"),
		tencent.WithRateLimiter(limiter), tencent.WithRetries(0), tencent.WithRetries(10), tencent.WithTimeout(time.Second),
		tencent.WithEmbedHost("https://bi.example.com/tcbi/"), tencent.WithClock(time.Now)); err != nil {
		t.Errorf("valid options: %v", err)
	}
	for _, bad := range []struct {
		perSecond float64
		burst     int
	}{{0, 1}, {math.NaN(), 1}, {-1, 1}, {1, 0}} {
		if _, err := biembed.NewRateLimiter(bad.perSecond, bad.burst); err == nil {
			t.Errorf("NewRateLimiter(%v, %d): no error", bad.perSecond, bad.burst)
		} else {
			requireValidation(t, err, "")
		}
	}
}

// TestDefaultCredentialChainUsesEnvironment cannot run in parallel: it sets
// environment variables. The env provider answers first, so the CVM role
// provider (a metadata request) is never asked.
func TestDefaultCredentialChainUsesEnvironment(t *testing.T) {
	t.Setenv("TENCENTCLOUD_SECRET_ID", "AKIDfromEnvironment")
	t.Setenv("TENCENTCLOUD_SECRET_KEY", "key-from-environment-000000")
	srv := tencenttest.NewTestServer(t, tencenttest.WithSecret("AKIDfromEnvironment", "key-from-environment-000000"))
	client, err := tencent.NewClient(tencent.WithEndpoint(srv.URL()))
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	mint(t, client, tencent.NewPageRequest(1, 2)) // the fake accepts only the env pair

	t.Setenv("TENCENTCLOUD_SECRET_KEY", "")
	if _, err := tencent.NewClient(tencent.WithEndpoint(srv.URL())); err == nil {
		t.Error("an empty TENCENTCLOUD_SECRET_KEY must fail NewClient")
	}
}

// TestVersionAndActionHeaders: every request names the API version and the
// action in its headers (the fake records them, Authorization left out).
func TestVersionAndActionHeaders(t *testing.T) {
	t.Parallel()
	client, srv := setup(t, nil)
	tok := mint(t, client, tencent.NewPageRequest(1, 2))
	if err := client.ApplyEmbedInterval(context.Background(), tencent.ExtendRequestFor(tok)); err != nil {
		t.Fatal(err)
	}
	for i, action := range []string{"CreateEmbedToken", "ApplyEmbedInterval"} {
		h := srv.Requests()[i].Header
		if h.Get("X-TC-Version") != "2022-01-05" || h.Get("X-TC-Action") != action || h.Get("Authorization") != "" {
			t.Errorf("%s headers = %v", action, h)
		}
	}
}

func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	const n = 40
	limiter, err := biembed.NewRateLimiter(1e6, n)
	if err != nil {
		t.Fatal(err)
	}
	client, srv := setup(t, nil, tencent.WithRateLimiter(limiter))
	var (
		mu     sync.Mutex
		values = map[string]bool{}
		g      errgroup.Group
	)
	for i := range n {
		g.Go(func() error {
			tok, err := client.CreateEmbedToken(context.Background(), tencent.NewPageRequest(1, uint64(i+1)))
			if err != nil {
				return err
			}
			mu.Lock()
			defer mu.Unlock()
			values[tok.Value.Reveal()] = true
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatalf("a goroutine failed: %v", err)
	}
	if len(values) != n {
		t.Errorf("%d unique tokens, want %d", len(values), n)
	}
	if c := srv.Count("CreateEmbedToken"); c != n {
		t.Errorf("count = %d, want %d", c, n)
	}
}

// TestClientReusesItsConnection: a client made without WithTransport keeps
// one connection to the endpoint across calls, instead of dialing for each
// call and leaving the last one idle in a transport nobody holds (a
// connection and two goroutines per call until the server drops them).
func TestClientReusesItsConnection(t *testing.T) {
	t.Parallel()
	fake := tencenttest.NewTestServer(t)
	front := httptest.NewUnstartedServer(fake)
	var conns atomic.Int32
	front.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	front.Start()
	t.Cleanup(front.Close)
	client := clientFor(t, fake, tencent.WithEndpoint(front.URL))
	for range 10 {
		mint(t, client, tencent.NewPageRequest(1, 2))
	}
	if err := client.ClearEmbedToken(context.Background(), &tencent.ClearEmbedTokenRequest{ProjectID: 1, UserCorpID: "c", Scope: tencent.ScopePanel}); err != nil {
		t.Fatal(err)
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("11 sequential calls opened %d connections, want 1", n)
	}
}
