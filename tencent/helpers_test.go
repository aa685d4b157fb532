package tencent_test

import (
	"context"
	"errors"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/biembed/biembed-go/internal/testkit/secrettest"
	"github.com/biembed/biembed-go/tencent"
	"github.com/biembed/biembed-go/tencent/tencenttest"
)

// recorders holds the secret-leak recorder of each test that called setup,
// so that every debug log line and every error a test inspects (asError)
// is checked for the secret key and the tokens it minted (mint).
var recorders sync.Map // testing.TB -> *secrettest.Recorder

func recorderOf(t testing.TB) *secrettest.Recorder {
	if r, ok := recorders.Load(t); ok {
		return r.(*secrettest.Recorder)
	}
	return nil
}

// setup starts a fake and a client pointed at it with fast backoff, no
// client-side rate limit and debug logging into a secret-leak recorder; opts
// come last so tests can override them.
func setup(t *testing.T, fakeOpts []tencenttest.Option, opts ...tencent.Option) (*tencent.Client, *tencenttest.Server) {
	t.Helper()
	srv := tencenttest.NewTestServer(t, fakeOpts...)
	rec := secrettest.New(t, tencenttest.SecretKey)
	recorders.Store(t, rec)
	t.Cleanup(func() { recorders.Delete(t) })
	base := []tencent.Option{
		tencent.WithLogger(rec.Logger()),
		tencent.WithSecret(tencenttest.SecretID, tencenttest.SecretKey),
		tencent.WithEndpoint(srv.URL()),
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
	if rec := recorderOf(t); rec != nil {
		_ = rec.Err(err)
	}
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
	if rec := recorderOf(t); rec != nil {
		rec.AddSecret(tok.Value.Reveal())
	}
	return tok
}
