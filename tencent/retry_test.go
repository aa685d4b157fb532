package tencent_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/biembed/biembed-go/biembed"
	"github.com/biembed/biembed-go/internal/testkit/hostiletest"
	"github.com/biembed/biembed-go/internal/testkit/secrettest"
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
			client, srv := setup(t, nil, tencent.WithRetries(c.retries))
			srv.Inject(tencenttest.Fault{Code: "RequestLimitExceeded", Times: c.times})
			tok, err := client.CreateEmbedToken(context.Background(), tencent.NewPageRequest(1, 2))
			if c.wantErr != (err != nil) || (err != nil && !errors.Is(err, tencent.ErrRateLimited)) {
				t.Fatalf("error = %v, want rate limited: %v", err, c.wantErr)
			}
			if !c.wantErr && tok.Value.Reveal() == "" {
				t.Error("no token after the retries")
			}
			if c.wantErr && !biembed.Retryable(err) {
				t.Errorf("biembed.Retryable(%v) = false after the retries ran out", err)
			}
			if n := srv.Count("CreateEmbedToken"); n != c.count {
				t.Errorf("count = %d, want %d", n, c.count)
			}
		})
	}
}

// gate is a server of our own in front of a fake: for each action, the
// first bad requests get badAnswer, the others the fake's answer. It
// counts the requests of each action that reached it.
type gate struct {
	fake      http.Handler
	bad       int
	badAnswer http.HandlerFunc
	mu        sync.Mutex
	counts    map[string]int
}

func (g *gate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	action := r.Header.Get("X-TC-Action")
	g.mu.Lock()
	g.counts[action]++
	n := g.counts[action]
	g.mu.Unlock()
	if n <= g.bad && g.badAnswer != nil {
		g.badAnswer(w, r)
		return
	}
	g.fake.ServeHTTP(w, r)
}

func (g *gate) count(action string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.counts[action]
}

// TestRetryRule pins WithRetries' rule, counting requests at a server of
// our own that fails the first two of each action and then lets the fake
// answer: CreateEmbedToken is retried only where the service cannot have
// acted on it (a refused connection, RequestLimitExceeded, HTTP 503,
// InternalError), never after a timeout or a cut once the request was
// sent, nor after HTTP 500, 502 or 504; ApplyEmbedInterval and
// ClearEmbedToken are retried after all of these.
func TestRetryRule(t *testing.T) {
	t.Parallel()
	const retries = 2
	stop := make(chan struct{}) // ends the stalls when the test ends
	t.Cleanup(func() { close(stop) })
	stall := func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body) // so the server notices the client leave
		select {
		case <-r.Context().Done():
		case <-stop:
		}
	}
	scenarios := []struct {
		name         string
		fault        *tencenttest.Fault // injected into the fake, Times: 2
		badAnswer    http.HandlerFunc   // answered by the gate to the first two
		refuse       bool               // the first two dials are refused
		timeout      time.Duration      // WithTimeout
		mintRetried  bool
		mintSentinel []error // the mint's error when it is not retried
	}{
		{name: "connection refused", refuse: true, mintRetried: true},
		{name: "RequestLimitExceeded", fault: &tencenttest.Fault{Code: "RequestLimitExceeded"}, mintRetried: true},
		{name: "HTTP 503", fault: &tencenttest.Fault{HTTPStatus: 503}, mintRetried: true},
		{name: "InternalError", fault: &tencenttest.Fault{Code: "InternalError"}, mintRetried: true},
		{name: "timeout once sent", badAnswer: stall, timeout: time.Second,
			mintSentinel: []error{tencent.ErrTimeout}},
		{name: "connection cut once sent", badAnswer: hostiletest.Reset(""),
			mintSentinel: []error{tencent.ErrNetwork}},
		{name: "connection cut mid-body", fault: &tencenttest.Fault{CloseMidBody: true},
			mintSentinel: []error{tencent.ErrMalformedResponse}},
		{name: "HTTP 500", fault: &tencenttest.Fault{HTTPStatus: 500}, mintSentinel: []error{tencent.ErrHTTPStatus, tencent.ErrServer}},
		{name: "HTTP 500 carrying InternalError", fault: &tencenttest.Fault{HTTPStatus: 500, Code: "InternalError"},
			mintSentinel: []error{tencent.ErrHTTPStatus, tencent.ErrServer}},
		{name: "HTTP 502", fault: &tencenttest.Fault{HTTPStatus: 502}, mintSentinel: []error{tencent.ErrHTTPStatus, tencent.ErrServer}},
		{name: "HTTP 504", fault: &tencenttest.Fault{HTTPStatus: 504}, mintSentinel: []error{tencent.ErrHTTPStatus, tencent.ErrServer}},
	}
	actions := []string{"CreateEmbedToken", "ApplyEmbedInterval", "ClearEmbedToken"}
	for _, sc := range scenarios {
		for _, action := range actions {
			t.Run(sc.name+"/"+action, func(t *testing.T) {
				t.Parallel()
				fake := tencenttest.NewTestServer(t)
				g := &gate{fake: fake, counts: map[string]int{}}
				front := httptest.NewServer(g)
				t.Cleanup(front.Close)
				t.Cleanup(front.CloseClientConnections) // first: ends a stall
				// A token to extend, minted before any fault.
				tok := mint(t, clientFor(t, fake), tencent.NewPageRequest(7, 8))

				tr := &http.Transport{}
				t.Cleanup(tr.CloseIdleConnections)
				var dials atomic.Int32
				if sc.refuse {
					refused := closedAddress(t)
					var d net.Dialer
					tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
						if dials.Add(1) <= 2 {
							addr = refused
						}
						return d.DialContext(ctx, network, addr)
					}
				}
				opts := []tencent.Option{tencent.WithEndpoint(front.URL), tencent.WithRetries(retries), tencent.WithTransport(tr)}
				if sc.timeout > 0 {
					opts = append(opts, tencent.WithTimeout(sc.timeout))
				}
				client := clientFor(t, fake, opts...)
				if sc.fault != nil {
					f := *sc.fault
					f.Action, f.Times = action, 2
					fake.Inject(f)
				}
				g.mu.Lock()
				g.bad, g.badAnswer = 2, sc.badAnswer
				g.mu.Unlock()

				var err error
				switch action {
				case "CreateEmbedToken":
					var got *tencent.EmbedToken
					got, err = client.CreateEmbedToken(context.Background(), tencent.NewPageRequest(7, 8))
					watch(t, got)
				case "ApplyEmbedInterval":
					err = client.ApplyEmbedInterval(context.Background(), tencent.ExtendRequestFor(tok))
				case "ClearEmbedToken":
					err = client.ClearEmbedToken(context.Background(), &tencent.ClearEmbedTokenRequest{ProjectID: 7, UserCorpID: "c", Scope: tencent.ScopePanel})
				}
				retried := action != "CreateEmbedToken" || sc.mintRetried
				wantRequests := 1
				if retried {
					wantRequests = retries + 1
				}
				got := g.count(action)
				if sc.refuse {
					got, wantRequests = int(dials.Load()), retries+1 // the refused attempts reach no server
					if n := g.count(action); n != 1 {
						t.Errorf("the server got %d requests, want 1 (after two refused dials)", n)
					}
				}
				if got != wantRequests {
					t.Errorf("%d attempts, want %d", got, wantRequests)
				}
				switch {
				case retried && err != nil:
					t.Errorf("the retried call failed: %v", err)
				case !retried:
					asError(t, err)
					checkSentinels(t, err, sc.mintSentinel...)
				}
			})
		}
	}
}

// attemptSignal is a slog handler that passes records on to next and
// signals on attempts whose code is code, without blocking.
type attemptSignal struct {
	next slog.Handler
	code string
	ch   chan<- struct{}
}

func (h attemptSignal) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }
func (h attemptSignal) WithAttrs(a []slog.Attr) slog.Handler {
	return attemptSignal{h.next.WithAttrs(a), h.code, h.ch}
}
func (h attemptSignal) WithGroup(g string) slog.Handler {
	return attemptSignal{h.next.WithGroup(g), h.code, h.ch}
}
func (h attemptSignal) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == "tencent: attempt" {
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "code" && a.Value.String() == h.code {
				select {
				case h.ch <- struct{}{}:
				default:
				}
			}
			return true
		})
	}
	return h.next.Handle(ctx, r)
}

// TestCancelDuringBackoffStopsRetries: a call whose ctx ends after a
// retryable answer, while it backs off (an hour at most) before the next
// attempt, stops with that answer's error and sends nothing more.
func TestCancelDuringBackoffStopsRetries(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	limited := make(chan struct{}, 1)
	fake := tencenttest.NewTestServer(t)
	fake.Inject(tencenttest.Fault{Code: "RequestLimitExceeded"})
	rec := secrettest.New(t, tencenttest.SecretKey)
	logger := slog.New(attemptSignal{next: rec.Logger().Handler(), code: "RequestLimitExceeded", ch: limited})
	client := clientFor(t, fake, tencent.WithBackoff(time.Hour, time.Hour), tencent.WithRetries(3), tencent.WithLogger(logger))
	done := make(chan struct{})
	go func() {
		defer close(done)
		<-limited // the first answer is in: the client now backs off
		cancel()
	}()
	_, err := client.CreateEmbedToken(ctx, tencent.NewPageRequest(1, 2))
	<-done
	e := asError(t, rec.Err(err))
	if !errors.Is(err, tencent.ErrRateLimited) || e.RequestID == "" {
		t.Errorf("error = %v, want the rate-limited answer", err)
	}
	if n := fake.Count("CreateEmbedToken"); n != 1 {
		t.Errorf("count = %d, want 1: no retry after ctx is done", n)
	}
}

func TestClientRateLimitRespectsDeadline(t *testing.T) {
	t.Parallel()
	slow, err := biembed.NewRateLimiter(0.001, 1)
	if err != nil {
		t.Fatal(err)
	}
	client, srv := setup(t, nil, tencent.WithRateLimiter(slow))
	mint(t, client, tencent.NewPageRequest(1, 2)) // uses the burst
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err = client.CreateEmbedToken(ctx, tencent.NewPageRequest(1, 2))
	asError(t, err)
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, tencent.ErrTimeout) {
		t.Errorf("error = %v, want one matching context.DeadlineExceeded and ErrTimeout", err)
	}
	if n := srv.Count("CreateEmbedToken"); n != 1 {
		t.Errorf("count = %d, want 1", n)
	}
	// Another action has its own budget.
	if err := client.ClearEmbedToken(ctx, &tencent.ClearEmbedTokenRequest{ProjectID: 1, UserCorpID: "c", Scope: tencent.ScopePanel}); err != nil {
		t.Errorf("ClearEmbedToken shares CreateEmbedToken's budget: %v", err)
	}
}

func TestFakeRateLimitIsRetriedThenReported(t *testing.T) {
	t.Parallel()
	frozen := time.Now()
	client, srv := setup(t, []tencenttest.Option{
		tencenttest.WithRateLimit(1), tencenttest.WithClock(func() time.Time { return frozen }),
	}, tencent.WithRetries(1))
	mint(t, client, tencent.NewPageRequest(1, 2))
	_, err := client.CreateEmbedToken(context.Background(), tencent.NewPageRequest(1, 2))
	if !errors.Is(err, tencent.ErrRateLimited) {
		t.Fatalf("error = %v, want ErrRateLimited", err)
	}
	if n := srv.Count("CreateEmbedToken"); n != 3 {
		t.Errorf("count = %d, want 3 (one success, one attempt and one retry)", n)
	}
}
