package main

// Browser tests: the demo in headless Chromium (chromedp), on each vendor's
// fake, everything on one manual clock. The page's timers are the browser
// side of that clock: clockShim replaces setTimeout in the app's page (not
// in the vendor's iframe, whose status poll keeps real time), and the test
// moves both clocks together, so hours of page life run in seconds.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/biembed/biembed-go/filtermap"
)

// chromiumPath finds Chromium. Without it the browser tests skip locally and
// fail under CI (CI=true), where .ci/run installs it.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed; .ci/run installs it with: apt-get install -y chromium")
	}
	t.Skip("chromium is not installed; to run the browser tests: apt-get install -y chromium")
	return ""
}

var browser struct {
	once    sync.Once
	ctx     context.Context
	stop    func()
	profile string
	err     error
}

// sharedBrowser starts one headless Chromium for all browser tests (each
// test gets its own browser context: cookies, storage, channels); TestMain
// stops it.
func sharedBrowser(t *testing.T) context.Context {
	t.Helper()
	path := chromiumPath(t)
	browser.once.Do(func() {
		if browser.profile, browser.err = os.MkdirTemp("", "embed-server-chromium-"); browser.err != nil {
			return
		}
		allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
			chromedp.ExecPath(path),
			chromedp.Flag("headless", true),
			chromedp.NoSandbox, // CI runs as root in a container
			chromedp.DisableGPU,
			chromedp.NoFirstRun,
			chromedp.NoDefaultBrowserCheck,
			chromedp.Flag("disable-background-networking", true),
			chromedp.Flag("disable-component-update", true),
			chromedp.Flag("disable-sync", true),
			chromedp.Flag("disable-background-timer-throttling", true),
			chromedp.Flag("disable-renderer-backgrounding", true),
			chromedp.UserDataDir(browser.profile))
		ctx, cancel := chromedp.NewContext(allocCtx)
		browser.ctx, browser.stop = ctx, func() { cancel(); cancelAlloc() }
		browser.err = chromedp.Run(ctx)
	})
	require.NoError(t, browser.err, "starting chromium")
	return browser.ctx
}

// stopBrowser stops the shared browser, if one was started, and removes
// its profile.
func stopBrowser() {
	if browser.stop != nil {
		browser.stop() // closes the browser and waits for its process
	}
	if browser.profile != "" {
		for range 5 { // helper processes may still write a file as the browser exits
			if os.RemoveAll(browser.profile) == nil {
				break
			}
		}
	}
}

// clockShim replaces the app page's setTimeout and clearTimeout with a
// manual clock: timers fire only when the test calls __clock.advance(ms)
// (or __clock.run() after __clock.advance(ms, false)). Frames other than
// the top one keep real timers.
const clockShim = `(() => {
  if (window.top !== window) return;
  let now = 0, seq = 0;
  const timers = new Map();
  window.setTimeout = (fn, ms, ...args) => {
    timers.set(++seq, {due: now + Math.max(0, +ms || 0), fn: typeof fn === "function" ? fn : () => {}, args});
    return seq;
  };
  window.clearTimeout = id => { timers.delete(id); };
  const run = () => {
    let fired = 0;
    for (;;) {
      let next = null;
      for (const [id, t] of timers) if (t.due <= now && (!next || t.due < next[1].due)) next = [id, t];
      if (!next) return fired;
      timers.delete(next[0]);
      fired++;
      next[1].fn(...next[1].args);
    }
  };
  window.__clock = {advance: (ms, fire = true) => { now += ms; return fire ? run() : 0; }, run};
})();`

// site is the demo for one vendor, in this process on a loopback port, on
// the fixture's manual clock, with the embed endpoint's requests recorded.
type site struct {
	*fixture
	base     string
	noScript atomic.Bool // GET /embed/embed.js answers 404: the page is as the old demo's

	mu   sync.Mutex
	hits []hit
	hit  chan struct{} // a value per recorded request
}

// hit is one request to /embed/token or /embed/extend and its answer.
type hit struct {
	method, endpoint, secFetchSite string
	cookie                         bool
	status                         int
}

func newSite(t *testing.T, vendor string) *site {
	s := &site{fixture: newFixture(t, vendor), hit: make(chan struct{}, 1000)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/embed/embed.js" && s.noScript.Load() {
			http.NotFound(w, r)
			return
		}
		if !strings.HasPrefix(r.URL.Path, "/embed/") || r.URL.Path == "/embed/embed.js" {
			s.handler.ServeHTTP(w, r)
			return
		}
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		s.handler.ServeHTTP(rec, r)
		_, err := r.Cookie(sessionCookie)
		s.mu.Lock()
		s.hits = append(s.hits, hit{r.Method, strings.TrimPrefix(r.URL.Path, "/embed/"), r.Header.Get("Sec-Fetch-Site"), err == nil, rec.status})
		s.mu.Unlock()
		s.hit <- struct{}{}
	}))
	t.Cleanup(srv.Close)
	s.base = srv.URL
	return s
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}

// calls counts the recorded requests to endpoint answered status.
func (s *site) calls(endpoint string, status int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, h := range s.hits {
		if h.endpoint == endpoint && h.status == status {
			n++
		}
	}
	return n
}

// newTab opens a tab with the clock shim installed: in a new browser
// context (its own cookies, storage and channels) when parent is the
// browser, in parent's browser context when parent is a tab. It closes when
// t ends. (Each tab is made in a window of its own: Chromium refuses a tab
// in a browser context without a window.)
func newTab(t *testing.T, parent context.Context) context.Context {
	t.Helper()
	c := chromedp.FromContext(parent)
	bctx := c.BrowserContextID
	onBrowser := func(f func(ctx context.Context) error) {
		inTab(t, parent, chromedp.ActionFunc(func(ctx context.Context) error {
			return f(cdp.WithExecutor(ctx, c.Browser))
		}))
	}
	if c.Target == nil || bctx == "" {
		onBrowser(func(ctx context.Context) (err error) {
			bctx, err = target.CreateBrowserContext().Do(ctx)
			return err
		})
		t.Cleanup(func() {
			_ = chromedp.Run(parent, chromedp.ActionFunc(func(ctx context.Context) error {
				return target.DisposeBrowserContext(bctx).Do(cdp.WithExecutor(ctx, c.Browser))
			}))
		})
	}
	var id target.ID
	onBrowser(func(ctx context.Context) (err error) {
		id, err = target.CreateTarget("about:blank").WithBrowserContextID(bctx).WithNewWindow(true).Do(ctx)
		return err
	})
	tab, cancel := chromedp.NewContext(parent, chromedp.WithTargetID(id))
	t.Cleanup(cancel)
	chromedp.FromContext(tab).BrowserContextID = bctx
	// The first Run attaches the tab for as long as its context lives: no
	// timeout here.
	require.NoError(t, chromedp.Run(tab, chromedp.ActionFunc(func(ctx context.Context) error {
		_, err := cdppage.AddScriptToEvaluateOnNewDocument(clockShim).Do(ctx)
		return err
	})))
	return tab
}

// inTab runs actions in tab, bounded by a generous timeout (a hang fails the
// test instead of stalling it).
func inTab(t *testing.T, tab context.Context, actions ...chromedp.Action) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, 20*time.Second)
	defer cancel()
	if err := chromedp.Run(ctx, actions...); err != nil {
		dump, cancel := context.WithTimeout(tab, 5*time.Second)
		defer cancel()
		var where string
		_ = chromedp.Run(dump, chromedp.Evaluate(`location.href + "\n" + document.body.innerText`, &where)) // no iframe src: it holds a token
		require.NoError(t, err, "the tab shows %s", where)
	}
}

// signInTab signs in on the login form and waits for the report page.
func (s *site) signInTab(t *testing.T, tab context.Context, user string) {
	t.Helper()
	inTab(t, tab,
		chromedp.Navigate(s.base+"/login"),
		chromedp.WaitVisible("#user", chromedp.ByID),
		chromedp.SendKeys("#user", user, chromedp.ByID),
		chromedp.SendKeys("#password", s.app.Users.mustGet(t, user).Password, chromedp.ByID),
		chromedp.Click("#signin", chromedp.ByID),
		chromedp.WaitVisible("#who", chromedp.ByID),
	)
}

func (d *directory) mustGet(t *testing.T, name string) demoUser {
	u, ok := d.get(name)
	require.True(t, ok, name)
	return u
}

// report is what a test sees of the report iframe.
type report struct {
	Src     string // the iframe's src, its token replaced by a hash (see redact)
	Marked  bool   // the iframe element is the one marked by mark
	Loads   string // documents loaded in it (app.js counts)
	Expires string // expiresAt of the last biembed:refreshed
	State   string // the fake page's #state: live or expired
	Rows    string // its #row-filters
	User    string // its #grant-user
	Probe   string // what was typed in its #probe
}

// frameNode returns the report iframe's node, fetched afresh (its
// document changes when the iframe navigates).
func frameNode(t *testing.T, tab context.Context) *cdp.Node {
	t.Helper()
	var nodes []*cdp.Node
	inTab(t, tab, chromedp.Nodes("iframe#report", &nodes, chromedp.ByQuery, chromedp.Populate(-1, true)))
	require.Len(t, nodes, 1)
	return nodes[0]
}

// waitReport waits until the iframe has loaded loads documents (app.js
// counts them) and cond, a JavaScript expression, holds in the last one
// (the fake's page), and returns the report.
func waitReport(t *testing.T, tab context.Context, loads int, cond string) report {
	t.Helper()
	inTab(t, tab, chromedp.WaitReady(fmt.Sprintf(`iframe#report[data-loads="%d"]`, loads), chromedp.ByQuery))
	frame := frameNode(t, tab)
	var r report
	inTab(t, tab, chromedp.Poll(cond, nil, chromedp.WithPollingInFrame(frame), chromedp.WithPollingInterval(20*time.Millisecond),
		chromedp.WithPollingTimeout(15*time.Second)),
		chromedp.ActionFunc(func(ctx context.Context) error { return readReport(ctx, frame, &r) }))
	return r
}

// Conditions on the fake's page for waitReport.
const (
	live    = `document.getElementById("state").dataset.state === "live"`
	expired = `document.getElementById("state").dataset.state === "expired"`
)

// liveUntil holds when the fake's page is live and its status poll says
// the token expires at at.
func liveUntil(at time.Time) string {
	return live + ` && document.getElementById("grant-expires").textContent === "` + at.UTC().Format(time.RFC3339) + `"`
}

func readReport(ctx context.Context, frame *cdp.Node, r *report) error {
	var top struct{ Src, Loads, Expires string }
	err := chromedp.Evaluate(`(() => { const f = document.getElementById("report"), i = document.getElementById("info");
  return {src: f.getAttribute("src") || "", loads: f.dataset.loads || "", expires: i.dataset.expires || ""}; })()`, &top).Do(ctx)
	if err != nil {
		return err
	}
	err = chromedp.Evaluate(`document.getElementById("report").__marked === true`, &r.Marked).Do(ctx)
	if err != nil {
		return err
	}
	r.Src, r.Loads, r.Expires = redact(top.Src), top.Loads, top.Expires
	in := chromedp.FromNode(frame)
	return chromedp.Tasks{
		chromedp.AttributeValue("#state", "data-state", &r.State, nil, chromedp.ByQuery, in),
		chromedp.Text("#row-filters", &r.Rows, chromedp.ByQuery, in),
		chromedp.Text("#grant-user", &r.User, chromedp.ByQuery, in),
		chromedp.Value("#probe", &r.Probe, chromedp.ByQuery, in),
	}.Do(ctx)
}

// redact replaces the token in an embed URL by the hex of 8 bytes of its
// SHA-256, so that failure messages never print a token.
func redact(link string) string {
	u, err := url.Parse(link)
	if err != nil {
		return "unparsable URL"
	}
	parts := strings.Split(u.RawQuery, "&")
	for i, p := range parts {
		if tok, ok := strings.CutPrefix(p, "token="); ok {
			sum := sha256.Sum256([]byte(tok))
			parts[i] = "token=" + hex.EncodeToString(sum[:8])
		}
	}
	u.RawQuery = strings.Join(parts, "&")
	return u.String()
}

// mark marks the iframe element (a JS property: gone if the element is
// replaced) and types into the fake page's #probe (gone if the iframe
// reloads).
func mark(t *testing.T, tab context.Context, probe string) {
	t.Helper()
	inTab(t, tab, chromedp.Evaluate(`document.getElementById("report").__marked = true`, nil),
		chromedp.SendKeys("#probe", probe, chromedp.ByQuery, chromedp.FromNode(frameNode(t, tab))))
}

// advance moves the server's clock by d, then each tab's page clock
// (firing their due timers, in order).
func (s *site) advance(t *testing.T, d time.Duration, tabs ...context.Context) {
	t.Helper()
	s.clock.Advance(d)
	for _, tab := range tabs {
		inTab(t, tab, chromedp.Evaluate(fmt.Sprintf("__clock.advance(%d)", d.Milliseconds()), nil))
	}
}

// waitExpires waits until the page's biembed:refreshed says expiresAt.
func waitExpires(t *testing.T, tab context.Context, at time.Time) {
	t.Helper()
	inTab(t, tab, chromedp.WaitReady(fmt.Sprintf(`#info[data-expires=%q]`, at.UTC().Format(time.RFC3339)), chromedp.ByQuery))
}

// TestBrowserPageOutlivesItsToken: with embed.js, an open page lives four
// token lifetimes (two hours of manual clock) on one token, extended in
// place every half lifetime: the same iframe element, the same src, one
// document (what was typed in it is still there), the fake page live
// throughout.
func TestBrowserPageOutlivesItsToken(t *testing.T) {
	t.Parallel()
	for _, vendor := range vendors {
		t.Run(vendor, func(t *testing.T) {
			t.Parallel()
			s := newSite(t, vendor)
			tab := newTab(t, sharedBrowser(t))
			s.signInTab(t, tab, "alice")
			first := waitReport(t, tab, 1, live)
			require.Regexp(t, s.urlShape, first.Src)
			assert.Contains(t, first.Rows, "Hubei")
			mark(t, tab, "kept state "+vendor)

			for i := 1; i <= 8; i++ { // four lifetimes
				s.advance(t, tokenLifetime/2, tab)
				waitExpires(t, tab, s.clock.Now().Add(tokenLifetime))
				r := waitReport(t, tab, 1, liveUntil(s.clock.Now().Add(tokenLifetime)))
				assert.Equal(t, first.Src, r.Src, "extension %d keeps the token", i)
				assert.True(t, r.Marked, "extension %d keeps the iframe element", i)
				assert.Equal(t, "1", r.Loads, "extension %d: one document", i)
				assert.Equal(t, "kept state "+vendor, r.Probe, "extension %d: the page kept its state", i)
				assert.Equal(t, i, s.extends(), "one vendor extension per half lifetime")
			}
			assert.Equal(t, 1, s.mints(), "one token for four lifetimes")
			assert.Equal(t, 1, s.calls("token", http.StatusOK))
			assert.Equal(t, 8, s.calls("extend", http.StatusOK))
		})
	}
}

// TestBrowserPageDiesWithoutScript: the same page without embed.js (as the
// old demo: one token fetched once) dies when its token does.
func TestBrowserPageDiesWithoutScript(t *testing.T) {
	t.Parallel()
	for _, vendor := range vendors {
		t.Run(vendor, func(t *testing.T) {
			t.Parallel()
			s := newSite(t, vendor)
			s.noScript.Store(true)
			tab := newTab(t, sharedBrowser(t))
			s.signInTab(t, tab, "alice")
			var src string
			inTab(t, tab, chromedp.Evaluate(`fetch("/embed/token", {method: "POST", headers: {"X-Biembed": "1"}})
  .then(r => r.json()).then(a => (document.getElementById("report").src = a.url))`, &src,
				func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }))
			src = redact(src)
			require.Regexp(t, s.urlShape, src)
			waitReport(t, tab, 1, live)

			s.advance(t, tokenLifetime/2, tab)
			r := waitReport(t, tab, 1, live)
			assert.Equal(t, src, r.Src)
			s.advance(t, tokenLifetime/2, tab)
			r = waitReport(t, tab, 1, expired)
			assert.Equal(t, src, r.Src, "nothing replaced the token")
			assert.Equal(t, 0, s.extends())
			assert.Equal(t, 1, s.mints())
		})
	}
}

// TestBrowserRevokeAndPermissionChangeSwapTheToken: a token revoked on the
// server (cache RevokeUser) kills the open page; at its next refresh, half
// a lifetime later at most, the page swaps in a new token. A change of the
// user's rows does the same, and the new page shows the new rows.
func TestBrowserRevokeAndPermissionChangeSwapTheToken(t *testing.T) {
	t.Parallel()
	for _, vendor := range vendors {
		t.Run(vendor, func(t *testing.T) {
			t.Parallel()
			s := newSite(t, vendor)
			tab := newTab(t, sharedBrowser(t))
			s.signInTab(t, tab, "alice")
			first := waitReport(t, tab, 1, live)
			assert.Contains(t, first.Rows, "Hubei")
			mark(t, tab, "before the revoke")

			alice := s.app.Users.mustGet(t, "alice")
			require.NoError(t, s.app.Backend.revoke(context.Background(), "alice", alice))
			waitReport(t, tab, 1, expired)

			s.advance(t, tokenLifetime/2, tab)
			r := waitReport(t, tab, 2, live)
			assert.NotEqual(t, first.Src, r.Src, "a new token")
			assert.Regexp(t, s.urlShape, r.Src)
			assert.Contains(t, r.Rows, "Hubei")
			assert.Empty(t, r.Probe, "a new page")
			assert.True(t, r.Marked, "in the same iframe element")
			assert.Equal(t, 2, s.mints())
			assert.Equal(t, 0, s.extends(), "the revoked token was not extended")

			alice.Rows = filtermap.Equals("province", "Hunan")
			s.app.Users.set("alice", alice)
			s.advance(t, tokenLifetime/2, tab)
			r2 := waitReport(t, tab, 3, live)
			assert.NotEqual(t, r.Src, r2.Src, "a new token")
			assert.Contains(t, r2.Rows, "Hunan", "the new rows")
			assert.NotContains(t, r2.Rows, "Hubei")
			assert.True(t, r2.Marked, "in the same iframe element")
			assert.Equal(t, 3, s.mints())
		})
	}
}

// count counts the recorded requests to endpoint, whatever their answer.
func (s *site) count(endpoint string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, h := range s.hits {
		if h.endpoint == endpoint {
			n++
		}
	}
	return n
}

// waitHits waits until cond holds of the recorded requests and returns them.
func (s *site) waitHits(t *testing.T, cond func([]hit) bool) []hit {
	t.Helper()
	timeout := time.NewTimer(20 * time.Second) // a bound on a hang, not a synchronisation
	defer timeout.Stop()
	for {
		s.mu.Lock()
		hits := append([]hit(nil), s.hits...)
		s.mu.Unlock()
		if cond(hits) {
			return hits
		}
		select {
		case <-s.hit:
		case <-timeout.C:
			t.Fatalf("the embed endpoint did not see the expected requests; it saw %+v", hits)
		}
	}
}

// pageClock moves tab's page clock by d; fire runs its due timers and
// returns how many fired.
func pageClock(t *testing.T, tab context.Context, d time.Duration, fire bool) int {
	t.Helper()
	var fired int
	inTab(t, tab, chromedp.Evaluate(fmt.Sprintf("__clock.advance(%d, %t)", d.Milliseconds(), fire), &fired))
	return fired
}

// TestBrowserTabsShareOneRefresh: two tabs of one user show one token. When
// refreshAfter comes, the tab whose timer fires first extends it, and the
// other tab takes its answer (BroadcastChannel): its own timer is moved on
// and nothing more reaches the server. When both timers fire at once, Web
// Locks keep one call in flight: still one extension at the vendor.
func TestBrowserTabsShareOneRefresh(t *testing.T) {
	t.Parallel()
	for _, vendor := range vendors {
		t.Run(vendor, func(t *testing.T) {
			t.Parallel()
			s := newSite(t, vendor)
			tab1 := newTab(t, sharedBrowser(t))
			s.signInTab(t, tab1, "alice")
			r1 := waitReport(t, tab1, 1, live)
			tab2 := newTab(t, tab1) // same cookies, another window
			inTab(t, tab2, chromedp.Navigate(s.base+"/"), chromedp.WaitVisible("#who", chromedp.ByID))
			r2 := waitReport(t, tab2, 1, live)
			require.Equal(t, r1.Src, r2.Src, "one token for both tabs")
			require.Equal(t, 1, s.mints())

			for round := 1; round <= 2; round++ {
				s.clock.Advance(tokenLifetime / 2)
				pageClock(t, tab1, tokenLifetime/2, false)
				pageClock(t, tab2, tokenLifetime/2, false)
				require.Equal(t, 1, pageClock(t, tab1, 0, true), "tab 1's refresh timer fires")
				expires := s.clock.Now().Add(tokenLifetime)
				waitExpires(t, tab1, expires)
				waitExpires(t, tab2, expires) // tab 2 heard tab 1's answer
				assert.Equal(t, 0, pageClock(t, tab2, 0, true), "round %d: tab 2's timer was moved on", round)
				assert.Equal(t, round, s.count("extend"), "round %d: one extend request from two tabs", round)
				assert.Equal(t, round, s.extends(), "round %d: one extension at the vendor", round)
			}

			// Both timers at once.
			s.clock.Advance(tokenLifetime / 2)
			pageClock(t, tab1, tokenLifetime/2, false)
			pageClock(t, tab2, tokenLifetime/2, false)
			pageClock(t, tab1, 0, true)
			pageClock(t, tab2, 0, true)
			expires := s.clock.Now().Add(tokenLifetime)
			waitExpires(t, tab1, expires)
			waitExpires(t, tab2, expires)
			assert.Equal(t, 3, s.extends(), "one extension at the vendor")
			t.Logf("extend requests when both timers fired together: %d", s.count("extend")-2)
			for _, tab := range []context.Context{tab1, tab2} {
				r := waitReport(t, tab, 1, liveUntil(expires))
				assert.Equal(t, r1.Src, r.Src, "both tabs kept the token")
			}
			assert.Equal(t, 1, s.mints())
		})
	}
}

// TestBrowserRefusesCrossSitePost: a page on another origin (same site:
// 127.0.0.1 on another port, so the browser sends the SameSite=Lax session
// cookie along) posts to the token endpoint of a signed-in user: a fetch
// with the X-Biembed header (stopped by its CORS preflight), a no-cors
// fetch and a form. Every POST that arrives is refused (403) and nothing
// is minted for it.
func TestBrowserRefusesCrossSitePost(t *testing.T) {
	t.Parallel()
	for _, vendor := range vendors {
		t.Run(vendor, func(t *testing.T) {
			t.Parallel()
			s := newSite(t, vendor)
			tab := newTab(t, sharedBrowser(t))
			s.signInTab(t, tab, "alice")
			waitReport(t, tab, 1, live)
			require.Equal(t, 1, s.calls("token", http.StatusOK), "the page's own request")

			evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				fmt.Fprintf(w, `<!doctype html><body>
<form id="f" method="post" action="%[1]s/embed/token" target="sink"><input name="id" value="x"></form>
<iframe name="sink"></iframe>
<script>
const b = document.body, to = %[1]q + "/embed/token";
fetch(to, {method: "POST", credentials: "include", headers: {"X-Biembed": "1"}})
  .then(r => "answered " + r.status, () => "blocked").then(v => (b.dataset.preflighted = v));
fetch(to, {method: "POST", credentials: "include", mode: "no-cors", body: "{}"})
  .then(() => "sent", () => "blocked").then(v => (b.dataset.simple = v));
document.getElementById("f").submit();
</script></body>`, s.base)
			}))
			t.Cleanup(evil.Close)

			var preflighted, simple string
			inTab(t, tab, chromedp.Navigate(evil.URL),
				chromedp.WaitReady("body[data-preflighted][data-simple]", chromedp.ByQuery),
				chromedp.AttributeValue("body", "data-preflighted", &preflighted, nil, chromedp.ByQuery),
				chromedp.AttributeValue("body", "data-simple", &simple, nil, chromedp.ByQuery))
			assert.Equal(t, "blocked", preflighted, "the CORS preflight is not granted")
			assert.Equal(t, "sent", simple)

			hits := s.waitHits(t, func(hits []hit) bool {
				posts := 0
				for _, h := range hits[1:] {
					if h.method == http.MethodPost {
						posts++
					}
				}
				return posts >= 2 // the no-cors fetch and the form
			})
			for _, h := range hits[1:] {
				t.Logf("cross-site request: %+v", h)
				if h.method != http.MethodPost {
					assert.NotEqual(t, http.StatusOK, h.status, "the preflight is refused")
					continue
				}
				assert.Equal(t, http.StatusForbidden, h.status)
				assert.True(t, h.cookie, "the session cookie went along: only the guard stopped it")
				assert.Equal(t, "same-site", h.secFetchSite)
			}
			assert.Equal(t, 1, s.calls("token", http.StatusOK), "no token for another origin")
			assert.Equal(t, 1, s.mints())
		})
	}
}
