package youshu_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/biembed/biembed-go/internal/testkit/hostiletest"
	"github.com/biembed/biembed-go/youshu"
	"github.com/biembed/biembed-go/youshu/youshutest"
)

// endpointOf names the endpoint of a request path ("" for others).
func endpointOf(path string) string {
	for _, e := range []string{"genToken", "rmToken", "renewToken"} {
		if strings.HasSuffix(path, "/api/dash/util/"+e) {
			return e
		}
	}
	return ""
}

// tally counts requests by endpoint; it is safe for concurrent use.
type tally struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *tally) add(endpoint string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[endpoint]++
}

func (c *tally) get(endpoint string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[endpoint]
}

// countingTransport counts the attempts the client makes, by endpoint,
// before they leave (so an attempt that never reaches a server counts too),
// and sends the requests of the endpoints in refuse to a port nothing
// listens on.
type countingTransport struct {
	base    *http.Transport
	tally   tally
	refuse  map[string]bool
	timed   string // when set, only this endpoint's attempts keep their per-attempt timeout
	closed  string // host:port nothing listens on
	after   func(endpoint string, n int)
	attempt atomic.Int32
}

func newCountingTransport(t *testing.T) *countingTransport {
	ct := &countingTransport{base: &http.Transport{DisableKeepAlives: true}, closed: closedPort(t)}
	t.Cleanup(ct.base.CloseIdleConnections)
	return ct
}

func (ct *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	endpoint := endpointOf(r.URL.Path)
	ct.tally.add(endpoint)
	if ct.refuse[endpoint] {
		r = r.Clone(r.Context())
		r.URL.Host = ct.closed
	}
	if ct.timed != "" && endpoint != ct.timed {
		r = r.WithContext(context.WithoutCancel(r.Context())) // a slow machine never fails the helper's mint
	}
	resp, err := ct.base.RoundTrip(r)
	if ct.after != nil {
		ct.after(endpoint, int(ct.attempt.Add(1)))
	}
	return resp, err
}

// misbehave answers genToken with a helper token and fails the endpoint
// under test the way mode says, counting what reaches it.
func misbehave(mode string, target string, seen *tally) http.HandlerFunc {
	fail := map[string]http.HandlerFunc{
		"HTTP 429":      hostiletest.JSON(429, `{"code":429,"message":"slow down"}`),
		"code 429":      hostiletest.JSON(200, `{"code":429,"message":"slow down"}`),
		"HTTP 503":      hostiletest.Body(503, "text/html", "<html>maintenance</html>"),
		"HTTP 500":      hostiletest.JSON(500, `{"code":500,"message":"boom"}`),
		"HTTP 502":      hostiletest.Body(502, "text/html", "<html>bad gateway</html>"),
		"HTTP 504":      hostiletest.Body(504, "", ""),
		"cut once sent": hostiletest.Reset(""),
		"cut mid-body":  hostiletest.Reset("HTTP/1.1 200 OK\r\nContent-Length: 4096\r\n\r\n" + `{"code":200,"res`),
		"timeout":       func(_ http.ResponseWriter, r *http.Request) { <-r.Context().Done() },
		"refused":       hostiletest.JSON(200, `{"code":200,"result":"never reached"}`),
	}[mode]
	return func(w http.ResponseWriter, r *http.Request) {
		endpoint := endpointOf(r.URL.Path)
		seen.add(endpoint)
		switch {
		case endpoint == target:
			fail(w, r)
		case endpoint == "genToken":
			hostiletest.JSON(200, `{"code":200,"result":"`+hostileHelper+`"}`)(w, r)
		default:
			hostiletest.JSON(200, `{"code":200,"result":"ok"}`)(w, r)
		}
	}
}

// TestRetryRule pins WithRetries' rule, counted at a server of our own and
// at the transport: genToken mints, so it is retried only when the server
// cannot have acted on it (a refused connection, HTTP or code 429, HTTP
// 503); rmToken and renewToken are also retried after a timeout, a
// connection cut once the request was sent and HTTP 500, 502 and 504. The
// default WithRetries(2) makes 3 attempts.
func TestRetryRule(t *testing.T) {
	t.Parallel()
	modes := []struct {
		mode        string
		genAttempts int
		want        []string
	}{
		{"refused", 3, []string{"ErrNetwork"}},
		{"HTTP 429", 3, []string{"ErrHTTPStatus", "ErrRateLimited"}},
		{"code 429", 3, []string{"ErrRateLimited"}},
		{"HTTP 503", 3, []string{"ErrHTTPStatus", "ErrServer"}},
		{"HTTP 500", 1, []string{"ErrHTTPStatus", "ErrServer"}},
		{"HTTP 502", 1, []string{"ErrHTTPStatus", "ErrServer"}},
		{"HTTP 504", 1, []string{"ErrHTTPStatus", "ErrServer"}},
		{"cut once sent", 1, []string{"ErrNetwork"}},
		{"cut mid-body", 1, []string{"ErrMalformedResponse"}},
		{"timeout", 1, []string{"ErrTimeout"}},
	}
	for _, m := range modes {
		for _, endpoint := range []string{"genToken", "rmToken", "renewToken"} {
			t.Run(m.mode+"/"+endpoint, func(t *testing.T) {
				t.Parallel()
				var seen tally
				srv := hostiletest.New(t, misbehave(m.mode, endpoint, &seen))
				tr := newCountingTransport(t)
				tr.refuse = map[string]bool{endpoint: m.mode == "refused"}
				opts := []youshu.Option{youshu.WithInsecureHTTP(), youshu.WithCredential(youshutest.AdminCredential()),
					youshu.WithTransport(tr), youshu.WithBackoff(time.Millisecond, time.Millisecond)}
				if m.mode == "timeout" {
					// Each attempt of the endpoint under test ends at this
					// timeout whenever it starts: the count does not
					// depend on the machine's speed.
					opts = append(opts, youshu.WithTimeout(100*time.Millisecond))
					tr.timed = endpoint
				}
				c, err := youshu.NewClient(srv.URL, opts...)
				require.NoError(t, err)
				ctx := context.Background()
				want := 3
				switch endpoint {
				case "genToken":
					_, err = c.GenToken(ctx, &youshu.GenTokenRequest{})
					want = m.genAttempts
				case "rmToken":
					err = c.RemoveToken(ctx, hostileTarget)
				case "renewToken":
					err = c.RenewToken(ctx, hostileTarget)
				}
				checkSentinels(t, err, endpoint, m.want...)
				assert.Equal(t, want, tr.tally.get(endpoint), "attempts")
				switch m.mode {
				case "refused":
					assert.Zero(t, seen.get(endpoint), "nothing reached the server")
				case "timeout":
					assert.LessOrEqual(t, seen.get(endpoint), want, "requests that reached the server")
				default:
					assert.Equal(t, want, seen.get(endpoint), "requests that reached the server")
				}
				if endpoint != "genToken" {
					assert.Equal(t, 1, seen.get("genToken"), "one helper token")
				}
			})
		}
	}
}

func TestRetriesOffSendsOnce(t *testing.T) {
	t.Parallel()
	srv := youshutest.NewTestServer(t)
	c := newClient(t, srv, youshu.WithRetries(0))
	srv.Inject(youshutest.Fault{HTTPStatus: 503})
	_, err := c.GenToken(context.Background(), &youshu.GenTokenRequest{})
	checkSentinels(t, err, "genToken", "ErrHTTPStatus", "ErrServer")
	assert.Equal(t, 1, srv.Count(""))
}

func TestRetryUntilSuccess(t *testing.T) {
	t.Parallel()
	srv := youshutest.NewTestServer(t)
	c := newClient(t, srv)
	ctx := context.Background()
	srv.Inject(youshutest.Fault{Endpoint: "genToken", HTTPStatus: 503, Times: 2})
	tok, err := c.GenToken(ctx, &youshu.GenTokenRequest{})
	require.NoError(t, err)
	assert.Equal(t, 3, srv.Count("genToken"), "503, 503, a token")

	srv.Inject(youshutest.Fault{Endpoint: "rmToken", HTTPStatus: 500, Times: 2})
	require.NoError(t, c.RemoveToken(ctx, tok.Value.Reveal()))
	assert.Equal(t, 3, srv.Count("rmToken"), "500, 500, ok")
	info, _ := srv.Lookup(tok.Value.Reveal())
	assert.True(t, info.Removed)
}

func TestContextCancelledBeforeCall(t *testing.T) {
	t.Parallel()
	srv := youshutest.NewTestServer(t)
	c := newClient(t, srv)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.GenToken(ctx, &youshu.GenTokenRequest{})
	assert.ErrorIs(t, err, context.Canceled)
	assert.True(t, strings.HasPrefix(err.Error(), "youshu genToken: "), err.Error())
	assert.ErrorIs(t, c.RemoveToken(ctx, "t"), context.Canceled)
	assert.ErrorIs(t, c.RenewToken(ctx, "t"), context.Canceled)
	assert.Zero(t, srv.Count(""), "no request after the context is done")
}

// TestContextCancelledDuringBackoff: an hour of backoff gives way to the
// caller's ctx; the test ends only if it does.
func TestContextCancelledDuringBackoff(t *testing.T) {
	t.Parallel()
	srv := youshutest.NewTestServer(t)
	ct := newCountingTransport(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := newClient(t, srv, youshu.WithTransport(ct), youshu.WithBackoff(time.Hour, time.Hour))
	tok, err := c.GenToken(ctx, &youshu.GenTokenRequest{})
	require.NoError(t, err)
	srv.Inject(youshutest.Fault{Endpoint: "renewToken", HTTPStatus: 503})
	ct.after = func(endpoint string, _ int) {
		if endpoint == "renewToken" {
			go cancel() // while the client waits to retry
		}
	}
	err = c.RenewToken(ctx, tok.Value.Reveal())
	// The error is the attempt's; it carries context.Canceled when the
	// cancel fell inside the backoff (pipeline.Do's Stopped), not when it
	// fell between the answer and the backoff.
	checkSentinels(t, err, "renewToken", "ErrHTTPStatus", "ErrServer")
	assert.Equal(t, 1, srv.Count("renewToken"), "no retry once ctx is done")
}

// TestContextDeadlineEndsSlowCall: the caller's ctx deadline ends a call
// whose server holds its answer back; the error names the vendor and the
// endpoint and matches both context.DeadlineExceeded and ErrTimeout, and
// nothing is retried after it. The deadline passes once the server has
// the request and stalls (no wall clock, no sleep).
func TestContextDeadlineEndsSlowCall(t *testing.T) {
	t.Parallel()
	for _, endpoint := range []string{"genToken", "rmToken", "renewToken"} {
		t.Run(endpoint, func(t *testing.T) {
			t.Parallel()
			srv := hostiletest.New(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if endpointOf(r.URL.Path) == endpoint {
					hostiletest.SlowHeaders()(w, r)
					return
				}
				hostiletest.JSON(200, `{"code":200,"result":"`+hostileHelper+`"}`)(w, r)
			}))
			c, err := youshu.NewClient(srv.URL, youshu.WithInsecureHTTP(), youshu.WithCredential(youshutest.AdminCredential()),
				youshu.WithBackoff(time.Millisecond, time.Millisecond))
			require.NoError(t, err)
			ctx, cancel := hostiletest.StalledDeadline(srv)
			defer cancel()
			switch endpoint {
			case "genToken":
				_, err = c.GenToken(ctx, &youshu.GenTokenRequest{})
			case "rmToken":
				err = c.RemoveToken(ctx, hostileTarget)
			default:
				err = c.RenewToken(ctx, hostileTarget)
			}
			checkSentinels(t, err, endpoint, "ErrTimeout")
			assert.ErrorIs(t, err, context.DeadlineExceeded)
			want := 1
			if endpoint != "genToken" {
				want = 2 // the helper's genToken, then the stalled call
			}
			assert.Equal(t, want, srv.Hits())
		})
	}
}

// TestPerAttemptTimeoutIsErrTimeout: an attempt that outlives WithTimeout
// is ErrTimeout (and context.DeadlineExceeded), and genToken is not sent
// again: the server may have minted.
func TestPerAttemptTimeoutIsErrTimeout(t *testing.T) {
	t.Parallel()
	srv := hostiletest.New(t, hostiletest.SlowHeaders())
	tr := newCountingTransport(t)
	c, err := youshu.NewClient(srv.URL, youshu.WithInsecureHTTP(), youshu.WithCredential(youshutest.AdminCredential()),
		youshu.WithTransport(tr), youshu.WithTimeout(20*time.Millisecond), youshu.WithBackoff(time.Millisecond, time.Millisecond))
	require.NoError(t, err)
	_, err = c.GenToken(context.Background(), &youshu.GenTokenRequest{})
	checkSentinels(t, err, "genToken", "ErrTimeout")
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, 1, tr.tally.get("genToken"), "a mint that timed out is not retried")
}

// TestPerAttemptTimeoutRetriesGET: a renewToken attempt that hits the
// per-attempt timeout is retried. Deterministic: the server holds the first
// attempt until the client hangs up (if it ever gets it: under load the
// timeout may pass before), and the second attempt runs without the
// timeout, so no wall-clock race decides the outcome.
func TestPerAttemptTimeoutRetriesGET(t *testing.T) {
	t.Parallel()
	srv := hostiletest.New(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case endpointOf(r.URL.Path) == "genToken":
			hostiletest.JSON(200, `{"code":200,"result":"`+hostileHelper+`"}`)(w, r)
		case r.Header.Get(attemptHeader) == "1":
			<-r.Context().Done() // until the client gives up on its first attempt
		default:
			hostiletest.JSON(200, `{"code":200,"result":"ok"}`)(w, r)
		}
	}))
	tr := &undeadlinedRetries{base: &http.Transport{}, endpoint: "renewToken"}
	t.Cleanup(tr.base.CloseIdleConnections)
	c, err := youshu.NewClient(srv.URL, youshu.WithInsecureHTTP(), youshu.WithTransport(tr), youshu.WithCredential(youshutest.AdminCredential()),
		youshu.WithTimeout(20*time.Millisecond), youshu.WithBackoff(time.Millisecond, time.Millisecond))
	require.NoError(t, err)

	require.NoError(t, c.RenewToken(context.Background(), hostileTarget), "the timed-out attempt was retried")
	assert.ErrorIs(t, tr.firstErr, context.DeadlineExceeded, "the first attempt ended at its own deadline")
	assert.Equal(t, int32(2), tr.n.Load())
}

const attemptHeader = "X-Test-Attempt"

// undeadlinedRetries numbers the attempts at endpoint in a header, passes
// the first through and strips the per-attempt deadline from later ones,
// recording the first attempt's error. Other endpoints run without a
// deadline.
type undeadlinedRetries struct {
	base     *http.Transport
	endpoint string
	n        atomic.Int32
	firstErr error
}

func (u *undeadlinedRetries) RoundTrip(r *http.Request) (*http.Response, error) {
	if endpointOf(r.URL.Path) != u.endpoint {
		return u.base.RoundTrip(r.WithContext(context.WithoutCancel(r.Context())))
	}
	n := u.n.Add(1)
	r = r.Clone(r.Context())
	r.Header.Set(attemptHeader, strconv.Itoa(int(n)))
	if n > 1 {
		return u.base.RoundTrip(r.WithContext(context.WithoutCancel(r.Context())))
	}
	resp, err := u.base.RoundTrip(r)
	u.firstErr = err
	return resp, err
}

// TestConnectionRefusedIsRetriedAndRetryable: a connection nothing accepts
// never carried the request, so even genToken is retried; what is left
// after the retries is an ErrNetwork worth trying again later, without the
// URL's query.
func TestConnectionRefusedIsRetriedAndRetryable(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		retries int
		want    int
	}{"default retries": {2, 3}, "retries off": {0, 1}} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ct := newCountingTransport(t)
			c, err := youshu.NewClient("http://"+closedPort(t), youshu.WithInsecureHTTP(), youshu.WithTransport(ct),
				youshu.WithCredential(youshutest.AdminCredential()), youshu.WithRetries(tc.retries),
				youshu.WithBackoff(time.Millisecond, time.Millisecond))
			require.NoError(t, err)
			_, err = c.GenToken(context.Background(), &youshu.GenTokenRequest{})
			checkSentinels(t, err, "genToken", "ErrNetwork")
			var ue *url.Error
			require.ErrorAs(t, err, &ue)
			assert.NotContains(t, ue.URL, "?")
			assert.Equal(t, tc.want, ct.tally.get("genToken"), "a request that was never sent may be retried")
			var e *youshu.Error
			require.ErrorAs(t, err, &e)
			assert.Zero(t, e.HTTPStatus)
			assert.False(t, errors.Is(err, context.DeadlineExceeded))
		})
	}
}
