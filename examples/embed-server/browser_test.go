package main

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// chromiumPath finds Chromium. Without it the browser test skips locally and
// fails under CI (CI=true), where .ci/run installs it.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed; .ci/run installs it with: apt-get install -y chromium")
	}
	t.Skip("chromium is not installed; to run the browser test: apt-get install -y chromium")
	return ""
}

// newBrowser starts a headless Chromium with a fresh profile and returns a
// context for it; the browser stops when the test ends.
func newBrowser(t *testing.T, ctx context.Context) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox, // CI runs as root in a container
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
	}
	profile, err := os.MkdirTemp("", "embed-server-chromium-")
	require.NoError(t, err)
	opts = append(opts, chromedp.UserDataDir(profile)) // fresh: no cookies, no cache
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	browserCtx, cancelBrowser := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancelBrowser() // closes the browser and waits for its process
		cancelAlloc()
		removeProfile(t, profile)
	})
	require.NoError(t, chromedp.Run(browserCtx), "starting chromium")
	return browserCtx
}

// removeProfile deletes Chromium's profile directory. Chromium's helper
// processes may still write a file or two into it after the browser process
// exits, so a failed attempt is retried; a profile that cannot be removed is
// only logged (it is in the temp directory and holds nothing secret).
func removeProfile(t *testing.T, dir string) {
	var err error
	for range 5 {
		if err = os.RemoveAll(dir); err == nil {
			return
		}
	}
	t.Logf("could not remove chromium's profile %s: %v", dir, err)
}

// TestBrowserShowsEachUserOwnRows runs the demo as the README's quickstart
// does (fake mode), signs in as each demo user in a real browser, and reads
// the report iframe: the fake's embed page lists what the token grants, and
// each user must see their own province's rows and not the other's.
func TestBrowserShowsEachUserOwnRows(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	browser := newBrowser(t, ctx)

	own := map[string]string{"alice": "Hubei", "bob": "Guangdong"}
	for _, vendor := range vendors {
		t.Run(vendor, func(t *testing.T) {
			base, _ := startRun(t, vendor)
			tab, closeTab := chromedp.NewContext(browser)
			defer closeTab()
			for _, user := range []string{"alice", "bob"} {
				text := iframeTextAfterLogin(t, tab, base, user, demoUsers[user].Password)
				require.Contains(t, text, "Row filters", "the fake's grant section")
				assert.Contains(t, text, own[user], "%s must see their rows", user)
				for other, theirs := range own {
					if other != user {
						assert.NotContains(t, text, theirs, "%s must not see %s's rows", user, other)
					}
				}
			}
		})
	}
}

// iframeTextAfterLogin signs in on the login form, waits until the report
// iframe has loaded the embed URL, reads the iframe's text and signs out.
// Clicks that navigate go through RunResponse, which returns once the next
// page has loaded, so no query runs against a page that is going away.
func iframeTextAfterLogin(t *testing.T, tab context.Context, base, user, password string) string {
	t.Helper()
	require.NoError(t, chromedp.Run(tab,
		chromedp.Navigate(base+"/"), // anonymous: redirected to the login form
		chromedp.WaitVisible("#user", chromedp.ByID),
		chromedp.SendKeys("#user", user, chromedp.ByID),
		chromedp.SendKeys("#password", password, chromedp.ByID),
	), "filling in the login form as %s", user)
	resp, err := chromedp.RunResponse(tab, chromedp.Click("#signin", chromedp.ByID))
	require.NoError(t, err, "signing in as %s", user)
	require.Equal(t, int64(200), resp.Status)

	var frames []*cdp.Node
	var who, text string
	require.NoError(t, chromedp.Run(tab,
		chromedp.Text("#who", &who, chromedp.ByID),
		chromedp.WaitReady("iframe#report[data-loaded]", chromedp.ByQuery),
		chromedp.Nodes("iframe#report", &frames, chromedp.ByQuery),
	), "waiting for the report of %s", user)
	require.Equal(t, user, who)
	require.Len(t, frames, 1)
	// #embed holds the fake's grant section, or its error section when it
	// refuses the token: read either, so a refusal shows in the failure.
	require.NoError(t, chromedp.Run(tab,
		chromedp.Text("#embed", &text, chromedp.ByQuery, chromedp.FromNode(frames[0])),
	), "reading the iframe")
	t.Logf("%s sees:\n%s", user, text)

	_, err = chromedp.RunResponse(tab, chromedp.Click("#signout", chromedp.ByID))
	require.NoError(t, err, "signing out")
	return text
}
