package tencent_test

import (
	"context"
	"errors"
	"math"
	"sync"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/biembed/biembed-go/internal/validate"
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
		{tencent.WithRegion(""), "WithRegion"},
		{tencent.WithRegion("ap guangzhou"), "WithRegion"},
		{tencent.WithEndpoint(""), "WithEndpoint"},
		{tencent.WithEndpoint("ftp://bi.tencentcloudapi.com"), "WithEndpoint"},
		{tencent.WithEndpoint("http://127.0.0.1:8080/api"), "WithEndpoint"},
		{tencent.WithEndpoint("bi.tencentcloudapi.com/x"), "WithEndpoint"},
		{tencent.WithEndpoint("http://user:pw@127.0.0.1"), "WithEndpoint"},
		{tencent.WithTransport(nil), "WithTransport"},
		{tencent.WithTimeout(0), "WithTimeout"},
		{tencent.WithLogger(nil), "WithLogger"},
		{tencent.WithRateLimit(0), "WithRateLimit"},
		{tencent.WithRateLimit(math.NaN()), "WithRateLimit"},
		{tencent.WithRateBurst(0), "WithRateBurst"},
		{tencent.WithMaxRetries(-1), "WithMaxRetries"},
		{tencent.WithBackoff(0, time.Second), "WithBackoff"},
		{tencent.WithBackoff(time.Second, time.Millisecond), "WithBackoff"},
		{tencent.WithEmbedHost("tcbi.qq.com"), "WithEmbedHost"},
		{tencent.WithEmbedHost("https://tcbi.qq.com/?x=1"), "WithEmbedHost"},
		{tencent.WithEmbedHost("https://tcbi.qq.com/#frag"), "WithEmbedHost"},
		{tencent.WithClock(nil), "WithClock"},
	}
	for _, c := range cases {
		_, err := tencent.NewClient(tencent.WithSecret("id", "key"), c.opt)
		var ve *validate.Error
		if !errors.As(err, &ve) || ve.Field != c.field || !errors.Is(err, tencent.ErrInvalid) {
			t.Errorf("error = %v, want a validation error naming %s", err, c.field)
		}
	}
	if _, err := tencent.NewClient(tencent.WithSecret("id", "key"), tencent.WithEndpoint("bi.intl.tencentcloudapi.com"),
		tencent.WithRegion("ap-guangzhou"), tencent.WithRateLimit(math.Inf(1)), nil); err != nil {
		t.Errorf("valid options: %v", err)
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
	defer client.CloseIdleConnections()
	mint(t, client, tencent.NewPageRequest(1, 2)) // the fake accepts only the env pair

	t.Setenv("TENCENTCLOUD_SECRET_KEY", "")
	if _, err := tencent.NewClient(tencent.WithEndpoint(srv.URL())); err == nil {
		t.Error("an empty TENCENTCLOUD_SECRET_KEY must fail NewClient")
	}
}

func TestRegionAndVersionHeaders(t *testing.T) {
	t.Parallel()
	client, srv := setup(t, nil, tencent.WithRegion("ap-guangzhou"))
	mint(t, client, tencent.NewPageRequest(1, 2))
	h := srv.Requests()[0].Header
	if h.Get("X-TC-Region") != "ap-guangzhou" || h.Get("X-TC-Version") != tencent.APIVersion ||
		h.Get("X-TC-Action") != tencent.ActionCreateEmbedToken || h.Get("Authorization") != "" {
		t.Errorf("headers = %v", h)
	}
}

func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	const n = 100
	client, srv := setup(t, nil, tencent.WithRateLimit(1e6), tencent.WithRateBurst(n))
	var (
		mu     sync.Mutex
		values = map[string]bool{}
		g      errgroup.Group
	)
	for i := 0; i < n; i++ {
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
	if c := srv.Count(tencent.ActionCreateEmbedToken); c != n {
		t.Errorf("count = %d, want %d", c, n)
	}
}
