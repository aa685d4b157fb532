package tencenttest_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/biembed/biembed-go/biembed"
	"github.com/biembed/biembed-go/biembedtest"
	"github.com/biembed/biembed-go/clientsetting"
	"github.com/biembed/biembed-go/filtermap"
	"github.com/biembed/biembed-go/tencent"
	"github.com/biembed/biembed-go/tencent/tencenttest"
)

// setup starts a fake and a client on one manual clock, with embed URLs
// pointing at the fake.
func setup(t *testing.T, opts ...tencenttest.Option) (*tencent.Client, *tencenttest.Server, *biembedtest.Clock) {
	t.Helper()
	clock := biembedtest.NewClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	srv := tencenttest.NewTestServer(t, append([]tencenttest.Option{tencenttest.WithClock(clock.Now)}, opts...)...)
	client, err := tencent.NewClient(tencent.WithSecret(tencenttest.SecretID, tencenttest.SecretKey),
		tencent.WithEndpoint(srv.URL()), tencent.WithEmbedHost(srv.URL()), tencent.WithClock(clock.Now),
		tencent.WithRetries(0))
	require.NoError(t, err)
	return client, srv, clock
}

func mint(t *testing.T, client *tencent.Client, req *tencent.CreateEmbedTokenRequest) *tencent.EmbedToken {
	t.Helper()
	tok, err := client.CreateEmbedToken(context.Background(), req)
	require.NoError(t, err)
	return tok
}

func TestCountEmptyNameCountsEveryRequest(t *testing.T) {
	t.Parallel()
	client, srv, _ := setup(t)
	assert.Equal(t, 0, srv.Count(""))
	tok := mint(t, client, tencent.NewPageRequest(7, 8))
	require.NoError(t, client.ApplyEmbedInterval(context.Background(), tencent.ExtendRequestFor(tok)))
	assert.Equal(t, 2, srv.Count(""), `Count("") counts every request`)
	assert.Equal(t, 1, srv.Count("CreateEmbedToken"))
	assert.Equal(t, 1, srv.Count("ApplyEmbedInterval"))
	assert.Equal(t, 0, srv.Count("ClearEmbedToken"))
}

func TestResetRequestsForgetsRequestsAndCounts(t *testing.T) {
	t.Parallel()
	client, srv, _ := setup(t)
	mint(t, client, tencent.NewPageRequest(7, 8))
	srv.ResetRequests()
	assert.Empty(t, srv.Requests())
	assert.Equal(t, 0, srv.Count(""))
	mint(t, client, tencent.NewPageRequest(7, 8))
	assert.Len(t, srv.Requests(), 1)
	assert.Equal(t, 1, srv.Count("CreateEmbedToken"))
}

func TestRecordedCreateEmbedTokenIsDecoded(t *testing.T) {
	t.Parallel()
	client, srv, _ := setup(t)
	req := tencent.NewChatBIRequest(7)
	req.Expiry = 30 * time.Minute
	req.TokenType, req.UserCorpID, req.UserID = tencent.TokenTypeSingleUser, "corp", "alice"
	req.GlobalParams = filtermap.GlobalParams{filtermap.In("province", "Hubei", "Hunan").GlobalParam()}
	req.Config = &clientsetting.ChatBIConfig{ChatBIConfigList: []clientsetting.ChatBIConfigItem{
		clientsetting.TableFilter("26513"), clientsetting.SQLView(false),
	}}
	mint(t, client, req)
	got := srv.Requests()
	require.Len(t, got, 1)
	assert.Equal(t, "CreateEmbedToken", got[0].Action)
	assert.Equal(t, req, got[0].CreateEmbedToken, "the recorded request decodes to what was sent")
	assert.NotContains(t, got[0].Header, "Authorization")
}

// get fetches url and returns the status and body.
func get(t *testing.T, url string) (int, string) {
	t.Helper()
	hc := &http.Client{Transport: &http.Transport{}}
	defer hc.CloseIdleConnections()
	resp, err := hc.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(body)
}

func TestEmbedPageShowsTheGrant(t *testing.T) {
	t.Parallel()
	client, srv, _ := setup(t)
	req := tencent.NewPageRequest(7, 8)
	req.Expiry = time.Hour
	req.TokenType, req.UserCorpID, req.UserID = tencent.TokenTypeSingleUser, "corp", "<b>alice</b>"
	req.GlobalParams = filtermap.GlobalParams{filtermap.In("province", "Hubei", "Hunan").GlobalParam()}
	tok := mint(t, client, req)
	link, err := tok.URL(tencent.WithPageParam("year", "2025"))
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(link, srv.URL()+"/page/embed?"), "tok.URL() points at the fake: %s", link)

	status, page := get(t, link)
	assert.Equal(t, http.StatusOK, status)
	assert.Contains(t, page, `<section id="grant" data-vendor="tencent">`)
	assert.Contains(t, page, `<li class="row-filter">province in Hubei, Hunan</li>`)
	assert.Contains(t, page, `<dd id="grant-user">&lt;b&gt;alice&lt;/b&gt; (corp corp)</dd>`, "values are escaped")
	assert.Contains(t, page, `<dd id="grant-target">project 7, page 8</dd>`)
	assert.Contains(t, page, `<dd id="grant-expires">2026-03-01T10:00:00Z</dd>`)
	assert.Contains(t, page, `<li class="page-param">year = 2025</li>`)
	assert.Equal(t, 1, srv.Count(tencenttest.EmbedPage))
}

func TestChatBIPageShowsTheDisplaySettings(t *testing.T) {
	t.Parallel()
	client, _, _ := setup(t)
	req := tencent.NewChatBIRequest(7)
	req.TokenType, req.UserCorpID, req.UserID = tencent.TokenTypeSingleUser, "corp", "alice"
	req.Config = &clientsetting.ChatBIConfig{ChatBIConfigList: []clientsetting.ChatBIConfigItem{
		clientsetting.TableFilter("26513"), clientsetting.SQLView(false),
	}}
	link, err := mint(t, client, req).URL()
	require.NoError(t, err)
	status, page := get(t, link)
	assert.Equal(t, http.StatusOK, status)
	assert.Contains(t, page, `<li class="display-setting">TableFilter: 26513</li>`)
	assert.Contains(t, page, `<li class="display-setting">SqlView: disabled</li>`)
}

func TestEmbedPageRefusesTokensLikeTheService(t *testing.T) {
	t.Parallel()
	client, srv, clock := setup(t)
	short := tencent.NewPageRequest(7, 8)
	short.Expiry = 10 * time.Minute
	expiring := mint(t, client, short)
	once := tencent.NewPageRequest(7, 8)
	once.TicketNum = 1
	ticket := mint(t, client, once)
	chat := mint(t, client, tencent.NewChatBIRequest(7))

	link := func(tok *tencent.EmbedToken) string {
		u, err := tok.URL()
		require.NoError(t, err)
		return u
	}
	status, _ := get(t, link(ticket))
	require.Equal(t, http.StatusOK, status, "the first visit uses the one ticket")

	unknown := *expiring
	unknown.Value = biembed.NewSecret("00000000-0000-4000-8000-000000000000")
	chatOnPage := *chat
	chatOnPage.Intention, chatOnPage.Scope = tencent.IntentionEmbed, tencent.ScopePanel
	cases := []struct {
		name, url, reason string
		status            int
	}{
		{"unknown", link(&unknown), "unknown", http.StatusUnauthorized},
		{"ticket used up", link(ticket), "used-up", http.StatusForbidden},
		{"ChatBI token on a dashboard page", link(&chatOnPage), "wrong-page", http.StatusForbidden},
		{"no token", srv.URL() + "/page/embed?authType=strong&projectId=7", "missing-token", http.StatusUnauthorized},
		{"other project", strings.Replace(link(chat), "projectId=7", "projectId=9", 1), "wrong-page", http.StatusForbidden},
	}
	clock.Advance(10 * time.Minute)
	cases = append(cases, struct {
		name, url, reason string
		status            int
	}{"expired", link(expiring), "expired", http.StatusUnauthorized})
	for _, c := range cases {
		status, page := get(t, c.url)
		assert.Equal(t, c.status, status, c.name)
		assert.Contains(t, page, `data-reason="`+c.reason+`"`, c.name)
		assert.NotContains(t, page, `id="grant"`, c.name)
	}
}

// status asks the fake's status endpoint about the token of link, as the
// page's script does.
func status(t *testing.T, srv *tencenttest.Server, link string) map[string]string {
	t.Helper()
	u, err := url.Parse(link)
	require.NoError(t, err)
	code, body := get(t, srv.URL()+"/page/status?token="+url.QueryEscape(u.Query().Get("token")))
	require.Equal(t, http.StatusOK, code, body)
	var st map[string]string
	require.NoError(t, json.Unmarshal([]byte(body), &st), body)
	return st
}

// An open page asks /page/status on a timer: the answer follows the fake's
// clock, goes on after ApplyEmbedInterval, and says expired once the token
// has expired or was cleared. Polling uses no ticket and is no page visit.
func TestEmbedPageStatusFollowsTheFakesClock(t *testing.T) {
	t.Parallel()
	client, srv, clock := setup(t)
	req := tencent.NewPageRequest(7, 8)
	req.Expiry = 30 * time.Minute
	req.TokenType, req.UserCorpID, req.UserID, req.TicketNum = tencent.TokenTypeSingleUser, "corp", "alice", 1
	tok := mint(t, client, req)
	link, err := tok.URL()
	require.NoError(t, err)

	code, page := get(t, link)
	require.Equal(t, http.StatusOK, code)
	assert.Contains(t, page, `<section id="state" data-state="live" data-reason="">live</section>`)
	assert.Contains(t, page, `<input id="probe" autocomplete="off">`)
	assert.Contains(t, page, `fetch("/page/status?token=`+url.QueryEscape(tok.Value.Reveal()), "the script polls the status of its own token")

	assert.Equal(t, map[string]string{"state": "live", "expires": "2026-03-01T09:30:00Z"}, status(t, srv, link))
	clock.Advance(20 * time.Minute)
	require.NoError(t, client.ApplyEmbedInterval(context.Background(), tencent.ExtendRequestFor(tok)))
	clock.Advance(15 * time.Minute) // past the first expiry
	assert.Equal(t, map[string]string{"state": "live", "expires": "2026-03-01T09:50:00Z"}, status(t, srv, link))
	clock.Advance(15 * time.Minute)
	assert.Equal(t, map[string]string{"state": "expired", "reason": "expired", "expires": "2026-03-01T09:50:00Z"}, status(t, srv, link))

	got, _ := srv.Lookup(tok.Value.Reveal())
	assert.Equal(t, 1, got.Visits, "status polls use no ticket")

	fresh := mint(t, client, req)
	freshLink, err := fresh.URL()
	require.NoError(t, err)
	assert.Equal(t, "live", status(t, srv, freshLink)["state"])
	require.NoError(t, client.ClearEmbedToken(context.Background(), &tencent.ClearEmbedTokenRequest{ProjectID: fresh.ProjectID, UserCorpID: fresh.UserCorpID, Scope: fresh.Scope, PageID: fresh.PageID}))
	assert.Equal(t, map[string]string{"state": "expired", "reason": "unknown"}, status(t, srv, freshLink))

	assert.Equal(t, 1, srv.Count(tencenttest.EmbedPage), "status polls are no page visits")
	assert.Equal(t, 5, srv.Count(tencenttest.EmbedStatus))
}
