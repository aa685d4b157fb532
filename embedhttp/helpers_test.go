package embedhttp_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/biembed/biembed-go/biembedtest"
	"github.com/biembed/biembed-go/embedhttp"
	"github.com/biembed/biembed-go/filtermap"
	"github.com/biembed/biembed-go/internal/testkit/secrettest"
	"github.com/biembed/biembed-go/tencent"
	"github.com/biembed/biembed-go/tencent/tencenttest"
	"github.com/biembed/biembed-go/tokencache"
	"github.com/biembed/biembed-go/youshu"
	"github.com/biembed/biembed-go/youshu/youshutest"
)

// lifetime is the tokens' lifetime in these tests.
const lifetime = 30 * time.Minute

// fault is a vendor failure a test provokes.
type fault int

const (
	faultRateLimited fault = iota // the vendor's rate limit
	faultUnavailable              // a failure worth retrying (biembed.Retryable)
	faultRefused                  // any other vendor failure
)

// upstream is the text the fakes put in their failures: it must reach
// neither the browser nor the log.
const upstream = "upstream-detail-5e1f: database on fire"

// rig is one vendor's handler on its fake, cache and client, on one manual
// clock. The test's "session" is the X-User header: the callback reads the
// user from it, with rows from rows (alice: Hubei, bob: Guangdong).
type rig struct {
	vendor  string
	clock   *biembedtest.Clock
	handler http.Handler
	rec     *secrettest.Recorder // fails the test if a token reaches a log

	mints   func() int                           // mints at the vendor
	extends func() int                           // extensions at the vendor (ApplyEmbedInterval, renewToken)
	expiry  func(value string) (time.Time, bool) // the vendor's expiry of a token
	rowsOf  func(value string) string            // the row filter the vendor holds for a token
	revoke  func(user string) error              // the cache's RevokeUser
	kill    func(value string)                   // revokes a token at the vendor behind the cache's back
	fail    func(fault)                          // makes every vendor call fail
	heal    func()                               // undoes fail
	close   func()                               // closes the cache

	mu   sync.Mutex
	rows map[string]string // user -> province
}

var vendors = []string{"tencent", "youshu"}

func newRig(t testing.TB, vendor string) *rig {
	t.Helper()
	r := &rig{vendor: vendor, clock: biembedtest.NewClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)),
		rows: map[string]string{"alice": "Hubei", "bob": "Guangdong"}}
	switch vendor {
	case "tencent":
		r.tencent(t)
	case "youshu":
		r.youshu(t)
	default:
		t.Fatalf("unknown vendor %q", vendor)
	}
	return r
}

// province returns user's rows.
func (r *rig) province(user string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.rows[user]
}

// setRows changes user's rows on the server, as an admin would.
func (r *rig) setRows(user, province string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rows[user] = province
}

// user is the test's session: the X-User header. "" is no session,
// "mallory" is signed in but not allowed, "broken" gets a request the SDK
// refuses (the app's bug).
func user(req *http.Request) (string, error) {
	switch name := req.Header.Get("X-User"); name {
	case "":
		return "", fmt.Errorf("session: %w", embedhttp.ErrUnauthorized)
	case "mallory":
		return "", errors.New("mallory may not see reports")
	default:
		return name, nil
	}
}

func (r *rig) tencent(t testing.TB) {
	srv := tencenttest.NewTestServer(t, tencenttest.WithClock(r.clock.Now))
	r.rec = secrettest.New(t, tencenttest.SecretKey)
	newClient := func() *tencent.Client {
		c, err := tencent.NewClient(tencent.WithSecret(tencenttest.SecretID, tencenttest.SecretKey),
			tencent.WithEndpoint(srv.URL()), tencent.WithEmbedHost(srv.URL()), tencent.WithClock(r.clock.Now),
			tencent.WithRetries(0), tencent.WithLogger(r.rec.Logger()))
		require.NoError(t, err)
		return c
	}
	client, other := newClient(), newClient()
	cache, err := tencent.NewCache(client, tokencache.Options{Now: r.clock.Now, Logger: r.rec.Logger()})
	require.NoError(t, err)
	t.Cleanup(func() { _ = cache.Close() })
	request := func(name string) *tencent.CreateEmbedTokenRequest {
		req := tencent.NewPageRequest(7, 8)
		req.Expiry = lifetime
		req.TokenType, req.UserCorpID, req.UserID = tencent.TokenTypeSingleUser, "corp-"+name, name
		req.GlobalParams = filtermap.GlobalParams{filtermap.Equals("province", r.province(name)).GlobalParam()}
		if name == "broken" {
			req.Expiry = 90 * time.Second // not whole minutes: a *biembed.ValidationError
		}
		return req
	}
	r.handler = embedhttp.Tencent(cache, func(req *http.Request) (*tencent.CreateEmbedTokenRequest, error) {
		name, err := user(req)
		if err != nil {
			return nil, err
		}
		return request(name), nil
	}, embedhttp.Options{Now: r.clock.Now, Logger: r.rec.Logger()})
	r.mints = func() int { return srv.Count("CreateEmbedToken") }
	r.extends = func() int { return srv.Count("ApplyEmbedInterval") }
	r.expiry = func(value string) (time.Time, bool) {
		tok, ok := srv.Lookup(value)
		return tok.ExpiresAt, ok
	}
	r.rowsOf = func(value string) string {
		tok, ok := srv.Lookup(value)
		if !ok || tok.Request == nil {
			return ""
		}
		return strings.Join(tok.Request.GlobalParams[0].WhereList[0].Value, ",")
	}
	r.revoke = func(name string) error { return cache.RevokeUser(context.Background(), request(name)) }
	r.kill = func(value string) {
		tok, ok := srv.Lookup(value)
		require.True(t, ok)
		require.NoError(t, other.ClearEmbedToken(context.Background(), &tencent.ClearEmbedTokenRequest{
			ProjectID: tok.ProjectID, UserCorpID: tok.UserCorpID, Scope: tencent.ScopePage, PageID: tok.PageID}))
	}
	codes := map[fault]string{faultRateLimited: "RequestLimitExceeded", faultUnavailable: "InternalError", faultRefused: "AuthFailure.SecretIdNotFound"}
	r.fail = func(f fault) { srv.Inject(tencenttest.Fault{Code: codes[f], Message: upstream}) }
	r.heal = srv.ClearFaults
	r.close = func() { _ = cache.Close() }
}

func (r *rig) youshu(t testing.TB) {
	srv := youshutest.NewTestServer(t, youshutest.WithClock(r.clock.Now),
		youshutest.WithAccount(youshutest.Account{UniqueID: "alice", UserID: 101}),
		youshutest.WithAccount(youshutest.Account{UniqueID: "bob", UserID: 102}),
		youshutest.WithAccount(youshutest.Account{UniqueID: "broken", UserID: 103}))
	r.rec = secrettest.New(t, youshutest.Secrets()...)
	newClient := func() *youshu.Client {
		c, err := youshu.NewClient(srv.URL(), youshu.WithInsecureHTTP(), youshu.WithClock(r.clock.Now),
			youshu.WithCredential(youshutest.AdminCredential()), youshu.WithRetries(0), youshu.WithLogger(r.rec.Logger()))
		require.NoError(t, err)
		return c
	}
	client, other := newClient(), newClient()
	cache, err := youshu.NewCache(client, tokencache.Options{Now: r.clock.Now, Logger: r.rec.Logger()})
	require.NoError(t, err)
	t.Cleanup(func() { _ = cache.Close() })
	request := func(name string) *youshu.GenTokenRequest {
		rows := filtermap.FilterMap{}
		rows["700006204"] = filtermap.NewRowFilters(filtermap.RuleAnd,
			filtermap.Equals("province", r.province(name)).ListFilter(filtermap.TableName("orders"), filtermap.TypeString))
		req := &youshu.GenTokenRequest{AuthUniqueID: name, Expiry: lifetime, FilterMap: rows}
		if name == "broken" {
			req.Expiry = time.Second // within the cache's skew: a *biembed.ValidationError
		}
		return req
	}
	r.handler = embedhttp.Youshu(cache, func(req *http.Request) (*youshu.GenTokenRequest, error) {
		name, err := user(req)
		if err != nil {
			return nil, err
		}
		return request(name), nil
	}, embedhttp.Options{Now: r.clock.Now, Logger: r.rec.Logger()}, youshu.Report(1))
	r.mints = func() int { return srv.Count("genToken") - helpers(srv) }
	r.extends = func() int { return srv.Count("renewToken") }
	r.expiry = func(value string) (time.Time, bool) {
		tok, ok := srv.Lookup(value)
		return tok.ExpiresAt, ok && !tok.Removed
	}
	r.rowsOf = func(value string) string {
		tok, ok := srv.Lookup(value)
		if !ok || tok.Request == nil {
			return ""
		}
		return strings.Join(tok.Request.FilterMap["700006204"].DataFilters[0].Filter.Select, ",")
	}
	r.revoke = func(name string) error { return cache.RevokeUser(context.Background(), request(name)) }
	r.kill = func(value string) { require.NoError(t, other.RemoveToken(context.Background(), value)) }
	faults := map[fault]youshutest.Fault{
		faultRateLimited: {HTTPStatus: http.StatusTooManyRequests, Message: upstream},
		faultUnavailable: {HTTPStatus: http.StatusServiceUnavailable, Message: upstream},
		faultRefused:     {Code: 401, Message: upstream},
	}
	r.fail = func(f fault) { srv.Inject(faults[f]) }
	r.heal = srv.ClearFaults
	r.close = func() { _ = cache.Close() }
}

// helpers counts the genToken calls that minted helper tokens (for
// renewToken and rmToken), which are no embed tokens.
func helpers(srv *youshutest.Server) int {
	n := 0
	for _, req := range srv.Requests() {
		if req.GenToken != nil && req.GenToken.UseType != "" {
			n++
		}
	}
	return n
}

// answer is the JSON of a POST, success or failure.
type answer struct {
	URL          string `json:"url"`
	ExpiresAt    string `json:"expiresAt"`
	RefreshAfter string `json:"refreshAfter"`
	Now          string `json:"now"`
	ID           string `json:"id"`
	Replaced     *bool  `json:"replaced"`
	Error        string `json:"error"`
}

// reply is what the handler answered.
type reply struct {
	status int
	header http.Header
	body   string
	answer
}

// sameOrigin is what a browser sends with the script's fetch from the app's
// own page.
func sameOrigin(req *http.Request) {
	req.Header.Set("X-Biembed", "1")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Origin", "http://app.example")
}

// do sends one request to the handler, as user (none for ""), after
// adjusting it with each edit.
func (r *rig) do(t *testing.T, method, path, user, body string, edits ...func(*http.Request)) reply {
	t.Helper()
	req := httptest.NewRequest(method, "http://app.example"+path, strings.NewReader(body))
	sameOrigin(req)
	if user != "" {
		req.Header.Set("X-User", user)
	}
	for _, edit := range edits {
		edit(req)
	}
	w := httptest.NewRecorder()
	r.handler.ServeHTTP(w, req)
	out := reply{status: w.Code, header: w.Header(), body: w.Body.String()}
	if strings.HasPrefix(out.header.Get("Content-Type"), "application/json") {
		require.NoError(t, json.Unmarshal(w.Body.Bytes(), &out.answer), out.body)
	}
	if out.URL != "" {
		r.rec.AddSecret(tokenOf(t, out.URL))
	}
	return out
}

// token posts /embed/token as user.
func (r *rig) token(t *testing.T, user string) reply {
	t.Helper()
	return r.do(t, http.MethodPost, "/embed/token", user, "")
}

// extend posts /embed/extend for id as user.
func (r *rig) extend(t *testing.T, user, id string) reply {
	t.Helper()
	return r.do(t, http.MethodPost, "/embed/extend", user, `{"id":"`+id+`"}`)
}

// tokenOf returns the token an embed URL carries.
func tokenOf(t *testing.T, link string) string {
	t.Helper()
	i := strings.Index(link, "token=")
	require.GreaterOrEqual(t, i, 0, "no token in %s", link)
	rest := link[i+len("token="):]
	if j := strings.IndexByte(rest, '&'); j >= 0 {
		rest = rest[:j]
	}
	return rest
}
