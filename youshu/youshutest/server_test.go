package youshutest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/biembed/biembed-go/biembedtest"
	"github.com/biembed/biembed-go/youshu/youshutest"
)

type answer struct {
	status int
	ctype  string
	Code   int    `json:"code"`
	Result string `json:"result"`
	Msg    string `json:"message"`
	raw    string
}

// do sends one raw request to the fake.
func do(t *testing.T, srv *youshutest.Server, method, path, body string) answer {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, srv.URL()+path, strings.NewReader(body))
	require.NoError(t, err)
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	a := answer{status: resp.StatusCode, ctype: resp.Header.Get("Content-Type"), raw: string(raw)}
	_ = json.Unmarshal(raw, &a)
	return a
}

func adminBody(extra string) string {
	return `{"tokenType":"userPassword","email":"` + youshutest.Admin().Email + `","password":"` + youshutest.Admin().Password + `"` + extra + `}`
}

func TestGenTokenEndpoint(t *testing.T) {
	t.Parallel()
	srv := youshutest.NewTestServer(t)
	tests := []struct {
		name   string
		method string
		path   string
		body   string
		status int
		code   int
	}{
		{"ok", "POST", "/api/dash/util/genToken", adminBody(""), 200, 200},
		{"seed form without tokenType", "POST", "/api/dash/util/genToken", `{"email":"user","password":"` + youshutest.User().Password + `"}`, 200, 200},
		{"wrong method", "GET", "/api/dash/util/genToken", "", 405, 405},
		{"unknown endpoint", "POST", "/api/dash/util/mkToken", "{}", 404, 404},
		{"unknown path", "GET", "/", "", 404, 404},
		{"not JSON", "POST", "/api/dash/util/genToken", "email=a", 200, 400},
		{"unknown key", "POST", "/api/dash/util/genToken", adminBody(`,"expiryTme":5`), 200, 400},
		{"invalid request", "POST", "/api/dash/util/genToken", adminBody(`,"applyScope":"Project"`), 200, 400},
		{"no credential", "POST", "/api/dash/util/genToken", `{}`, 200, 401},
		{"wrong password", "POST", "/api/dash/util/genToken", `{"email":"admin","password":"x"}`, 200, 401},
		{"empty secret never matches", "POST", "/api/dash/util/genToken", `{"tokenType":"tokenKey","key":""}`, 200, 400},
		{"body too large", "POST", "/api/dash/util/genToken", `{"uvId":"` + strings.Repeat("a", 1<<20) + `"}`, 200, 400},
		{"rmToken without helper", "GET", "/api/dash/util/rmToken?t=x", "", 200, 401},
		{"renewToken wrong method", "POST", "/api/dash/util/renewToken", "", 405, 405},
		{"page without token", "GET", "/dash/integration/1", "", 401, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := do(t, srv, tc.method, tc.path, tc.body)
			assert.Equal(t, tc.status, a.status, a.raw)
			assert.Equal(t, tc.code, a.Code, a.raw)
			if tc.code == 200 {
				assert.Len(t, a.Result, 40)
				assert.Equal(t, "application/json", a.ctype)
			}
		})
	}
}

func TestHelperRules(t *testing.T) {
	t.Parallel()
	clock := biembedtest.NewClock(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	srv := youshutest.NewTestServer(t, youshutest.WithClock(clock.Now))
	mint := func(extra string) string {
		a := do(t, srv, "POST", "/api/dash/util/genToken", adminBody(extra))
		require.Equal(t, 200, a.Code, a.raw)
		return a.Result
	}
	target, deleter, updater := mint(`,"expiryTime":3600`), mint(`,"useType":"deleteToken","expiryTime":60`), mint(`,"useType":"updateToken","expiryTime":60`)
	q := func(endpoint, helper, tok string) int {
		return do(t, srv, "GET", "/api/dash/util/"+endpoint+"?"+url.Values{"token": {helper}, "t": {tok}}.Encode(), "").Code
	}
	assert.Equal(t, 403, q("renewToken", deleter, target))
	assert.Equal(t, 403, q("rmToken", updater, target))
	assert.Equal(t, 403, q("rmToken", target, target), "a normal token is no helper")
	assert.Equal(t, 404, q("rmToken", deleter, "unknown"))
	assert.Equal(t, 403, do(t, srv, "GET", "/dash/cockpitIntegration?token="+deleter, "").status, "helpers open no page")

	clock.Advance(59 * time.Minute)
	assert.Equal(t, 401, q("renewToken", updater, target), "the 60 s helper has expired")
	updater = mint(`,"useType":"updateToken","expiryTime":60`)
	deleter = mint(`,"useType":"deleteToken","expiryTime":7200`)
	assert.Equal(t, 200, q("renewToken", updater, target))
	info, _ := srv.Lookup(target)
	assert.Equal(t, clock.Now().Add(time.Hour), info.ExpiresAt, "renewed by its lifetime")

	clock.Advance(time.Hour)
	assert.Equal(t, 401, do(t, srv, "GET", "/dash/integration/1?token="+target, "").status, "tokens expire")
	assert.Equal(t, 404, q("rmToken", deleter, target), "an expired token is gone")
}

func TestFaults(t *testing.T) {
	t.Parallel()
	srv := youshutest.NewTestServer(t)
	srv.Inject(youshutest.Fault{Endpoint: "rmToken", Body: []byte(`{"code":7,"msg":"m"}`), Times: 2})
	srv.Inject(youshutest.Fault{Endpoint: "genToken", HTTPStatus: 502, Times: 1})
	srv.Inject(youshutest.Fault{Endpoint: youshutest.EndpointIntegration, Body: []byte("<html>"), ContentType: "text/html", HTTPStatus: 200, Times: 1})

	for range 2 {
		a := do(t, srv, "GET", "/api/dash/util/rmToken", "")
		assert.Equal(t, `{"code":7,"msg":"m"}`, a.raw)
	}
	assert.Equal(t, 401, do(t, srv, "GET", "/api/dash/util/rmToken", "").Code, "Times used up")
	a := do(t, srv, "POST", "/api/dash/util/genToken", adminBody(""))
	assert.Equal(t, 502, a.status)
	assert.Equal(t, `{"code":502,"message":"Bad Gateway"}`, a.raw)
	assert.Equal(t, 200, do(t, srv, "POST", "/api/dash/util/genToken", adminBody("")).Code)
	a = do(t, srv, "GET", "/dash/x", "")
	assert.Equal(t, "<html>", a.raw)
	assert.Equal(t, "text/html", a.ctype)

	srv.Inject(youshutest.Fault{Body: []byte(`{"code":200,"result":""}`)})
	assert.Equal(t, `{"code":200,"result":""}`, do(t, srv, "GET", "/anything", "").raw, "an empty Endpoint matches everything")
	srv.ClearFaults()
	srv.Inject(youshutest.Fault{ContentType: "text/plain"})
	a = do(t, srv, "POST", "/api/dash/util/genToken", adminBody(""))
	assert.Equal(t, 200, a.Code, "ContentType alone relabels the normal answer")
	assert.Equal(t, "text/plain", a.ctype)
	assert.Equal(t, 8, srv.Count(""))
}

func TestFaultCloseMidBodyAndDelay(t *testing.T) {
	t.Parallel()
	srv := youshutest.NewTestServer(t)
	srv.Inject(youshutest.Fault{CloseMidBody: true, Times: 1})
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}
	resp, err := hc.Post(srv.URL()+"/api/dash/util/genToken", "application/json", strings.NewReader(adminBody("")))
	require.NoError(t, err)
	_, err = io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF)

	stalled := make(chan struct{}, 1)
	srv.Inject(youshutest.Fault{Delay: time.Hour, Stalled: stalled})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-stalled // the fake holds the answer back now
		cancel()
	}()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL()+"/api/dash/util/rmToken", nil)
	_, err = hc.Do(req)
	assert.ErrorIs(t, err, context.Canceled, "the delay gives way when the client leaves")
	assert.Equal(t, 2, srv.Count(""))
}

func TestRecordedRequestsHideSecrets(t *testing.T) {
	t.Parallel()
	srv := youshutest.NewTestServer(t)
	tok := do(t, srv, "POST", "/api/dash/util/genToken", adminBody(`,"uvId":"v"`)).Result
	do(t, srv, "GET", "/dash/integration/1?token="+tok, "")
	reqs := srv.Requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, "v", reqs[0].GenToken.UVID)
	assert.Equal(t, "genToken", reqs[0].Endpoint)
	assert.Equal(t, tok, reqs[1].Query.Get("token"))
	assert.Contains(t, string(reqs[0].Body), youshutest.Admin().Password, "the raw body is there for assertions")

	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	for _, r := range reqs {
		logger.Info("req", "r", r)
		for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
			s := fmt.Sprintf(format, r) + fmt.Sprintf(format, r.GenToken)
			assert.NotContains(t, s, youshutest.Admin().Password)
			assert.NotContains(t, s, tok)
		}
	}
	assert.NotContains(t, logs.String(), youshutest.Admin().Password)
	assert.NotContains(t, logs.String(), tok)
	assert.Equal(t, "POST /api/dash/util/genToken (genToken, 115-byte body)", fmt.Sprint(reqs[0]))

	srv.ResetRequests()
	assert.Zero(t, srv.Count(""))
}

func TestWithAccountReplaces(t *testing.T) {
	t.Parallel()
	srv := youshutest.NewTestServer(t, youshutest.WithAccount(youshutest.Account{UniqueID: youshutest.User().UniqueID, Password: "new-password"}),
		youshutest.WithAccount(youshutest.Account{Email: "e@x", Password: "p1"}),
		youshutest.WithAccount(youshutest.Account{Email: "e@x", Password: "p2"}))
	assert.Equal(t, 401, do(t, srv, "POST", "/api/dash/util/genToken", `{"email":"user","password":"`+youshutest.User().Password+`"}`).Code)
	assert.Equal(t, 200, do(t, srv, "POST", "/api/dash/util/genToken", `{"email":"user","password":"new-password"}`).Code)
	assert.Equal(t, 401, do(t, srv, "POST", "/api/dash/util/genToken", `{"email":"e@x","password":"p1"}`).Code)
	assert.Equal(t, 200, do(t, srv, "POST", "/api/dash/util/genToken", `{"email":"e@x","password":"p2"}`).Code)
}

func TestClock(t *testing.T) {
	t.Parallel()
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	c := biembedtest.NewClock(start)
	c.Advance(time.Minute)
	assert.Equal(t, start.Add(time.Minute), c.Now())
}
