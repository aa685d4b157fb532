package main

import (
	"bytes"
	"context"
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
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/biembed/biembed-go/biembedtest"
	"github.com/biembed/biembed-go/filtermap"
	"github.com/biembed/biembed-go/internal/testkit/secrettest"
	"github.com/biembed/biembed-go/tencent"
	"github.com/biembed/biembed-go/tencent/tencenttest"
	"github.com/biembed/biembed-go/tokencache"
	"github.com/biembed/biembed-go/youshu"
	"github.com/biembed/biembed-go/youshu/youshutest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(cleanup{m}) }

// cleanup runs the tests, then stops the shared browser and removes the
// built server, before goleak looks for leaks.
type cleanup struct{ m *testing.M }

func (c cleanup) Run() int {
	code := c.m.Run()
	stopBrowser()
	if binDir != "" {
		_ = os.RemoveAll(binDir)
	}
	return code
}

// fault is a vendor failure a test provokes.
type fault int

const (
	faultRateLimited fault = iota
	faultAuth
	faultUnavailable
)

// upstream is the detail the fake puts in failures: it belongs nowhere.
const upstream = "upstream-detail-5e1f: database on fire"

// testUsers are the demo users plus carol, whose rule the SDK rejects.
func testUsers() map[string]demoUser {
	users := map[string]demoUser{"carol": {Password: "carol-demo-password", CorpID: "demo-x", Rows: filtermap.In("province")}}
	for name, u := range demoUsers {
		users[name] = u
	}
	return users
}

// fixture is the app wired to one vendor's fake, everything on one manual
// clock, and ways to watch and steer the fake.
type fixture struct {
	vendor  string
	app     *app
	handler http.Handler
	rec     *secrettest.Recorder // fails the test if a secret reaches a log
	clock   *biembedtest.Clock

	mints    func() int                // embed tokens minted at the vendor
	extends  func() int                // extensions at the vendor (ApplyEmbedInterval, renewToken)
	grant    func(token string) string // "user|rows" the vendor holds for a token; "" when it is gone
	fail     func(fault)               // make every vendor call fail
	heal     func()                    // undo fail
	urlShape *regexp.Regexp            // what an embed URL looks like
	pages    func() int                // embed page visits at the fake
}

var vendors = []string{"tencent", "youshu"}

func newFixture(t *testing.T, vendor string) *fixture {
	t.Helper()
	f := &fixture{vendor: vendor, clock: biembedtest.NewClock(time.Now().Truncate(time.Second))}
	var b backend
	switch vendor {
	case "tencent":
		b = f.tencent(t)
	case "youshu":
		b = f.youshu(t)
	default:
		t.Fatalf("unknown vendor %q", vendor)
	}
	for _, u := range testUsers() {
		f.rec.AddSecret(u.Password)
	}
	f.app = &app{Vendor: vendor, Backend: b, Users: newDirectory(testUsers()), Sessions: newSessions(f.clock.Now),
		Logins: newThrottle(f.clock.Now, 5, time.Minute), Now: f.clock.Now, Logger: f.rec.Logger()}
	f.handler = newHandler(f.app)
	return f
}

func (f *fixture) tencent(t *testing.T) backend {
	srv := tencenttest.NewTestServer(t, tencenttest.WithClock(f.clock.Now))
	f.rec = secrettest.New(t, tencenttest.SecretKey)
	client, err := tencent.NewClient(tencent.WithSecret(tencenttest.SecretID, tencenttest.SecretKey),
		tencent.WithEndpoint(srv.URL()), tencent.WithEmbedHost(srv.URL()), tencent.WithClock(f.clock.Now),
		tencent.WithRetries(0), tencent.WithLogger(f.rec.Logger()))
	require.NoError(t, err)
	cache, err := tencent.NewCache(client, tokencache.Options{Now: f.clock.Now, Logger: f.rec.Logger()})
	require.NoError(t, err)
	t.Cleanup(func() { _ = cache.Close() })
	codes := map[fault]string{faultRateLimited: "RequestLimitExceeded", faultAuth: "AuthFailure.SecretIdNotFound", faultUnavailable: "InternalError"}
	f.mints = func() int { return srv.Count("CreateEmbedToken") }
	f.extends = func() int { return srv.Count("ApplyEmbedInterval") }
	f.pages = func() int { return srv.Count(tencenttest.EmbedPage) }
	f.grant = func(token string) string {
		tok, ok := srv.Lookup(token)
		if !ok || !f.clock.Now().Before(tok.ExpiresAt) {
			return ""
		}
		return tok.UserCorpID + "/" + tok.UserID + "|" + strings.Join(tok.Request.GlobalParams[0].WhereList[0].Value, ",")
	}
	f.fail = func(k fault) {
		srv.Inject(tencenttest.Fault{Code: codes[k], Message: upstream})
	}
	f.heal = srv.ClearFaults
	f.urlShape = regexp.MustCompile(`^` + regexp.QuoteMeta(srv.URL()) + `/page/embed\?authType=strong&projectId=117&pageId=11520&scope=page&token=[^&]+$`)
	return &tencentBackend{cache: cache, project: 117, page: 11520, host: srv.URL()}
}

func (f *fixture) youshu(t *testing.T) backend {
	opts := []youshutest.Option{youshutest.WithClock(f.clock.Now)}
	for name := range testUsers() {
		opts = append(opts, youshutest.WithAccount(youshutest.Account{UniqueID: name, Email: name + "@example.com"}))
	}
	srv := youshutest.NewTestServer(t, opts...)
	f.rec = secrettest.New(t, youshutest.Secrets()...)
	client, err := youshu.NewClient(srv.URL(), youshu.WithInsecureHTTP(), youshu.WithClock(f.clock.Now),
		youshu.WithCredential(youshutest.AdminCredential()), youshu.WithRetries(0), youshu.WithLogger(f.rec.Logger()))
	require.NoError(t, err)
	cache, err := youshu.NewCache(client, tokencache.Options{Now: f.clock.Now, Logger: f.rec.Logger()})
	require.NoError(t, err)
	t.Cleanup(func() { _ = cache.Close() })
	faults := map[fault]youshutest.Fault{
		faultRateLimited: {HTTPStatus: http.StatusTooManyRequests, Message: upstream},
		faultAuth:        {Code: 401, Message: upstream},
		faultUnavailable: {HTTPStatus: http.StatusServiceUnavailable, Message: upstream},
	}
	f.mints = func() int {
		n := 0
		for _, r := range srv.Requests() {
			if r.GenToken != nil && r.GenToken.UseType == "" {
				n++
			}
		}
		return n
	}
	f.extends = func() int { return srv.Count("renewToken") }
	f.pages = func() int { return srv.Count(youshutest.EndpointIntegration) }
	f.grant = func(token string) string {
		tok, ok := srv.Lookup(token)
		if !ok || tok.Removed || !f.clock.Now().Before(tok.ExpiresAt) {
			return ""
		}
		return tok.Subject + "|" + strings.Join(tok.Request.FilterMap["700006204"].DataFilters[0].Filter.Select, ",")
	}
	f.fail = func(k fault) { srv.Inject(faults[k]) }
	f.heal = srv.ClearFaults
	f.urlShape = regexp.MustCompile(`^` + regexp.QuoteMeta(srv.URL()) + `/dash/integration/1\?token=[0-9a-f]+$`)
	return &youshuBackend{cache: cache, project: 1, conn: 700006204, host: srv.URL()}
}

// wantGrant is what the vendor must hold for user's token.
func (f *fixture) wantGrant(user, rows string) string {
	if f.vendor == "tencent" {
		return demoUsers[user].CorpID + "/" + user + "|" + rows
	}
	return user + "|" + rows
}

// do sends one request to the handler and checks the headers every answer
// must carry.
func do(t *testing.T, h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if r.URL.Path != "/embed/embed.js" { // cacheable: a static script
		assert.Equal(t, "no-store", w.Header().Get("Cache-Control"), "%s %s", r.Method, r.URL)
	}
	assert.Equal(t, "same-origin", w.Header().Get("Referrer-Policy"), "%s %s", r.Method, r.URL)
	assert.Contains(t, w.Header().Get("Content-Security-Policy"), "frame-ancestors 'self'", "%s %s", r.Method, r.URL)
	assert.Equal(t, "SAMEORIGIN", w.Header().Get("X-Frame-Options"), "%s %s", r.Method, r.URL)
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
func login(t *testing.T, f *fixture, user, password string) *http.Cookie {
	t.Helper()
	w := do(t, f.handler, postForm("/login", url.Values{"user": {user}, "password": {password}}))
	require.Equal(t, http.StatusSeeOther, w.Code, w.Body.String())
	assert.Equal(t, "/", w.Header().Get("Location"))
	cookies := w.Result().Cookies()
	require.Len(t, cookies, 1)
	f.rec.AddSecret(cookies[0].Value)
	return cookies[0]
}

// embedAnswer is the JSON of POST /embed/token or /embed/extend.
type embedAnswer struct {
	URL       string `json:"url"`
	ExpiresAt string `json:"expiresAt"`
	ID        string `json:"id"`
	Replaced  *bool  `json:"replaced"`
	Error     string `json:"error"`
}

// postEmbed posts to /embed/<path> as embed.js does, with cookie.
func postEmbed(t *testing.T, f *fixture, cookie *http.Cookie, path, body string, wantStatus int) (embedAnswer, http.Header) {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/embed/"+path, strings.NewReader(body))
	r.Header.Set("X-Biembed", "1")
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	if cookie != nil {
		r.AddCookie(cookie)
	}
	w := do(t, f.handler, r)
	require.Equal(t, wantStatus, w.Code, w.Body.String())
	assert.Equal(t, "application/json", w.Header().Get("Content-Type"))
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

// TestEmbed: each user gets their own token (Tencent: their UserCorpID and
// UserID; Youshu: their account) with their own rows; a second page of the
// same user shares it.
func TestEmbed(t *testing.T) {
	t.Parallel()
	for _, vendor := range vendors {
		t.Run(vendor, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, vendor)
			aliceCookie := login(t, f, "alice", demoUsers["alice"].Password)

			alice, _ := postEmbed(t, f, aliceCookie, "token", "", http.StatusOK)
			assert.Regexp(t, f.urlShape, alice.URL)
			assert.Equal(t, f.clock.Now().Add(tokenLifetime).UTC().Format(time.RFC3339), alice.ExpiresAt)
			assert.Equal(t, f.wantGrant("alice", "Hubei"), f.grant(tokenOf(t, alice.URL)))
			again, _ := postEmbed(t, f, aliceCookie, "token", "", http.StatusOK)
			assert.Equal(t, alice.URL, again.URL, "the second page is served from the cache")
			assert.Equal(t, 1, f.mints())

			bobCookie := login(t, f, "bob", demoUsers["bob"].Password)
			bob, _ := postEmbed(t, f, bobCookie, "token", "", http.StatusOK)
			assert.NotEqual(t, alice.URL, bob.URL)
			assert.Equal(t, f.wantGrant("bob", "Guangdong"), f.grant(tokenOf(t, bob.URL)))
			assert.Equal(t, 2, f.mints())
		})
	}
}

// TestUserCannotPickAnotherUser: the session decides whose token it is;
// what the browser sends (a query, a body, another user's token id)
// changes nothing, and bob's token is never extended for alice.
func TestUserCannotPickAnotherUser(t *testing.T) {
	t.Parallel()
	for _, vendor := range vendors {
		t.Run(vendor, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, vendor)
			alice := login(t, f, "alice", demoUsers["alice"].Password)
			bob, _ := postEmbed(t, f, login(t, f, "bob", demoUsers["bob"].Password), "token", "", http.StatusOK)
			for _, path := range []string{"token?user=bob", "token?user=bob&user=alice", "token?name=bob"} {
				a, _ := postEmbed(t, f, alice, path, `{"user":"bob"}`, http.StatusOK)
				assert.Equal(t, f.wantGrant("alice", "Hubei"), f.grant(tokenOf(t, a.URL)), path)
			}
			f.clock.Advance(tokenLifetime/2 + time.Minute)
			a, _ := postEmbed(t, f, alice, "extend", `{"id":"`+bob.ID+`"}`, http.StatusOK)
			assert.True(t, *a.Replaced)
			assert.Equal(t, f.wantGrant("alice", "Hubei"), f.grant(tokenOf(t, a.URL)))
			assert.Equal(t, 2, f.mints(), "alice got her cached token every time")
			assert.Equal(t, 0, f.extends(), "bob's token was not extended")
		})
	}
}

// TestUnauthenticated: without a live session nothing is minted; the page
// sends the browser to the login form and the embed endpoints answer 401.
func TestUnauthenticated(t *testing.T) {
	t.Parallel()
	for _, vendor := range vendors {
		t.Run(vendor, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, vendor)
			good := login(t, f, "alice", demoUsers["alice"].Password)
			other := newFixture(t, vendor) // another server's session
			foreign := login(t, other, "alice", demoUsers["alice"].Password)
			changed := *good
			changed.Value = strings.Map(func(r rune) rune { return map[bool]rune{true: 'B', false: 'A'}[r == 'A'] }, good.Value[:1]) + good.Value[1:]
			for name, cookie := range map[string]*http.Cookie{
				"no cookie":           nil,
				"empty cookie":        {Name: sessionCookie, Value: ""},
				"a user name":         {Name: sessionCookie, Value: "alice"},
				"a changed id":        &changed,
				"another server's id": foreign,
			} {
				w := do(t, f.handler, get("/", cookie))
				assert.Equal(t, http.StatusSeeOther, w.Code, name)
				assert.Equal(t, "/login", w.Header().Get("Location"), name)
				a, _ := postEmbed(t, f, cookie, "token?user=alice", "", http.StatusUnauthorized)
				assert.Equal(t, embedAnswer{Error: "unauthorized"}, a, name)
			}

			// The session expires.
			postEmbed(t, f, good, "token", "", http.StatusOK)
			f.clock.Advance(sessionLifetime)
			postEmbed(t, f, good, "token", "", http.StatusUnauthorized)
			assert.Equal(t, 1, f.mints(), "no unauthenticated request reached the vendor")
		})
	}
}

// TestLogin: the password is checked, the cookie is HttpOnly, SameSite=Lax,
// opaque and expires, and a form posted from another site is refused.
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
		"no password":      {"user": {"bob"}},
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
	assert.Regexp(t, `^[A-Za-z0-9_-]{43}$`, c.Value, "the cookie is 32 random bytes, nothing else")

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
	logs := f.rec.Logs()
	assert.Contains(t, logs, "sign-in failed")
	assert.Contains(t, logs, `"user":"mallory"`)
}

// TestLogoutEndsTheSessionOnTheServer: after logout the old cookie (a copy
// an attacker kept) no longer works, and the user's embed token is revoked
// at the vendor. Another session of the same user goes on, with a new token.
func TestLogoutEndsTheSessionOnTheServer(t *testing.T) {
	t.Parallel()
	for _, vendor := range vendors {
		t.Run(vendor, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, vendor)
			c := login(t, f, "alice", demoUsers["alice"].Password)
			laptop := login(t, f, "alice", demoUsers["alice"].Password)
			a, _ := postEmbed(t, f, c, "token", "", http.StatusOK)

			r := postForm("/logout", nil)
			r.AddCookie(c)
			w := do(t, f.handler, r)
			assert.Equal(t, http.StatusSeeOther, w.Code)
			assert.Equal(t, "/login", w.Header().Get("Location"))
			require.Len(t, w.Result().Cookies(), 1)
			assert.Equal(t, -1, w.Result().Cookies()[0].MaxAge)

			assert.Equal(t, http.StatusSeeOther, do(t, f.handler, get("/", c)).Code, "the old cookie is dead")
			postEmbed(t, f, c, "token", "", http.StatusUnauthorized)
			postEmbed(t, f, c, "extend", `{"id":"`+a.ID+`"}`, http.StatusUnauthorized)
			assert.Empty(t, f.grant(tokenOf(t, a.URL)), "the token was revoked at the vendor")

			b, _ := postEmbed(t, f, laptop, "extend", `{"id":"`+a.ID+`"}`, http.StatusOK)
			assert.True(t, *b.Replaced, "the other session gets a new token")
			assert.Equal(t, f.wantGrant("alice", "Hubei"), f.grant(tokenOf(t, b.URL)))
			assert.Contains(t, f.rec.Logs(), "signed out")
		})
	}
}

// TestLoginThrottle: 5 failures a minute per user name and per client
// address; the 6th attempt, even with the right password, gets 429 with
// Retry-After until the oldest failure is a minute old (on the injected
// clock); a success clears the user name's count, not the address's.
func TestLoginThrottle(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "tencent")
	try := func(addr, user, password string) *httptest.ResponseRecorder {
		r := postForm("/login", url.Values{"user": {user}, "password": {password}})
		r.RemoteAddr = addr + ":40000"
		return do(t, f.handler, r)
	}
	alice := demoUsers["alice"].Password
	for i := range 5 {
		assert.Equal(t, http.StatusUnauthorized, try("192.0.2.1", "alice", "guess").Code, "failure %d", i+1)
		f.clock.Advance(time.Second)
	}
	// Per user name: another address, the right password, still refused.
	w := try("192.0.2.2", "alice", alice)
	assert.Equal(t, http.StatusTooManyRequests, w.Code)
	assert.Equal(t, "55", w.Header().Get("Retry-After"), "the first failure leaves the window in 55s")
	assert.Contains(t, w.Body.String(), "Too many failed sign-ins")
	assert.Empty(t, w.Result().Cookies())
	// Per address: the address that failed may not try bob either.
	assert.Equal(t, http.StatusTooManyRequests, try("192.0.2.1", "bob", demoUsers["bob"].Password).Code)
	// Others are not held up.
	assert.Equal(t, http.StatusSeeOther, try("192.0.2.3", "bob", demoUsers["bob"].Password).Code)

	f.clock.Advance(55 * time.Second)
	assert.Equal(t, http.StatusSeeOther, try("192.0.2.2", "alice", alice).Code, "the window moved on")

	// Rotating user names from one address: 5 failures, then the address waits.
	for i := range 5 {
		assert.Equal(t, http.StatusUnauthorized, try("192.0.2.9", fmt.Sprintf("user%d", i), "x").Code)
	}
	w = try("192.0.2.9", "bob", demoUsers["bob"].Password)
	assert.Equal(t, http.StatusTooManyRequests, w.Code)
	assert.Equal(t, "60", w.Header().Get("Retry-After"))
	assert.Contains(t, f.rec.Logs(), "sign-in throttled")
}

// TestEmbedErrorStatuses: each kind of failure gets its status; the browser
// learns nothing of the cause, and failures are not cached.
func TestEmbedErrorStatuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		fault      fault
		status     int
		code       string
		retryAfter string
	}{
		{"rate limited", faultRateLimited, http.StatusTooManyRequests, "rate_limited", "1"},
		{"vendor refuses credentials", faultAuth, http.StatusBadGateway, "vendor_error", ""},
		{"vendor unavailable", faultUnavailable, http.StatusServiceUnavailable, "unavailable", "1"},
	}
	for _, vendor := range vendors {
		for _, tt := range tests {
			t.Run(vendor+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				f := newFixture(t, vendor)
				c := login(t, f, "alice", demoUsers["alice"].Password)
				f.fail(tt.fault)
				a, h := postEmbed(t, f, c, "token", "", tt.status)
				assert.Equal(t, embedAnswer{Error: tt.code}, a)
				assert.Equal(t, tt.retryAfter, h.Get("Retry-After"))
				assert.Contains(t, f.rec.Logs(), fmt.Sprintf(`"status":%d`, tt.status))
				assert.NotContains(t, f.rec.Logs(), "upstream-detail")
				f.heal()
				postEmbed(t, f, c, "token", "", http.StatusOK)
			})
		}
		t.Run(vendor+"/invalid request", func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, vendor)
			c := login(t, f, "carol", "carol-demo-password")
			a, _ := postEmbed(t, f, c, "token", "", http.StatusInternalServerError)
			assert.Equal(t, "internal", a.Error)
			assert.Equal(t, 0, f.mints(), "bad input never reaches the vendor")
		})
	}
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
			csp := w.Header().Get("Content-Security-Policy")
			assert.Contains(t, csp, "frame-src "+f.app.Backend.frameSrc()+";", "the page may frame the embed host")
			assert.Contains(t, csp, "script-src 'self';")
			body := w.Body.String()
			assert.Contains(t, body, `<iframe id="report" title="`+vendor+` report" data-biembed="/embed"></iframe>`)
			assert.Contains(t, body, `<script src="/embed/embed.js"></script>`)
			assert.NotContains(t, body, "<script>", "no inline script")
			assert.NotContains(t, body, "token=", "the page must not carry a token")
			assert.Equal(t, 0, f.mints(), "serving the page mints nothing")

			js := do(t, f.handler, get("/embed/embed.js", nil))
			assert.Equal(t, http.StatusOK, js.Code)
			assert.Equal(t, "text/javascript; charset=utf-8", js.Header().Get("Content-Type"))
			assert.Equal(t, http.StatusOK, do(t, f.handler, get("/app.js", nil)).Code)

			assert.Equal(t, http.StatusNotFound, do(t, f.handler, get("/nothing-here", c)).Code)
			assert.Equal(t, http.StatusMethodNotAllowed, do(t, f.handler, get("/embed/token", c)).Code)
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

// startRun starts the whole server in fake mode in this process on a
// loopback port and returns its base URL and a func that stops it and
// returns its log.
func startRun(t *testing.T, vendor string) (base string, stop func() string) {
	t.Helper()
	sink := &logSink{addr: make(chan string, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, slogText(sink), func(string) string { return "" },
			[]string{"-addr", "127.0.0.1:0", "-vendor", vendor}, nil, io.Discard)
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
// embed URL as embed.js does, opens it, and shuts the server down.
func TestRun(t *testing.T) {
	t.Parallel()
	for _, vendor := range vendors {
		t.Run(vendor, func(t *testing.T) {
			t.Parallel()
			base, stop := startRun(t, vendor)
			client := newClient(t)
			status, body := fetch(t, client, http.MethodGet, base+"/", nil)
			assert.Equal(t, http.StatusOK, status)
			assert.Contains(t, body, `action="/login"`, "an anonymous visitor lands on the login form")

			status, body = fetch(t, client, http.MethodPost, base+"/login",
				url.Values{"user": {"alice"}, "password": {demoUsers["alice"].Password}})
			assert.Equal(t, http.StatusOK, status)
			assert.Contains(t, body, `Signed in as <strong id="who">alice</strong>`)

			status, body = embedCall(t, client, base, "token", "")
			assert.Equal(t, http.StatusOK, status, body)
			assert.Contains(t, body, `"url":"http://127.0.0.1:`, "in fake mode the iframe shows the fake's page")
			link := embedURLOf(t, body)
			status, embedPage := fetch(t, client, http.MethodGet, link, nil)
			assert.Equal(t, http.StatusOK, status, embedPage)
			assert.Contains(t, embedPage, `<section id="grant"`)
			assert.Contains(t, embedPage, "Hubei")
			assert.NotContains(t, embedPage, "Guangdong")

			logs := stop()
			assert.Contains(t, logs, "fake mode")
			assert.Contains(t, logs, "shutting down")
			assert.NotContains(t, logs, tokenOf(t, link), "the log must not hold a token")
			assert.NotContains(t, logs, demoUsers["alice"].Password, "the log must not hold a password")
		})
	}
}

// newClient is an HTTP client with a cookie jar, closed when t ends.
func newClient(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Jar: jar}
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
	return resp.StatusCode, string(b)
}

// embedCall posts /embed/<path> as embed.js does.
func embedCall(t *testing.T, client *http.Client, base, path, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+"/embed/"+path, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("X-Biembed", "1")
	resp, err := client.Do(req)
	require.NoError(t, err)
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, resp.Body.Close())
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

// TestHelp: -h prints the usage, with the demo users, and exits 0.
func TestHelp(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	sink := &logSink{addr: make(chan string, 1)}
	err := run(context.Background(), slogText(sink), func(string) string { return "" }, []string{"-h"}, nil, &out)
	assert.ErrorIs(t, err, flag.ErrHelp)
	assert.Equal(t, 0, exitCode(err))
	assert.Contains(t, out.String(), "Usage: embed-server [flags]")
	assert.Contains(t, out.String(), "-vendor")
	assert.Contains(t, out.String(), "-login-failures")
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

func embedURLOf(t *testing.T, body string) string {
	t.Helper()
	var a embedAnswer
	require.NoError(t, json.Unmarshal([]byte(body), &a), body)
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
		{"plain http Youshu host", map[string]string{"YOUSHU_BASE_URL": "http://bi.example.com", "YOUSHU_TOKEN_KEY": "k"}, []string{"-vendor", "youshu"}, "https"},
		{"bad listen address", nil, []string{"-addr", "127.0.0.1:-1"}, "listen"},
		{"unknown flag", nil, []string{"-nope"}, "flag provided but not defined"},
		{"no login failures", nil, []string{"-login-failures", "0"}, "-login-failures must be at least 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sink := &logSink{addr: make(chan string, 1)}
			err := run(context.Background(), slogText(sink), func(k string) string { return tt.env[k] }, tt.args, nil, io.Discard)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
			assert.NotContains(t, sink.String(), "msg=listening")
			assert.False(t, strings.Contains(sink.String(), "real host"), "no client may be made from a bad configuration")
		})
	}
}
