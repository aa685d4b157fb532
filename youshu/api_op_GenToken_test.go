package youshu_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/biembed/biembed-go/biembedtest"
	"github.com/biembed/biembed-go/filtermap"
	"github.com/biembed/biembed-go/internal/testkit/seeds"
	"github.com/biembed/biembed-go/youshu"
	"github.com/biembed/biembed-go/youshu/youshutest"
)

// visit opens an integration URL of the fake and returns the HTTP status.
func visit(t *testing.T, link string) int {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, link, nil)
	require.NoError(t, err)
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	return resp.StatusCode
}

func TestGenTokenCredentialKinds(t *testing.T) {
	t.Parallel()
	for name, cred := range map[string]youshu.Credential{
		"password":           youshutest.UserCredential(),
		"password by id":     youshu.Password(youshutest.User().UniqueID, youshutest.User().Password),
		"token key":          youshu.TokenKey(youshutest.User().TokenKey),
		"sso with unique id": youshu.SSO(youshutest.User().UniqueID, youshutest.User().IntegrateToken),
		"sso token only":     youshu.SSO("", youshutest.User().IntegrateToken),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := youshutest.NewTestServer(t)
			c := newClient(t, srv)
			tok, err := c.GenToken(context.Background(), &youshu.GenTokenRequest{Credential: cred})
			require.NoError(t, err)
			info, ok := srv.Lookup(tok.Value.Reveal())
			require.True(t, ok)
			assert.Equal(t, youshutest.User().UniqueID, info.Caller, "the request's credential overrides the client default")
			assert.Equal(t, cred, srv.Requests()[0].GenToken.Credential, "the credential went on the wire whole")
		})
	}
}

func TestGenTokenWrongCredentials(t *testing.T) {
	t.Parallel()
	srv := youshutest.NewTestServer(t)
	c := newClient(t, srv)
	for _, cred := range []youshu.Credential{
		youshu.Password(youshutest.User().Email, "wrong"),
		youshu.TokenKey("wrong"),
		youshu.SSO("admin", youshutest.User().IntegrateToken), // token of another account
	} {
		_, err := c.GenToken(context.Background(), &youshu.GenTokenRequest{Credential: cred})
		require.ErrorIs(t, err, youshu.ErrUnauthorized)
		var e *youshu.Error
		require.ErrorAs(t, err, &e)
		assert.Equal(t, 401, e.Code)
		assert.Equal(t, "genToken", e.Endpoint)
	}
}

func TestGenTokenUsesClientDefaultCredential(t *testing.T) {
	t.Parallel()
	srv := youshutest.NewTestServer(t)
	c := newClient(t, srv)
	tok, err := c.GenToken(context.Background(), &youshu.GenTokenRequest{})
	require.NoError(t, err)
	info, _ := srv.Lookup(tok.Value.Reveal())
	assert.Equal(t, youshutest.Admin().UniqueID, info.Caller)
	assert.Equal(t, youshutest.Admin().UniqueID, info.Subject)
}

func TestGenTokenTokenFields(t *testing.T) {
	t.Parallel()
	clock := biembedtest.NewClock(time.Date(2025, 3, 18, 12, 0, 0, 0, time.UTC))
	srv := youshutest.NewTestServer(t, youshutest.WithClock(clock.Now))
	c := newClient(t, srv, youshu.WithClock(clock.Now))

	tok, err := c.GenToken(context.Background(), &youshu.GenTokenRequest{
		Expiry: time.Hour, Once: true, AutoRenew: 20 * time.Second,
	})
	require.NoError(t, err)
	assert.Equal(t, clock.Now(), tok.IssuedAt)
	assert.Equal(t, clock.Now().Add(time.Hour), tok.ExpiresAt)
	assert.True(t, tok.SingleUse)
	assert.Equal(t, 20*time.Second, tok.AutoRenew)
	assert.Equal(t, srv.URL(), tok.BaseURL)

	body := srv.Requests()[0].Body
	assert.JSONEq(t, `{"tokenType":"userPassword","email":"`+youshutest.Admin().Email+`","password":"`+youshutest.Admin().Password+
		`","expiryTime":3600,"once":true,"autoRenew":{"expiryTime":20}}`, string(body))

	plain, err := c.GenToken(context.Background(), &youshu.GenTokenRequest{})
	require.NoError(t, err)
	assert.True(t, plain.ExpiresAt.IsZero(), "no Expiry: the server default applies and is unknown")
	assert.NotContains(t, string(srv.Requests()[1].Body), "expiryTime")
}

func TestGenTokenFullSeedExample(t *testing.T) {
	t.Parallel()
	srv := youshutest.NewTestServer(t,
		youshutest.WithAccount(youshutest.Account{Email: "zhangsan@163.com", UniqueID: "zhangsan", Password: "123456", Admin: true}),
		youshutest.WithAccount(youshutest.Account{Email: "lisi@163.com", UniqueID: "lisi@163.com"}),
		youshutest.WithDataModels(700284409))
	c := newClient(t, srv)

	var req youshu.GenTokenRequest
	require.NoError(t, json.Unmarshal(seeds.YoushuGenTokenPassword, &req))
	// One change, and only this, makes the documented example valid: its
	// second reportDataFilters entry says type "row" but holds column masks;
	// filtermap rejects that, so it becomes "column". (Its watermark without
	// enableWatermark has no effect and is allowed.)
	req.ReportDataFilters[0].DataModelFilters[1].Type = "column"

	tok, err := c.GenToken(context.Background(), &req)
	require.NoError(t, err)
	info, ok := srv.Lookup(tok.Value.Reveal())
	require.True(t, ok)
	assert.Equal(t, "zhangsan", info.Caller)
	assert.Equal(t, "lisi@163.com", info.Subject)
	assert.True(t, info.Once)
	assert.Equal(t, 20*time.Second, info.AutoRenew)
	assert.Equal(t, req.FilterMap, info.Request.FilterMap, "the fake decoded what the SDK encoded")
	assert.Equal(t, req.ReportDataFilters, info.Request.ReportDataFilters)
}

func TestGenTokenAuthorization(t *testing.T) {
	t.Parallel()
	projectAdmin := youshutest.Account{UniqueID: "pa", Password: "pa-password", ProjectAdminOf: []int64{7}}
	domainOwner := youshutest.Account{UniqueID: "do", Password: "do-password", DomainOwner: true}
	srv := youshutest.NewTestServer(t, youshutest.WithAccount(projectAdmin), youshutest.WithAccount(domainOwner))
	c := newClient(t, srv)
	user := youshutest.UserCredential()
	projectReq := func(cred youshu.Credential, project int64) *youshu.GenTokenRequest {
		return &youshu.GenTokenRequest{Credential: cred, ApplyScope: youshu.ScopeProject, ProjectID: project,
			AuthUniqueID: "user", RelationWithSystemPermission: youshu.RelationIgnore,
			ResourcePermissions: reportPermission(), OpenRP: true}
	}
	tests := []struct {
		name string
		req  *youshu.GenTokenRequest
		code int // 0: success
	}{
		{"admin for another account", &youshu.GenTokenRequest{AuthUniqueID: "user"}, 0},
		{"admin by user id", &youshu.GenTokenRequest{AuthUserID: youshutest.User().UserID}, 0},
		{"user for itself", &youshu.GenTokenRequest{Credential: user, AuthUniqueID: "user"}, 0},
		{"user for another account", &youshu.GenTokenRequest{Credential: user, AuthUniqueID: "admin"}, 403},
		{"user helper token", &youshu.GenTokenRequest{Credential: user, UseType: youshu.UseDeleteToken}, 403},
		{"unknown account", &youshu.GenTokenRequest{AuthUniqueID: "nobody"}, 404},
		{"project admin", projectReq(youshu.Password("pa", "pa-password"), 7), 0},
		{"project admin of another project", projectReq(youshu.Password("pa", "pa-password"), 8), 403},
		{"user as project admin", projectReq(user, 7), 403},
		{"domain owner", &youshu.GenTokenRequest{Credential: youshu.Password("do", "do-password"), ApplyScope: youshu.ScopeDomain, AuthUniqueID: "user"}, 0},
		{"user as domain owner", &youshu.GenTokenRequest{Credential: user, ApplyScope: youshu.ScopeDomain, AuthUniqueID: "admin"}, 403},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tok, err := c.GenToken(context.Background(), tc.req)
			if tc.code == 0 {
				require.NoError(t, err)
				assert.NotEmpty(t, tok.Value.Reveal())
				return
			}
			var e *youshu.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, tc.code, e.Code)
			assert.Equal(t, tc.code == 403, errors.Is(err, youshu.ErrUnauthorized))
			assert.Equal(t, tc.code == 404, errors.Is(err, youshu.ErrNotFound))
		})
	}
}

func TestGenTokenReportDataFiltersUnknownModel(t *testing.T) {
	t.Parallel()
	srv := youshutest.NewTestServer(t, youshutest.WithDataModels(1))
	c := newClient(t, srv)
	rows := filtermap.NewListFilter(filtermap.TableName("orders"), filtermap.Select, filtermap.Dim{Field: "region", DataType: filtermap.TypeString}, "East")
	_, err := c.GenToken(context.Background(), &youshu.GenTokenRequest{ReportDataFilters: filtermap.ReportDataFilters{
		{ReportID: "14377", DataModelFilters: []filtermap.DataModelFilter{filtermap.NewRowModelFilter(700284408, 2, filtermap.RuleOr, rows)}},
	}})
	require.ErrorIs(t, err, youshu.ErrReportDataFilters)
	var e *youshu.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, 743, e.Code)
	assert.Contains(t, e.Message, "700284408")
	assert.False(t, errors.Is(err, youshu.ErrServer), "743 is a client error")
}

func TestOnceToken(t *testing.T) {
	t.Parallel()
	srv := youshutest.NewTestServer(t)
	c := newClient(t, srv)
	tok, err := c.GenToken(context.Background(), &youshu.GenTokenRequest{Once: true})
	require.NoError(t, err)
	link, err := tok.URL(youshu.Report(1))
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, visit(t, link))
	assert.Equal(t, http.StatusForbidden, visit(t, link), "a once token works once")
}

func TestAutoRenewToken(t *testing.T) {
	t.Parallel()
	clock := biembedtest.NewClock(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	srv := youshutest.NewTestServer(t, youshutest.WithClock(clock.Now))
	c := newClient(t, srv)

	renewing, err := c.GenToken(context.Background(), &youshu.GenTokenRequest{
		Expiry: 30 * time.Second, Once: true, AutoRenew: time.Minute})
	require.NoError(t, err)
	plain, err := c.GenToken(context.Background(), &youshu.GenTokenRequest{Expiry: 30 * time.Second})
	require.NoError(t, err)

	clock.Advance(20 * time.Second)
	link, _ := renewing.URL(youshu.WithPath("dash/cockpitIntegration"))
	require.Equal(t, http.StatusOK, visit(t, link))
	info, _ := srv.Lookup(renewing.Value.Reveal())
	assert.Equal(t, clock.Now().Add(time.Minute), info.ExpiresAt, "a visit extends the token")

	clock.Advance(40 * time.Second) // 60 s after minting: plain has expired, renewing has not
	plainLink, _ := plain.URL(youshu.WithPath("dash/cockpitIntegration"))
	assert.Equal(t, http.StatusUnauthorized, visit(t, plainLink))
	info, _ = srv.Lookup(renewing.Value.Reveal())
	assert.True(t, clock.Now().Before(info.ExpiresAt))
}
