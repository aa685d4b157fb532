package embedhttp_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	// go-redis probes a server that refused PoolSize dials in a background
	// goroutine that ends, within a second, once its client is closed.
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("github.com/redis/go-redis/v9/internal/pool.(*ConnPool).tryDial"))
}

var hexID = regexp.MustCompile(`^[0-9a-f]{16}$`)

// checkAnswer checks the headers and fields of a successful POST.
func checkAnswer(t *testing.T, r *rig, a reply) {
	t.Helper()
	require.Equal(t, http.StatusOK, a.status, a.body)
	assert.Equal(t, "application/json", a.header.Get("Content-Type"))
	assert.Equal(t, "no-store", a.header.Get("Cache-Control"))
	assert.Equal(t, "nosniff", a.header.Get("X-Content-Type-Options"))
	assert.Regexp(t, hexID, a.ID)
	assert.NotContains(t, a.body, `\u0026`, "URLs stay readable")
	assert.Equal(t, r.clock.Now().UTC().Format(time.RFC3339), a.Now, "now is the handler's clock")
	expires, ok := r.expiry(tokenOf(t, a.URL))
	require.True(t, ok, "the vendor knows the token")
	assert.Equal(t, expires.UTC().Format(time.RFC3339), a.ExpiresAt)
	assert.Equal(t, expires.Add(-lifetime/2).UTC().Format(time.RFC3339), a.RefreshAfter, "refreshAfter is halfway through its life")
	assert.NotContains(t, a.ID, tokenOf(t, a.URL))
}

// The token endpoint serves the cache's token; extend answers it as it is
// before refreshAfter (no vendor call), extends it in place after (one
// vendor call, the same token and id, replaced false), and a page that
// keeps extending outlives many lifetimes.
func TestTokenThenExtendKeepsOneTokenAlive(t *testing.T) {
	t.Parallel()
	for _, vendor := range vendors {
		t.Run(vendor, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, vendor)
			first := r.token(t, "alice")
			checkAnswer(t, r, first)
			assert.Nil(t, first.Replaced, "/token says nothing of replacing")
			assert.Equal(t, "Hubei", r.rowsOf(tokenOf(t, first.URL)))
			assert.Equal(t, first.URL, r.token(t, "alice").URL, "a second page gets the cached token")
			require.Equal(t, 1, r.mints())

			r.clock.Advance(lifetime/2 - time.Minute)
			early := r.extend(t, "alice", first.ID)
			checkAnswer(t, r, early)
			assert.False(t, *early.Replaced)
			assert.Equal(t, first.URL, early.URL)
			assert.Equal(t, first.ExpiresAt, early.ExpiresAt)
			assert.Equal(t, 0, r.extends(), "before refreshAfter nothing is sent to the vendor")

			for i := 1; i <= 8; i++ { // four lifetimes
				r.clock.Advance(lifetime / 2)
				ext := r.extend(t, "alice", first.ID)
				checkAnswer(t, r, ext)
				assert.False(t, *ext.Replaced, "extension %d", i)
				assert.Equal(t, first.URL, ext.URL, "the same token, so the iframe keeps its page")
				assert.Equal(t, first.ID, ext.ID)
				assert.Equal(t, r.clock.Now().Add(lifetime).UTC().Format(time.RFC3339), ext.ExpiresAt)
				assert.Equal(t, i, r.extends())
				again := r.extend(t, "alice", first.ID)
				assert.Equal(t, ext.answer, again.answer, "a second tab's extend right after is answered as it is")
				assert.Equal(t, i, r.extends(), "one vendor call for both")
			}
			assert.Equal(t, 1, r.mints(), "one token for four lifetimes")
		})
	}
}

// Whatever made the page's token stale, extend answers the live token for
// the session's own request, replaced: cleared at the vendor behind the
// cache's back, revoked through the cache, the user's permissions changed,
// or an id the cache does not hold (another user's). It never extends a
// token that is not the cache's for the session's request.
func TestExtendReplacesWhatIsNoLongerCurrent(t *testing.T) {
	t.Parallel()
	for _, vendor := range vendors {
		t.Run(vendor, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, vendor)
			alice, bob := r.token(t, "alice"), r.token(t, "bob")
			require.Equal(t, 2, r.mints())
			r.clock.Advance(lifetime/2 + time.Minute)
			bobExpiry, _ := r.expiry(tokenOf(t, bob.URL))

			// Alice's session presents bob's id: she gets her own token, and
			// bob's is not extended.
			stolen := r.extend(t, "alice", bob.ID)
			checkAnswer(t, r, stolen)
			assert.True(t, *stolen.Replaced)
			assert.Equal(t, alice.URL, stolen.URL)
			assert.Equal(t, "Hubei", r.rowsOf(tokenOf(t, stolen.URL)))
			after, _ := r.expiry(tokenOf(t, bob.URL))
			assert.Equal(t, bobExpiry, after, "bob's token was not extended")
			assert.Equal(t, 0, r.extends())
			assert.Equal(t, http.StatusBadRequest, r.extend(t, "alice", "not-an-id").status)

			// Revoked behind the cache's back: the vendor refuses to extend it.
			r.kill(tokenOf(t, alice.URL))
			fresh := r.extend(t, "alice", alice.ID)
			checkAnswer(t, r, fresh)
			assert.True(t, *fresh.Replaced)
			assert.NotEqual(t, alice.ID, fresh.ID)
			assert.Equal(t, 3, r.mints())

			// Revoked through the cache.
			require.NoError(t, r.revoke("alice"))
			_, live := r.expiry(tokenOf(t, fresh.URL))
			assert.False(t, live, "RevokeUser revoked it at the vendor")
			second := r.extend(t, "alice", fresh.ID)
			checkAnswer(t, r, second)
			assert.True(t, *second.Replaced)
			assert.NotEqual(t, fresh.ID, second.ID)

			// Permissions changed: the next extend brings the new rows.
			r.setRows("alice", "Hunan")
			moved := r.extend(t, "alice", second.ID)
			checkAnswer(t, r, moved)
			assert.True(t, *moved.Replaced)
			assert.Equal(t, "Hunan", r.rowsOf(tokenOf(t, moved.URL)))
			assert.Equal(t, 5, r.mints())
		})
	}
}

// The cross-site guard: POST only, the X-Biembed header, Sec-Fetch-Site
// same-origin and an Origin of the request's host when the browser sends
// them. A refusal mints nothing and grants no CORS.
func TestCrossSiteRequestsAreRefused(t *testing.T) {
	t.Parallel()
	r := newRig(t, "tencent")
	header := func(k, v string) func(*http.Request) {
		return func(req *http.Request) {
			if v == "" {
				req.Header.Del(k)
			} else {
				req.Header.Set(k, v)
			}
		}
	}
	for _, c := range []struct {
		name   string
		method string
		edit   func(*http.Request)
		status int
		code   string
	}{
		{"GET", http.MethodGet, header("X-Test", ""), http.StatusMethodNotAllowed, "method_not_allowed"},
		{"preflight", http.MethodOptions, header("Access-Control-Request-Method", "POST"), http.StatusMethodNotAllowed, "method_not_allowed"},
		{"PUT", http.MethodPut, header("X-Test", ""), http.StatusMethodNotAllowed, "method_not_allowed"},
		{"no X-Biembed (a form)", http.MethodPost, header("X-Biembed", ""), http.StatusForbidden, "cross_site"},
		{"X-Biembed 0", http.MethodPost, header("X-Biembed", "0"), http.StatusForbidden, "cross_site"},
		{"cross-site", http.MethodPost, header("Sec-Fetch-Site", "cross-site"), http.StatusForbidden, "cross_site"},
		{"same-site", http.MethodPost, header("Sec-Fetch-Site", "same-site"), http.StatusForbidden, "cross_site"},
		{"none", http.MethodPost, header("Sec-Fetch-Site", "none"), http.StatusForbidden, "cross_site"},
		{"other origin", http.MethodPost, header("Origin", "http://evil.example"), http.StatusForbidden, "cross_site"},
		{"other port", http.MethodPost, header("Origin", "http://app.example:8081"), http.StatusForbidden, "cross_site"},
		{"null origin", http.MethodPost, header("Origin", "null"), http.StatusForbidden, "cross_site"},
		{"bad origin", http.MethodPost, header("Origin", "http://%zz"), http.StatusForbidden, "cross_site"},
	} {
		for _, path := range []string{"/embed/token", "/embed/extend"} {
			a := r.do(t, c.method, path, "alice", `{"id":"0123456789abcdef"}`, c.edit)
			assert.Equal(t, c.status, a.status, "%s %s", c.name, path)
			assert.Equal(t, c.code, a.Error, "%s %s", c.name, path)
			assert.Equal(t, `{"error":"`+c.code+`"}`+"\n", a.body)
			assert.Equal(t, "no-store", a.header.Get("Cache-Control"))
			for k := range a.header {
				assert.False(t, strings.HasPrefix(k, "Access-Control-"), "%s: no CORS header (%s)", c.name, k)
			}
			if c.status == http.StatusMethodNotAllowed {
				assert.Equal(t, "POST", a.header.Get("Allow"))
			}
		}
	}
	assert.Equal(t, 0, r.mints(), "nothing refused reached the vendor")
	assert.Contains(t, r.rec.Logs(), `"code":"cross_site"`)

	// Browsers that send neither header (older ones, non-browser clients)
	// pass with X-Biembed; Origin matches the Host case-insensitively.
	ok := r.do(t, http.MethodPost, "/embed/token", "alice", "", header("Sec-Fetch-Site", ""), header("Origin", ""))
	assert.Equal(t, http.StatusOK, ok.status, ok.body)
	ok = r.do(t, http.MethodPost, "/embed/token", "alice", "", header("Origin", "http://APP.example"))
	assert.Equal(t, http.StatusOK, ok.status, ok.body)
}

// Each failure has its status and code, and the browser learns nothing
// else: no server text, no token. Rate limits and retryable failures say
// when to come back. The log has one WARN line of metadata per failure.
func TestFailuresMapToStatuses(t *testing.T) {
	t.Parallel()
	for _, vendor := range vendors {
		t.Run(vendor, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, vendor)
			for _, c := range []struct {
				name, user string
				fault      fault
				status     int
				code       string
				retry      bool
			}{
				{"no session", "", -1, http.StatusUnauthorized, "unauthorized", false},
				{"not allowed", "mallory", -1, http.StatusForbidden, "forbidden", false},
				{"the app's bad request", "broken", -1, http.StatusInternalServerError, "internal", false},
				{"vendor rate limit", "alice", faultRateLimited, http.StatusTooManyRequests, "rate_limited", true},
				{"vendor unavailable", "alice", faultUnavailable, http.StatusServiceUnavailable, "unavailable", true},
				{"vendor refuses", "alice", faultRefused, http.StatusBadGateway, "vendor_error", false},
			} {
				if c.fault >= 0 {
					r.fail(c.fault)
				}
				for _, path := range []string{"/embed/token", "/embed/extend"} {
					a := r.do(t, http.MethodPost, path, c.user, `{"id":"0123456789abcdef"}`)
					assert.Equal(t, c.status, a.status, "%s %s: %s", c.name, path, a.body)
					assert.Equal(t, `{"error":"`+c.code+`"}`+"\n", a.body, "%s %s", c.name, path)
					assert.Equal(t, "application/json", a.header.Get("Content-Type"))
					assert.Equal(t, "no-store", a.header.Get("Cache-Control"))
					assert.Equal(t, map[bool]string{true: "1"}[c.retry], a.header.Get("Retry-After"), c.name)
				}
				r.heal()
				assert.Contains(t, r.rec.Logs(), `"level":"WARN","msg":"embedhttp: request refused","endpoint":"token","status":`)
			}
			assert.NotContains(t, r.rec.Logs(), "upstream-detail", "the handler logs metadata only")
			assert.Equal(t, http.StatusOK, r.token(t, "alice").status, "failures are not cached")

			r.close()
			a := r.token(t, "alice")
			assert.Equal(t, http.StatusServiceUnavailable, a.status, "a closed cache")
			assert.Equal(t, "1", a.header.Get("Retry-After"))
		})
	}
}

// The extend body is at most 1 KiB of {"id": 16 hex digits}; anything else
// is a 400 before the session is even read.
func TestExtendBodyIsChecked(t *testing.T) {
	t.Parallel()
	r := newRig(t, "youshu")
	for name, body := range map[string]string{
		"empty":      "",
		"not JSON":   "id=0123456789abcdef",
		"no id":      `{}`,
		"short id":   `{"id":"0123"}`,
		"long id":    `{"id":"0123456789abcdef0"}`,
		"not hex":    `{"id":"0123456789abcdeg"}`,
		"id number":  `{"id":1234567890123456}`,
		"over 1 KiB": `{"pad":"` + strings.Repeat("x", 1<<10) + `","id":"0123456789abcdef"}`,
		"array":      `["0123456789abcdef"]`,
	} {
		a := r.do(t, http.MethodPost, "/embed/extend", "alice", body)
		assert.Equal(t, http.StatusBadRequest, a.status, name)
		assert.Equal(t, "bad_request", a.Error, name)
	}
	assert.Equal(t, 0, r.mints())
	a := r.do(t, http.MethodPost, "/embed/extend", "alice", `{"id":"0123456789ABCDEF"}`)
	assert.Equal(t, http.StatusOK, a.status, "upper-case hex is an id too")
	assert.True(t, *a.Replaced)
}

func TestUnknownPathsAndNilHandlers(t *testing.T) {
	t.Parallel()
	r := newRig(t, "tencent")
	for _, path := range []string{"/embed/", "/embed/tokens", "/embed/token/x", "/embed/embed.jsx"} {
		a := r.do(t, http.MethodPost, path, "alice", "")
		assert.Equal(t, http.StatusNotFound, a.status, path)
		assert.Equal(t, "not_found", a.Error, path)
	}
	assert.Equal(t, http.StatusOK, r.do(t, http.MethodPost, "/any/mount/point/token", "alice", "").status,
		"the handler serves under whatever path it is mounted at")
}
