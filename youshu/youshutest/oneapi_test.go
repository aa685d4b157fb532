package youshutest_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/biembed/biembed-go/biembedtest"
	"github.com/biembed/biembed-go/clientsetting"
	"github.com/biembed/biembed-go/filtermap"
	"github.com/biembed/biembed-go/tokencache"
	"github.com/biembed/biembed-go/youshu"
	"github.com/biembed/biembed-go/youshu/youshutest"
)

// setup starts a fake and an admin client on one manual clock.
func setup(t *testing.T, opts ...youshutest.Option) (*youshu.Client, *youshutest.Server, *biembedtest.Clock) {
	t.Helper()
	clock := biembedtest.NewClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	srv := youshutest.NewTestServer(t, append([]youshutest.Option{youshutest.WithClock(clock.Now)}, opts...)...)
	client, err := youshu.NewClient(srv.URL(), youshu.WithInsecureHTTP(), youshu.WithClock(clock.Now),
		youshu.WithCredential(youshutest.AdminCredential()), youshu.WithRetries(0))
	require.NoError(t, err)
	return client, srv, clock
}

func get(t *testing.T, link string) (int, string) {
	t.Helper()
	hc := &http.Client{Transport: &http.Transport{}}
	defer hc.CloseIdleConnections()
	resp, err := hc.Get(link)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(body)
}

func TestResetRequestsForgetsRequestsAndCounts(t *testing.T) {
	t.Parallel()
	client, srv, _ := setup(t)
	_, err := client.GenToken(context.Background(), &youshu.GenTokenRequest{})
	require.NoError(t, err)
	require.Equal(t, 1, srv.Count(""))
	srv.ResetRequests()
	assert.Empty(t, srv.Requests())
	assert.Equal(t, 0, srv.Count(""))
	assert.Equal(t, 0, srv.Count("genToken"))
}

func TestIntegrationPageShowsTheGrant(t *testing.T) {
	t.Parallel()
	client, srv, _ := setup(t)
	req := &youshu.GenTokenRequest{AuthUniqueID: youshutest.User().UniqueID, Expiry: time.Hour}
	req.FilterMap = filtermap.FilterMap{}
	req.FilterMap["1"] = filtermap.NewRowFilters(filtermap.RuleAnd,
		filtermap.NewListFilter(filtermap.TableName("orders"), filtermap.Select,
			filtermap.Dim{Field: "province", DataType: filtermap.TypeString}, "Hubei", "Hunan"))
	req.ColumnFilterMap = filtermap.ColumnFilterMap{}
	req.ColumnFilterMap["1"] = filtermap.NewColumnFilters(filtermap.RuleAnd, filtermap.NewColumnFilter("orders",
		filtermap.DataMask{Field: "phone", DataType: filtermap.TypeString, ApplyRange: []filtermap.ApplyRange{filtermap.ApplyView, filtermap.ApplyExport}}))
	hide := true
	req.ClientSetting = &clientsetting.ClientSetting{Integrate: &clientsetting.Integrate{HideTitle: &hide}}
	tok, err := client.GenToken(context.Background(), req)
	require.NoError(t, err)
	link, err := tok.URL(youshu.Report(42), youshu.WithQuery(url.Values{"region": {"<east>"}}))
	require.NoError(t, err)

	status, page := get(t, link)
	assert.Equal(t, http.StatusOK, status)
	assert.Contains(t, page, `<section id="grant" data-vendor="youshu">`)
	assert.Contains(t, page, `<dd id="grant-user">user</dd>`)
	assert.Contains(t, page, `<dd id="grant-target">report page of project 42</dd>`)
	assert.Contains(t, page, `<dd id="grant-expires">2026-03-01T10:00:00Z</dd>`)
	assert.Contains(t, page, `<li class="row-filter">province in Hubei, Hunan (orders, connection 1)</li>`)
	assert.Contains(t, page, `<li class="column-mask">orders.phone masked in view, export (connection 1)</li>`)
	assert.Contains(t, page, `<li class="display-setting">integrate.hideTitle: true</li>`)
	assert.Contains(t, page, `<li class="page-param">region = &lt;east&gt;</li>`, "values are escaped")
	assert.Equal(t, 1, srv.Count(youshutest.EndpointIntegration))
}

func TestEveryDocumentedIntegrationPathIsServed(t *testing.T) {
	t.Parallel()
	client, srv, _ := setup(t)
	tok, err := client.GenToken(context.Background(), &youshu.GenTokenRequest{})
	require.NoError(t, err)
	report, _ := tok.URL(youshu.Report(1))
	screen, _ := tok.URL(youshu.Screen(1, 5))
	newScreen, _ := tok.URL(youshu.NewScreen("abc"))
	cockpit, _ := tok.URL(youshu.WithPath("dash/cockpitIntegration"))
	chat, _ := tok.URL(youshu.WithPath("dash/chatbi/dialogIntegration"))
	rootChat, _ := tok.URL(youshu.WithPath("chatbi/dialogIntegration"))
	for link, target := range map[string]string{
		report: "report page of project 1", screen: "large screen 5 of project 1",
		newScreen: "new large screen abc", cockpit: "cockpit", chat: "ChatBI dialog", rootChat: "ChatBI dialog",
	} {
		status, page := get(t, link)
		assert.Equal(t, http.StatusOK, status, target)
		assert.Contains(t, page, `<dd id="grant-target">`+target+`</dd>`)
	}
	status, page := get(t, srv.URL()+"/dash/nowhere?token=x")
	assert.Equal(t, http.StatusNotFound, status)
	assert.Contains(t, page, `data-reason="not-found"`)
}

func TestIntegrationPageRefusesTokensLikeTheProduct(t *testing.T) {
	t.Parallel()
	client, srv, clock := setup(t)
	ctx := context.Background()
	short, err := client.GenToken(ctx, &youshu.GenTokenRequest{Expiry: 10 * time.Minute})
	require.NoError(t, err)
	once, err := client.GenToken(ctx, &youshu.GenTokenRequest{Once: true})
	require.NoError(t, err)
	removed, err := client.GenToken(ctx, &youshu.GenTokenRequest{})
	require.NoError(t, err)
	require.NoError(t, client.RemoveToken(ctx, removed.Value.Reveal()))
	onceLink, _ := once.URL(youshu.WithPath("dash/cockpitIntegration"))
	status, _ := get(t, onceLink)
	require.Equal(t, http.StatusOK, status)
	clock.Advance(10 * time.Minute)

	shortLink, _ := short.URL(youshu.WithPath("dash/cockpitIntegration"))
	removedLink, _ := removed.URL(youshu.WithPath("dash/cockpitIntegration"))
	cases := []struct {
		name, url, reason string
		status            int
	}{
		{"unknown", srv.URL() + "/dash/cockpitIntegration?token=feedface", "unknown", http.StatusUnauthorized},
		{"expired", shortLink, "expired", http.StatusUnauthorized},
		{"once token used", onceLink, "used-up", http.StatusForbidden},
		{"removed", removedLink, "unknown", http.StatusUnauthorized},
		{"no token", srv.URL() + "/dash/cockpitIntegration", "missing-token", http.StatusUnauthorized},
	}
	for _, c := range cases {
		status, page := get(t, c.url)
		assert.Equal(t, c.status, status, c.name)
		assert.Contains(t, page, `data-reason="`+c.reason+`"`, c.name)
		assert.NotContains(t, page, `id="grant"`, c.name)
	}
}

// TestOneClockDrivesAnHourOfClientCacheAndFake shares one manual clock
// between the fake, the client and its cache: a token is minted, refreshed
// ahead of its expiry, and the old one is refused by the fake's page once the
// shared clock passes its hour, all in milliseconds.
func TestOneClockDrivesAnHourOfClientCacheAndFake(t *testing.T) {
	t.Parallel()
	client, _, clock := setup(t)
	start := clock.Now()
	mints := make(chan struct{}, 4)
	cache, err := youshu.NewCache(client, tokencache.Options{Now: clock.Now, OnEvent: func(e tokencache.Event) {
		if e.Kind == tokencache.EventMint {
			mints <- struct{}{}
		}
	}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = cache.Close() })
	ctx := context.Background()
	req := &youshu.GenTokenRequest{AuthUniqueID: youshutest.User().UniqueID, Expiry: time.Hour}

	first, err := cache.Get(ctx, req)
	require.NoError(t, err)
	<-mints
	assert.Equal(t, start.Add(time.Hour), first.ExpiresAt)

	clock.Advance(50 * time.Minute)
	served, err := cache.Get(ctx, req)
	require.NoError(t, err)
	assert.Equal(t, first.Value, served.Value, "the old token is served while the refresh runs")
	<-mints
	second, err := cache.Get(ctx, req)
	require.NoError(t, err)
	assert.NotEqual(t, first.Value, second.Value)

	clock.Advance(15 * time.Minute)
	oldLink, _ := first.URL(youshu.WithPath("dash/cockpitIntegration"))
	status, page := get(t, oldLink)
	assert.Equal(t, http.StatusUnauthorized, status, "the fake saw the first token expire")
	assert.Contains(t, page, `data-reason="expired"`)
	newLink, _ := second.URL(youshu.WithPath("dash/cockpitIntegration"))
	status, _ = get(t, newLink)
	assert.Equal(t, http.StatusOK, status)
}

// status asks the fake's status endpoint about token, as the page's script
// does.
func status(t *testing.T, srv *youshutest.Server, token string) map[string]string {
	t.Helper()
	code, body := get(t, srv.URL()+"/dash/status?token="+url.QueryEscape(token))
	require.Equal(t, http.StatusOK, code, body)
	var st map[string]string
	require.NoError(t, json.Unmarshal([]byte(body), &st), body)
	return st
}

// An open page asks /dash/status on a timer: the answer follows the fake's
// clock, goes on after renewToken, and says expired once the token has
// expired or was removed. Polling is no visit: it neither uses a once token
// up nor renews an autoRenew one.
func TestIntegrationPageStatusFollowsTheFakesClock(t *testing.T) {
	t.Parallel()
	client, srv, clock := setup(t)
	ctx := context.Background()
	tok, err := client.GenToken(ctx, &youshu.GenTokenRequest{AuthUniqueID: youshutest.User().UniqueID, Expiry: 30 * time.Minute})
	require.NoError(t, err)
	link, err := tok.URL(youshu.Report(1))
	require.NoError(t, err)
	value := tok.Value.Reveal()

	code, page := get(t, link)
	require.Equal(t, http.StatusOK, code)
	assert.Contains(t, page, `<section id="state" data-state="live" data-reason="">live</section>`)
	assert.Contains(t, page, `<input id="probe" autocomplete="off">`)
	assert.Contains(t, page, `fetch("/dash/status?token=`+value, "the script polls the status of its own token")

	assert.Equal(t, map[string]string{"state": "live", "expires": "2026-03-01T09:30:00Z"}, status(t, srv, value))
	clock.Advance(20 * time.Minute)
	require.NoError(t, client.RenewToken(ctx, value))
	clock.Advance(15 * time.Minute) // past the first expiry
	assert.Equal(t, map[string]string{"state": "live", "expires": "2026-03-01T09:50:00Z"}, status(t, srv, value))
	clock.Advance(15 * time.Minute)
	assert.Equal(t, map[string]string{"state": "expired", "reason": "expired", "expires": "2026-03-01T09:50:00Z"}, status(t, srv, value))

	once, err := client.GenToken(ctx, &youshu.GenTokenRequest{Once: true, Expiry: time.Hour,
		AutoRenew: 2 * time.Hour})
	require.NoError(t, err)
	onceValue := once.Value.Reveal()
	assert.Equal(t, "live", status(t, srv, onceValue)["state"])
	before, _ := srv.Lookup(onceValue)
	assert.Equal(t, 0, before.Visits, "a status poll uses no once token up")
	onceLink, err := once.URL(youshu.WithPath("dash/cockpitIntegration"))
	require.NoError(t, err)
	code, _ = get(t, onceLink)
	assert.Equal(t, http.StatusOK, code, "the once token still opens its page")

	require.NoError(t, client.RemoveToken(ctx, onceValue))
	assert.Equal(t, "removed", status(t, srv, onceValue)["reason"])
	assert.Equal(t, map[string]string{"state": "expired", "reason": "unknown"}, status(t, srv, "no-such-token"))
	assert.Equal(t, 2, srv.Count(youshutest.EndpointIntegration), "status polls are no page visits")
	assert.Equal(t, 6, srv.Count(youshutest.EndpointStatus))
}
