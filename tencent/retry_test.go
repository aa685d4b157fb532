package tencent_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/biembed/biembed-go/biembedtest"
	"github.com/biembed/biembed-go/tencent"
	"github.com/biembed/biembed-go/tencent/tencenttest"
)

func TestRateLimitedAnswersAreRetried(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		times   int
		retries int
		wantErr bool
		count   int
	}{
		{"success on the third attempt", 2, 3, false, 3},
		{"more limits than retries", 5, 3, true, 4},
		{"retries off", 1, 0, true, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			client, srv := setup(t, nil, tencent.WithMaxRetries(c.retries))
			srv.Inject(tencenttest.Fault{Code: tencent.CodeRequestLimitExceeded, Times: c.times})
			tok, err := client.CreateEmbedToken(context.Background(), tencent.NewPageRequest(1, 2))
			if c.wantErr != (err != nil) || (err != nil && !errors.Is(err, tencent.ErrRateLimited)) {
				t.Fatalf("error = %v, want rate limited: %v", err, c.wantErr)
			}
			if !c.wantErr && tok.Value.Reveal() == "" {
				t.Error("no token after the retries")
			}
			if n := srv.Count(tencent.ActionCreateEmbedToken); n != c.count {
				t.Errorf("count = %d, want %d", n, c.count)
			}
		})
	}
}

func TestOtherErrorsAreNotRetried(t *testing.T) {
	t.Parallel()
	for _, code := range []string{tencent.CodeInternalError, tencent.CodeFailedOperation, tencent.CodeSignatureExpire} {
		client, srv := setup(t, nil)
		srv.Inject(tencenttest.Fault{Code: code, Times: 1})
		if _, err := client.CreateEmbedToken(context.Background(), tencent.NewPageRequest(1, 2)); err == nil {
			t.Fatalf("%s: no error", code)
		}
		if n := srv.Count(tencent.ActionCreateEmbedToken); n != 1 {
			t.Errorf("%s: count = %d, want 1", code, n)
		}
	}
}

func TestCanceledContextSendsNothing(t *testing.T) {
	t.Parallel()
	client, srv := setup(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	calls := []func() error{
		func() error { _, err := client.CreateEmbedToken(ctx, tencent.NewPageRequest(1, 2)); return err },
		func() error {
			return client.ApplyEmbedInterval(ctx, &tencent.ApplyEmbedIntervalRequest{ProjectID: 1, BIToken: "t", Intention: tencent.IntentionEmbed, Scope: tencent.ScopePanel})
		},
		func() error {
			return client.ClearEmbedToken(ctx, &tencent.ClearEmbedTokenRequest{ProjectID: 1, UserCorpID: "c", Scope: tencent.ScopePanel})
		},
	}
	for _, call := range calls {
		err := call()
		if e := asError(t, err); !errors.Is(err, context.Canceled) || e.Code != tencent.CodeContextDone {
			t.Errorf("error = %v, want CodeContextDone wrapping context.Canceled", err)
		}
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests reached the server, want 0", n)
	}
}

func TestAttemptTimeoutEndsASlowCall(t *testing.T) {
	t.Parallel()
	client, srv := setup(t, nil, tencent.WithTimeout(200*time.Millisecond))
	srv.Inject(tencenttest.Fault{Delay: time.Hour})
	err := client.ClearEmbedToken(context.Background(), &tencent.ClearEmbedTokenRequest{ProjectID: 1, UserCorpID: "c", Scope: tencent.ScopePanel})
	if e := asError(t, err); !errors.Is(err, context.DeadlineExceeded) || e.Code != tencent.CodeNetworkError {
		t.Errorf("error = %v, want a network error wrapping context.DeadlineExceeded", err)
	}
}

// cancelOn is a slog handler that cancels a context when a message is logged.
type cancelOn struct {
	message string
	cancel  context.CancelFunc
}

func (h cancelOn) Enabled(context.Context, slog.Level) bool { return true }
func (h cancelOn) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h cancelOn) WithGroup(string) slog.Handler            { return h }
func (h cancelOn) Handle(_ context.Context, r slog.Record) error {
	if r.Message == h.message {
		h.cancel()
	}
	return nil
}

func TestContextInterruptsBackoff(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	client, srv := setup(t, nil, tencent.WithBackoff(time.Hour, time.Hour),
		tencent.WithLogger(slog.New(cancelOn{message: "tencent: backing off", cancel: cancel})))
	srv.Inject(tencenttest.Fault{Code: tencent.CodeRequestLimitExceeded})

	_, err := client.CreateEmbedToken(ctx, tencent.NewPageRequest(1, 2))
	e := asError(t, err)
	if !errors.Is(err, tencent.ErrRateLimited) || !errors.Is(err, context.Canceled) || e.RequestID == "" {
		t.Errorf("error = %v, want the rate-limited answer with context.Canceled as cause", err)
	}
	if n := srv.Count(tencent.ActionCreateEmbedToken); n != 1 {
		t.Errorf("count = %d, want 1: no retry after ctx is done", n)
	}
}

func TestClientRateLimitRespectsDeadline(t *testing.T) {
	t.Parallel()
	client, srv := setup(t, nil, tencent.WithRateLimit(0.001))
	mint(t, client, tencent.NewPageRequest(1, 2)) // uses the burst
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := client.CreateEmbedToken(ctx, tencent.NewPageRequest(1, 2))
	if e := asError(t, err); e.Code != tencent.CodeContextDone || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error = %v, want CodeContextDone wrapping context.DeadlineExceeded", err)
	}
	if n := srv.Count(tencent.ActionCreateEmbedToken); n != 1 {
		t.Errorf("count = %d, want 1", n)
	}
	// Another action has its own budget.
	if err := client.ClearEmbedToken(ctx, &tencent.ClearEmbedTokenRequest{ProjectID: 1, UserCorpID: "c", Scope: tencent.ScopePanel}); err != nil {
		t.Errorf("ClearEmbedToken shares CreateEmbedToken's budget: %v", err)
	}
}

func TestFakeRateLimitIsRetriedThenReported(t *testing.T) {
	t.Parallel()
	frozen := biembedtest.NewClock(time.Now())
	client, srv := setup(t, []tencenttest.Option{
		tencenttest.WithRateLimit(1), tencenttest.WithClock(frozen),
	}, tencent.WithMaxRetries(1), tencent.WithClock(frozen))
	mint(t, client, tencent.NewPageRequest(1, 2))
	_, err := client.CreateEmbedToken(context.Background(), tencent.NewPageRequest(1, 2))
	if !errors.Is(err, tencent.ErrRateLimited) {
		t.Fatalf("error = %v, want ErrRateLimited", err)
	}
	if n := srv.Count(tencent.ActionCreateEmbedToken); n != 3 {
		t.Errorf("count = %d, want 3 (one success, one attempt and one retry)", n)
	}
}
