package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/biembed/biembed-go/filtermap"
	"github.com/biembed/biembed-go/internal/testkit/secrettest"
	"github.com/biembed/biembed-go/tencent"
	"github.com/biembed/biembed-go/tencent/tencenttest"
	"github.com/biembed/biembed-go/youshu"
	"github.com/biembed/biembed-go/youshu/youshutest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// testClock is a clock the test moves by hand.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// fault is a vendor failure a test provokes.
type fault int

const (
	faultRateLimited fault = iota
	faultAuth
	faultInternal
)

// upstream is the detail the fake puts in failures: it belongs in the log only.
const upstream = "upstream-detail-5e1f: database on fire"

// testUsers are the demo users plus carol, whose rule the SDK rejects.
func testUsers() map[string]demoUser {
	users := map[string]demoUser{"carol": {Password: "carol-demo-password", Rows: filtermap.In("province")}}
	for name, u := range demoUsers {
		users[name] = u
	}
	return users
}

// fixture is a handler wired to one vendor's fake, and ways to watch the fake.
type fixture struct {
	handler  http.Handler
	rec      *secrettest.Recorder // fails the test if a secret reaches a log
	clock    *testClock           // the sessions' clock
	mints    func() int           // mint calls the fake received
	rows     func() string        // the row policy of the last mint, as the fake received it
	fail     func(fault)          // make every mint fail upstream
	heal     func()               // undo fail
	urlShape *regexp.Regexp       // what an embed URL looks like
	wantRows map[string]string    // user -> rows the fake must receive
}

func newFixture(t *testing.T, vendor string) fixture {
	t.Helper()
	var f fixture
	switch vendor {
	case "tencent":
		f = newTencentFixture(t)
	case "youshu":
		f = newYoushuFixture(t)
	default:
		t.Fatalf("unknown vendor %q", vendor)
	}
	for _, u := range testUsers() {
		f.rec.AddSecret(u.Password)
	}
	return f
}

func (f *fixture) build(t *testing.T, vendor string, emb embedder) {
	f.clock = &testClock{now: time.Now()}
	sess, err := newSessions(f.clock.Now)
	require.NoError(t, err)
	f.handler = newHandler(deps{Vendor: vendor, Embedder: emb, Users: testUsers(), Sessions: sess, Logger: f.rec.Logger()})
}

func newTencentFixture(t *testing.T) fixture {
	srv := tencenttest.NewTestServer(t)
	rec := secrettest.New(t, tencenttest.SecretKey)
	client, err := tencent.NewClient(tencent.WithSecret(tencenttest.SecretID, tencenttest.SecretKey),
		tencent.WithEndpoint(srv.URL()), tencent.WithEmbedHost(srv.URL()),
		tencent.WithMaxRetries(0), tencent.WithLogger(rec.Logger()))
	require.NoError(t, err)
	t.Cleanup(client.CloseIdleConnections)
	emb, err := newTencentEmbedder(client, 117, 11520)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, emb.cache.Close()) })

	codes := map[fault]string{faultRateLimited: tencent.CodeRequestLimitExceeded, faultAuth: "AuthFailure.SecretIdNotFound", faultInternal: tencent.CodeInternalError}
	f := fixture{
		rec:   rec,
		mints: func() int { return srv.Count(tencent.ActionCreateEmbedToken) },
		rows: func() string {
			reqs := srv.Requests()
			return fmt.Sprint(reqs[len(reqs)-1].Params["GlobalParam"])
		},
		fail: func(k fault) {
			srv.Inject(tencenttest.Fault{Action: tencent.ActionCreateEmbedToken, Code: codes[k], Message: upstream})
		},
		heal:     srv.ClearFaults,
		urlShape: regexp.MustCompile(`^` + regexp.QuoteMeta(srv.URL()) + `/page/embed\?authType=strong&projectId=117&pageId=11520&scope=page&token=[^&]+$`),
		wantRows: map[string]string{
			"alice": `[{"ParamKey":"province","JoinType":"AND","WhereList":[{"Operator":"-eq","Value":["Hubei"]}]}]`,
			"bob":   `[{"ParamKey":"province","JoinType":"AND","WhereList":[{"Operator":"-eq","Value":["Guangdong"]}]}]`,
		},
	}
	f.build(t, "tencent", emb)
	return f
}

func newYoushuFixture(t *testing.T) fixture {
	srv := youshutest.NewTestServer(t)
	rec := secrettest.New(t, youshutest.Secrets()...)
	client, err := youshu.NewClient(srv.URL(), youshu.WithInsecureHTTP(),
		youshu.WithCredential(youshu.TokenKey(youshutest.User().TokenKey)), youshu.WithLogger(rec.Logger()))
	require.NoError(t, err)
	t.Cleanup(client.CloseIdleConnections)
	emb, err := newYoushuEmbedder(client, 1, 700006204)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, emb.cache.Close()) })

	rowsOf := func(values string) string {
		return `{"700006204":{"rule":"and","dataFilters":[{"filterType":"listFilter","selectType":"select","tableName":"orders",` +
			`"filter":{"dim":{"field":"province","dataType":"String"},"select":` + values + `}}]}}`
	}
	faults := map[fault]youshutest.Fault{
		faultRateLimited: {Endpoint: youshu.EndpointGenToken, HTTPStatus: http.StatusTooManyRequests, Message: upstream},
		faultAuth:        {Endpoint: youshu.EndpointGenToken, Code: youshu.CodeUnauthorized, Message: upstream},
		faultInternal:    {Endpoint: youshu.EndpointGenToken, Code: 500, Message: upstream},
	}
	f := fixture{
		rec:   rec,
		mints: func() int { return srv.Count(youshu.EndpointGenToken) },
		rows: func() string {
			reqs := srv.Requests()
			b, err := json.Marshal(reqs[len(reqs)-1].GenToken.FilterMap)
			require.NoError(t, err)
			return string(b)
		},
		fail:     func(k fault) { srv.Inject(faults[k]) },
		heal:     srv.ClearFaults,
		urlShape: regexp.MustCompile(`^` + regexp.QuoteMeta(srv.URL()) + `/dash/integration/1\?token=[0-9a-f]+$`),
		wantRows: map[string]string{"alice": rowsOf(`["Hubei"]`), "bob": rowsOf(`["Guangdong"]`)},
	}
	f.build(t, "youshu", emb)
	return f
}

var vendors = []string{"tencent", "youshu"}

// do sends one request to h and checks the headers every answer must carry.
func do(t *testing.T, h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	assert.Equal(t, "no-store", w.Header().Get("Cache-Control"), "%s %s", r.Method, r.URL)
	assert.Equal(t, "same-origin", w.Header().Get("Referrer-Policy"), "%s %s", r.Method, r.URL)
	return w
}

// get builds a GET request carrying cookie (none when nil).
func get(target string, cookie *http.Cookie) *http.Request {
	r := httptest.NewRequest(http.MethodGet, target, nil)
	if cookie != nil {
		r.AddCookie(cookie)
	}
	return r
}

// postForm builds a same-origin form POST, as the browser sends it.
func postForm(target string, form url.Values) *http.Request {
	r := httptest.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Origin", "http://"+r.Host)
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	return r
}

// login signs user in and returns the session cookie.
func login(t *testing.T, f fixture, user, password string) *http.Cookie {
	t.Helper()
	w := do(t, f.handler, postForm("/login", url.Values{"user": {user}, "password": {password}}))
	require.Equal(t, http.StatusSeeOther, w.Code, w.Body.String())
	assert.Equal(t, "/", w.Header().Get("Location"))
	cookies := w.Result().Cookies()
	require.Len(t, cookies, 1)
	f.rec.AddSecret(cookies[0].Value)
	return cookies[0]
}

// embedAnswer is the JSON of GET /embed, success or failure.
type embedAnswer struct {
	URL       string `json:"url"`
	ExpiresAt string `json:"expiresAt"`
	Error     string `json:"error"`
}

func getEmbed(t *testing.T, f fixture, cookie *http.Cookie, query string, wantStatus int) (embedAnswer, http.Header) {
	t.Helper()
	w := do(t, f.handler, get("/embed"+query, cookie))
	require.Equal(t, wantStatus, w.Code, w.Body.String())
	assert.Equal(t, "application/json", w.Header().Get("Content-Type"))
	assert.NotContains(t, w.Body.String(), `\u0026`, "URLs must stay readable")
	var a embedAnswer
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &a), w.Body.String())
	if a.URL != "" {
		f.rec.AddSecret(tokenOf(t, a.URL))
	}
	return a, w.Header()
}

// tokenOf returns the token a URL carries.
func tokenOf(t *testing.T, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	require.NoError(t, err)
	tok := u.Query().Get("token")
	require.NotEmpty(t, tok)
	return tok
}

func TestEmbed(t *testing.T) {
	t.Parallel()
	for _, vendor := range vendors {
		t.Run(vendor, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, vendor)
			aliceCookie := login(t, f, "alice", demoUsers["alice"].Password)

			alice, _ := getEmbed(t, f, aliceCookie, "", http.StatusOK)
			assert.Regexp(t, f.urlShape, alice.URL)
			expires, err := time.Parse(time.RFC3339, alice.ExpiresAt)
			require.NoError(t, err)
			assert.True(t, expires.After(time.Now()) && !expires.After(time.Now().Add(tokenLifetime)), alice.ExpiresAt)
			assert.Equal(t, 1, f.mints())
			assert.Equal(t, f.wantRows["alice"], f.rows())

			again, _ := getEmbed(t, f, aliceCookie, "", http.StatusOK)
			assert.Equal(t, alice.URL, again.URL, "the second request must be served from the cache")
			assert.Equal(t, 1, f.mints())

			bobCookie := login(t, f, "bob", demoUsers["bob"].Password)
			bob, _ := getEmbed(t, f, bobCookie, "", http.StatusOK)
			assert.Regexp(t, f.urlShape, bob.URL)
			assert.NotEqual(t, alice.URL, bob.URL)
			assert.Equal(t, 2, f.mints())
			assert.Equal(t, f.wantRows["bob"], f.rows())
		})
	}
}

// TestUserCannotPickAnotherUser: the session decides whose rows a token
// shows; a query parameter naming someone else changes nothing.
func TestUserCannotPickAnotherUser(t *testing.T) {
	t.Parallel()
	for _, vendor := range vendors {
		t.Run(vendor, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, vendor)
			aliceCookie := login(t, f, "alice", demoUsers["alice"].Password)
			for _, query := range []string{"?user=bob", "?user=bob&user=alice", "?name=bob"} {
				a, _ := getEmbed(t, f, aliceCookie, query, http.StatusOK)
				assert.Regexp(t, f.urlShape, a.URL)
				assert.Equal(t, f.wantRows["alice"], f.rows(), query)
			}
			assert.Equal(t, 1, f.mints(), "every answer was alice's cached token")
		})
	}
}

// TestUnauthenticated: without a valid session nothing is minted; the page
// sends the browser to the login form and /embed answers 401.
func TestUnauthenticated(t *testing.T) {
	t.Parallel()
	for _, vendor := range vendors {
		t.Run(vendor, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, vendor)
			good := login(t, f, "alice", demoUsers["alice"].Password)
			other := newFixture(t, vendor) // signs with another key
			foreign := login(t, other, "alice", demoUsers["alice"].Password)

			payload, sig, _ := strings.Cut(good.Value, ".")
			raw, err := base64Decode(payload)
			require.NoError(t, err)
			forged := *good
			forged.Value = b64(strings.Replace(raw, "alice", "bob", 1)) + "." + sig

			for name, cookie := range map[string]*http.Cookie{
				"no cookie":          nil,
				"empty cookie":       {Name: sessionCookie, Value: ""},
				"garbage":            {Name: sessionCookie, Value: "alice"},
				"user name only":     {Name: sessionCookie, Value: b64("bob|99999999999") + "."},
				"changed user":       &forged,
				"another server key": foreign,
			} {
				w := do(t, f.handler, get("/", cookie))
				assert.Equal(t, http.StatusSeeOther, w.Code, name)
				assert.Equal(t, "/login", w.Header().Get("Location"), name)
				a, _ := getEmbed(t, f, cookie, "?user=alice", http.StatusUnauthorized)
				assert.Equal(t, embedAnswer{Error: "sign in first"}, a, name)
			}

			// The session expires.
			getEmbed(t, f, good, "", http.StatusOK)
			f.clock.Advance(sessionLifetime)
			getEmbed(t, f, good, "", http.StatusUnauthorized)
			assert.Equal(t, 1, f.mints(), "no unauthenticated request reached the vendor")
		})
	}
}

func base64Decode(s string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	return string(b), err
}

// TestLogin: the password is checked, the cookie is HttpOnly, SameSite=Lax
// and expires, and a form posted from another site is refused.
func TestLogin(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "youshu")

	w := do(t, f.handler, get("/login", nil))
	assert.Equal(t, http.StatusOK, w.Code)
	assert.Contains(t, w.Body.String(), `<form method="post" action="/login">`)
	assert.NotContains(t, w.Body.String(), demoUsers["alice"].Password)

	for name, form := range map[string]url.Values{
		"wrong password":   {"user": {"alice"}, "password": {demoUsers["bob"].Password}},
		"unknown user":     {"user": {"mallory"}, "password": {"x"}},
		"no password":      {"user": {"alice"}},
		"case of the user": {"user": {"Alice"}, "password": {demoUsers["alice"].Password}},
	} {
		w := do(t, f.handler, postForm("/login", form))
		assert.Equal(t, http.StatusUnauthorized, w.Code, name)
		assert.Empty(t, w.Result().Cookies(), name)
		assert.Contains(t, w.Body.String(), "Wrong user name or password.", name)
	}

	c := login(t, f, "alice", demoUsers["alice"].Password)
	assert.Equal(t, sessionCookie, c.Name)
	assert.True(t, c.HttpOnly)
	assert.Equal(t, http.SameSiteLaxMode, c.SameSite)
	assert.Equal(t, "/", c.Path)
	assert.Equal(t, int(sessionLifetime/time.Second), c.MaxAge)
	assert.WithinDuration(t, f.clock.Now().Add(sessionLifetime), c.Expires, time.Second)
	assert.NotContains(t, c.Value, demoUsers["alice"].Password)

	w = do(t, f.handler, get("/", c))
	assert.Equal(t, http.StatusOK, w.Code)
	assert.Contains(t, w.Body.String(), `Signed in as <strong id="who">alice</strong>`)

	for name, header := range map[string]map[string]string{
		"cross-site":                {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
		"same site, another port":   {"Sec-Fetch-Site": "same-site", "Origin": "http://example.com:8081"},
		"older browser, other site": {"Sec-Fetch-Site": "", "Origin": "https://evil.example"},
		"older browser, null":       {"Sec-Fetch-Site": "", "Origin": "null"},
	} {
		r := postForm("/login", url.Values{"user": {"alice"}, "password": {demoUsers["alice"].Password}})
		for k, v := range header {
			r.Header.Del(k)
			if v != "" {
				r.Header.Set(k, v)
			}
		}
		w := do(t, f.handler, r)
		assert.Equal(t, http.StatusForbidden, w.Code, name)
		assert.Empty(t, w.Result().Cookies(), name)
	}

	w = do(t, f.handler, postForm("/logout", nil))
	assert.Equal(t, http.StatusSeeOther, w.Code)
	assert.Equal(t, "/login", w.Header().Get("Location"))
	require.Len(t, w.Result().Cookies(), 1)
	assert.Equal(t, -1, w.Result().Cookies()[0].MaxAge)

	logs := f.rec.Logs()
	assert.Contains(t, logs, "sign-in failed")
	assert.Contains(t, logs, `"user":"mallory"`)
}

// TestEmbedErrorStatuses: each kind of failure gets its status; the browser
// learns nothing of the cause, the log has it, and failures are not cached.
func TestEmbedErrorStatuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		fault      fault
		status     int
		retryAfter string
	}{
		{"rate limited", faultRateLimited, http.StatusServiceUnavailable, "1"},
		{"vendor refuses credentials", faultAuth, http.StatusBadGateway, ""},
		{"vendor internal error", faultInternal, http.StatusInternalServerError, ""},
	}
	for _, vendor := range vendors {
		for _, tt := range tests {
			t.Run(vendor+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				f := newFixture(t, vendor)
				c := login(t, f, "alice", demoUsers["alice"].Password)
				f.fail(tt.fault)

				a, h := getEmbed(t, f, c, "", tt.status)
				assert.NotEmpty(t, a.Error)
				assert.Empty(t, a.URL)
				assert.Equal(t, tt.retryAfter, h.Get("Retry-After"))
				assert.NotContains(t, a.Error, "upstream-detail")
				assert.Contains(t, f.rec.Logs(), "minting an embed token failed")
				assert.Contains(t, f.rec.Logs(), fmt.Sprintf(`"status":%d`, tt.status))
				assert.Equal(t, 1, f.mints())

				// Failures are not cached: once the vendor is back, the next request mints.
				f.heal()
				getEmbed(t, f, c, "", http.StatusOK)
				assert.Equal(t, 2, f.mints())
			})
		}
		t.Run(vendor+"/invalid request", func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, vendor)
			c := login(t, f, "carol", "carol-demo-password")
			a, _ := getEmbed(t, f, c, "", http.StatusBadRequest)
			assert.Equal(t, "this embed request is invalid", a.Error)
			assert.Equal(t, 0, f.mints(), "bad input never reaches the vendor")
			assert.Contains(t, f.rec.Logs(), `"status":400`)
		})
	}
}

func TestStatusOfWrappedErrors(t *testing.T) {
	t.Parallel()
	status, _ := statusOf(fmt.Errorf("cache: %w", &youshu.Error{HTTPStatus: http.StatusTooManyRequests}))
	assert.Equal(t, http.StatusServiceUnavailable, status)
	for _, err := range []error{tencent.ErrAuthFailure, tencent.ErrUnauthorized, youshu.ErrUnauthorized} {
		status, _ = statusOf(fmt.Errorf("cache: %w", err))
		assert.Equal(t, http.StatusBadGateway, status, "%v", err)
	}
	status, _ = statusOf(fmt.Errorf("cache: %w", tencent.ErrInvalid))
	assert.Equal(t, http.StatusBadRequest, status)
	status, _ = statusOf(context.DeadlineExceeded)
	assert.Equal(t, http.StatusInternalServerError, status)
	status, _ = statusOf(errors.New("anything"))
	assert.Equal(t, http.StatusInternalServerError, status)
}

func TestPageAndRoutes(t *testing.T) {
	t.Parallel()
	for _, vendor := range vendors {
		t.Run(vendor, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, vendor)
			c := login(t, f, "bob", demoUsers["bob"].Password)

			w := do(t, f.handler, get("/", c))
			require.Equal(t, http.StatusOK, w.Code)
			assert.Equal(t, "text/html; charset=utf-8", w.Header().Get("Content-Type"))
			body := w.Body.String()
			assert.Contains(t, body, `<iframe id="report"`)
			assert.Contains(t, body, `fetch("/embed"`)
			assert.NotContains(t, body, "token=", "the page must not carry a token")
			assert.NotContains(t, body, "?user=", "the page must not name a user in a URL")
			assert.Equal(t, 0, f.mints(), "serving the page mints nothing")

			assert.Equal(t, http.StatusNotFound, do(t, f.handler, get("/nothing-here", c)).Code)
			assert.Equal(t, http.StatusMethodNotAllowed, do(t, f.handler, postForm("/embed", nil)).Code)
			assert.Equal(t, 0, f.mints())
		})
	}
}

// logSink collects run's log and hands over the address it listens on.
type logSink struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	addr chan string
}

var listening = regexp.MustCompile(`msg=listening addr=(http://\S+)`)

func (s *logSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.buf.Write(p)
	if m := listening.FindSubmatch(p); m != nil {
		select {
		case s.addr <- string(m[1]):
		default:
		}
	}
	return len(p), nil
}

func (s *logSink) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// startRun starts the whole server in fake mode on a loopback port, as the
// README's quickstart does, and returns its base URL and a func that stops it
// and returns its log.
func startRun(t *testing.T, vendor string) (base string, stop func() string) {
	t.Helper()
	sink := &logSink{addr: make(chan string, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, slogText(sink), func(string) string { return "" },
			[]string{"-addr", "127.0.0.1:0", "-vendor", vendor}, io.Discard)
	}()
	select {
	case base = <-sink.addr:
	case err := <-done:
		cancel()
		t.Fatalf("run ended before listening: %v\n%s", err, sink)
	}
	var once sync.Once
	stop = func() string {
		once.Do(func() {
			cancel()
			require.NoError(t, <-done)
		})
		return sink.String()
	}
	t.Cleanup(func() { stop() })
	return base, stop
}

// TestRun signs in over HTTP to the whole server in fake mode, gets an
// embed URL, and shuts the server down.
func TestRun(t *testing.T) {
	t.Parallel()
	for _, vendor := range vendors {
		t.Run(vendor, func(t *testing.T) {
			t.Parallel()
			base, stop := startRun(t, vendor)
			jar, err := cookiejar.New(nil)
			require.NoError(t, err)
			client := &http.Client{Transport: &http.Transport{}, Jar: jar}
			defer client.CloseIdleConnections()

			status, body := fetch(t, client, http.MethodGet, base+"/embed?user=alice", nil)
			assert.Equal(t, http.StatusUnauthorized, status, body)
			status, body = fetch(t, client, http.MethodGet, base+"/", nil)
			assert.Equal(t, http.StatusOK, status)
			assert.Contains(t, body, `action="/login"`, "an anonymous visitor lands on the login form")

			status, body = fetch(t, client, http.MethodPost, base+"/login",
				url.Values{"user": {"alice"}, "password": {demoUsers["alice"].Password}})
			assert.Equal(t, http.StatusOK, status)
			assert.Contains(t, body, `Signed in as <strong id="who">alice</strong>`)

			status, body = fetch(t, client, http.MethodGet, base+"/embed", nil)
			assert.Equal(t, http.StatusOK, status, body)
			assert.Contains(t, body, `"url":"http://127.0.0.1:`, "in fake mode the iframe shows the fake's page")
			status, embedPage := fetch(t, client, http.MethodGet, embedURLOf(t, []byte(body)), nil)
			assert.Equal(t, http.StatusOK, status, embedPage)
			assert.Contains(t, embedPage, `<section id="grant"`)
			assert.Contains(t, embedPage, "Hubei")
			assert.NotContains(t, embedPage, "Guangdong")

			logs := stop()
			assert.Contains(t, logs, "fake mode")
			assert.Contains(t, logs, "shutting down")
			assert.NotContains(t, logs, tokenOf(t, embedURLOf(t, []byte(body))), "the log must not hold a token")
			assert.NotContains(t, logs, demoUsers["alice"].Password, "the log must not hold a password")
		})
	}
}

// fetch sends one request (a form POST when form is not nil) and returns
// the final status and body, after redirects.
func fetch(t *testing.T, client *http.Client, method, target string, form url.Values) (int, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, target, body)
	require.NoError(t, err)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := client.Do(req)
	require.NoError(t, err)
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, resp.Body.Close())
	require.NoError(t, err)
	assert.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
	return resp.StatusCode, string(b)
}

// TestHelp: -h prints the usage, with the demo users, and exits 0.
func TestHelp(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	sink := &logSink{addr: make(chan string, 1)}
	err := run(context.Background(), slogText(sink), func(string) string { return "" }, []string{"-h"}, &out)
	assert.ErrorIs(t, err, flag.ErrHelp)
	assert.Equal(t, 0, exitCode(err))
	assert.Contains(t, out.String(), "Usage: embed-server [flags]")
	assert.Contains(t, out.String(), "-vendor")
	assert.Contains(t, out.String(), "alice / alice-demo-password")
	assert.Empty(t, sink.String(), "-h logs nothing")
}

func TestExitCode(t *testing.T) {
	t.Parallel()
	assert.Equal(t, 0, exitCode(nil))
	assert.Equal(t, 0, exitCode(flag.ErrHelp))
	assert.Equal(t, 2, exitCode(usageError{errors.New("flag provided but not defined: -nope")}))
	assert.Equal(t, 1, exitCode(errors.New("listen: address in use")))
}

func slogText(w io.Writer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }

func embedURLOf(t *testing.T, body []byte) string {
	t.Helper()
	var a embedAnswer
	require.NoError(t, json.Unmarshal(body, &a))
	return a.URL
}

func TestRunErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		env     map[string]string
		args    []string
		wantErr string
	}{
		{"unknown vendor", nil, []string{"-vendor", "looker"}, `-vendor must be tencent or youshu, not "looker"`},
		{"half a Tencent key pair", map[string]string{"TENCENTCLOUD_SECRET_KEY": "k"}, nil, "set both TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY"},
		{"half a Youshu configuration", map[string]string{"YOUSHU_BASE_URL": "https://bi.example.com"}, []string{"-vendor", "youshu"}, "set both YOUSHU_BASE_URL and YOUSHU_TOKEN_KEY"},
		{"plain http Youshu host", map[string]string{"YOUSHU_BASE_URL": "http://bi.example.com", "YOUSHU_TOKEN_KEY": "k"}, []string{"-vendor", "youshu"}, "must use https"},
		{"bad listen address", nil, []string{"-addr", "127.0.0.1:-1"}, "listen"},
		{"unknown flag", nil, []string{"-nope"}, "flag provided but not defined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sink := &logSink{addr: make(chan string, 1)}
			err := run(context.Background(), slogText(sink), func(k string) string { return tt.env[k] }, tt.args, io.Discard)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
			assert.NotContains(t, sink.String(), "msg=listening")
			assert.False(t, strings.Contains(sink.String(), "real host"), "no client may be made from a bad configuration")
		})
	}
}
