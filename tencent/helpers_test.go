package tencent_test

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/biembed/biembed-go/tencent"
	"github.com/biembed/biembed-go/tencent/tencenttest"
)

// setup starts a fake and a client pointed at it with fast backoff and no
// client-side rate limit; opts come last so tests can override them.
func setup(t *testing.T, fakeOpts []tencenttest.Option, opts ...tencent.Option) (*tencent.Client, *tencenttest.Server) {
	t.Helper()
	srv := tencenttest.NewTestServer(t, fakeOpts...)
	base := []tencent.Option{
		tencent.WithSecret(tencenttest.SecretID, tencenttest.SecretKey),
		tencent.WithEndpoint(srv.Endpoint()),
		tencent.WithBackoff(time.Millisecond, 2*time.Millisecond),
		tencent.WithRateLimit(math.Inf(1)),
	}
	client, err := tencent.NewClient(append(base, opts...)...)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	t.Cleanup(client.CloseIdleConnections)
	return client, srv
}

// asError returns err as *tencent.Error or fails the test.
func asError(t *testing.T, err error) *tencent.Error {
	t.Helper()
	var e *tencent.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *tencent.Error", err, err)
	}
	return e
}

// mint creates a page token or fails the test.
func mint(t *testing.T, client *tencent.Client, req *tencent.CreateEmbedTokenRequest) *tencent.EmbedToken {
	t.Helper()
	tok, err := client.CreateEmbedToken(context.Background(), req)
	if err != nil {
		t.Fatalf("CreateEmbedToken: %v", err)
	}
	return tok
}
