package tencenttest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/biembed/biembed-go/biembedtest"
	"github.com/biembed/biembed-go/internal/testkit/seeds"
)

// signedRequest builds a request for action signed with the default pair at
// the instant at.
func signedRequest(action, body string, at time.Time) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:1/", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("X-TC-Action", action)
	r.Header.Set("X-TC-version", version)
	sign(r, []byte(body), SecretID, SecretKey, at)
	return r
}

// answer is a decoded {"Response":{...}}.
type answer struct {
	Error *struct {
		Code    string
		Message string
	}
	Data      json.RawMessage
	RequestID string `json:"RequestId"`
}

func (a answer) code() string {
	if a.Error == nil {
		return ""
	}
	return a.Error.Code
}

// serve sends a request signed now (by the system clock, which the fake
// checks signatures against whatever its own clock says) straight to the
// handler, without a network.
func serve(t testing.TB, s *Server, action, body string) answer {
	t.Helper()
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, signedRequest(action, body, time.Now()))
	var env struct{ Response answer }
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("status %d, content type %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil || env.Response.RequestID == "" {
		t.Fatalf("answer %s is not a BI envelope: %v", rec.Body, err)
	}
	return env.Response
}

func TestCreateEmbedTokenParameterChecks(t *testing.T) {
	t.Parallel()
	gp, _ := json.Marshal(string(seeds.TencentGlobalParam))
	cp, _ := json.Marshal(string(seeds.TencentConfigParam))
	cases := []struct {
		name, body, code string
	}{
		{"page", `{"ProjectId":1,"PageId":2,"Intention":"embed","Scope":"page","ExpireTime":"30"}`, ""},
		{"panel without PageId", `{"ProjectId":1,"Intention":"embed","Scope":"panel"}`, ""},
		{"panel with PageId 0", `{"ProjectId":1,"PageId":0,"Scope":"panel"}`, ""},
		{"ChatBI", `{"ProjectId":1,"Intention":"chatBIEmbed","Scope":"project","ConfigParam":` + string(cp) + `}`, ""},
		{"documented GlobalParam", `{"ProjectId":1,"PageId":2,"Scope":"page","GlobalParam":` + string(gp) + `}`, ""},
		{"users", `{"ProjectId":1,"PageId":2,"Scope":"page","TokenType":300,"TokenNum":3,"UserCorpId":"c","UserId":"u","TicketNum":5}`, ""},
		{"not an object", `[1]`, codeInvalidParameter},
		{"unknown parameter", `{"ProjectId":1,"PageId":2,"Scope":"page","Page":2}`, codeUnknownParameter},
		{"ProjectId as string", `{"ProjectId":"1","PageId":2,"Scope":"page"}`, codeInvalidParameterValue},
		{"negative PageId", `{"ProjectId":1,"PageId":-2,"Scope":"page"}`, codeInvalidParameterValue},
		{"fractional PageId", `{"ProjectId":1,"PageId":2.5,"Scope":"page"}`, codeInvalidParameterValue},
		{"ExpireTime as number", `{"ProjectId":1,"PageId":2,"Scope":"page","ExpireTime":30}`, codeInvalidParameterValue},
		{"ExpireTime 0", `{"ProjectId":1,"PageId":2,"Scope":"page","ExpireTime":"0"}`, codeInvalidParameterValue},
		{"ExpireTime 241", `{"ProjectId":1,"PageId":2,"Scope":"page","ExpireTime":"241"}`, codeInvalidParameterValue},
		{"no ProjectId", `{"PageId":2,"Scope":"page"}`, codeMissingParameter},
		{"page without PageId", `{"ProjectId":1,"Scope":"page"}`, codeMissingParameter},
		{"panel with PageId", `{"ProjectId":1,"PageId":3,"Scope":"panel"}`, codeInvalidParameterValue},
		{"unknown intention", `{"ProjectId":1,"PageId":3,"Intention":"view","Scope":"page"}`, codeInvalidParameterValue},
		{"embed with project scope", `{"ProjectId":1,"Scope":"project"}`, codeInvalidParameterValue},
		{"ChatBI with PageId", `{"ProjectId":1,"PageId":0,"Intention":"chatBIEmbed","Scope":"project"}`, codeInvalidParameterValue},
		{"ChatBI with token type 100", `{"ProjectId":1,"Intention":"chatBIEmbed","Scope":"project","TokenType":100}`, codeInvalidParameterValue},
		{"unknown token type", `{"ProjectId":1,"PageId":2,"Scope":"page","TokenType":150}`, codeInvalidParameterValue},
		{"token type 200 without users", `{"ProjectId":1,"PageId":2,"Scope":"page","TokenType":200,"UserId":"u"}`, codeMissingParameter},
		{"token type 300 without TokenNum", `{"ProjectId":1,"PageId":2,"Scope":"page","TokenType":300,"UserCorpId":"c","UserId":"u"}`, codeMissingParameter},
		{"TokenNum without 300", `{"ProjectId":1,"PageId":2,"Scope":"page","TokenNum":2}`, codeInvalidParameterValue},
		{"TicketNum too high", `{"ProjectId":1,"PageId":2,"Scope":"page","TicketNum":100000}`, codeInvalidParameterValue},
		{"GlobalParam not JSON", `{"ProjectId":1,"PageId":2,"Scope":"page","GlobalParam":"x"}`, codeInvalidParameterValue},
		{"GlobalParam as array", `{"ProjectId":1,"PageId":2,"Scope":"page","GlobalParam":[]}`, codeInvalidParameterValue},
		{"ConfigParam invalid", `{"ProjectId":1,"Intention":"chatBIEmbed","Scope":"project","ConfigParam":"{\"ChatBIConfigList\":[{\"ConfigType\":\"X\"}]}"}`, codeInvalidParameterValue},
	}
	s := newFake()
	for _, c := range cases {
		if got := serve(t, s, "CreateEmbedToken", c.body); got.code() != c.code {
			t.Errorf("%s: code %q, want %q (%+v)", c.name, got.code(), c.code, got.Error)
		}
	}
}

func TestCreateEmbedTokenAnswersLikeTheDocument(t *testing.T) {
	t.Parallel()
	at := time.Date(2022, 4, 28, 6, 26, 1, 0, time.UTC)
	s := newFake(WithClock(func() time.Time { return at }))
	got := serve(t, s, "CreateEmbedToken", `{"ProjectId":1,"Scope":"panel","ExpireTime":"10","GlobalParam":"[]"}`)
	var data map[string]any
	if err := json.Unmarshal(got.Data, &data); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"Id": 1.0, "ProjectId": "1", "PageId": nil, "ExtraParam": "",
		"Scope": "panel", "Intention": "embed", "ExpireTime": 10.0, "CreatedUser": nil, "UpdatedUser": nil,
		"CreatedAt": "2022-04-28 14:26:01", "UpdatedAt": "2022-04-28 14:26:01", "UserCorpId": "", "UserId": "",
		"TicketNum": 0.0, "GlobalParam": "[]", "TokenType": 0.0, "TokenNum": 0.0, "SingleUserMultiToken": false,
		"ConfigParam": "",
	}
	for k, v := range want {
		if data[k] != v {
			t.Errorf("Data[%s] = %#v, want %#v", k, data[k], v)
		}
	}
	token, _ := data["BIToken"].(string)
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	if len(data) != len(want)+1 || !uuid.MatchString(token) || !uuid.MatchString(got.RequestID) {
		t.Errorf("Data has %d keys (want %d), BIToken %q, RequestId %q", len(data), len(want)+1, token, got.RequestID)
	}
	tok, ok := s.Lookup(token)
	if !ok || !tok.ExpiresAt.Equal(at.Add(10*time.Minute)) || tok.Scope != "panel" {
		t.Errorf("stored token %+v", tok)
	}
}

func TestApplyEmbedInterval(t *testing.T) {
	t.Parallel()
	c := biembedtest.NewClock(time.Now())
	s := newFake(WithClock(c.Now))
	var minted struct{ BIToken string }
	_ = json.Unmarshal(serve(t, s, "CreateEmbedToken", `{"ProjectId":1,"PageId":2,"Scope":"page","ExpireTime":"5"}`).Data, &minted)
	apply := func(token string, project int) answer {
		body, _ := json.Marshal(map[string]any{"ProjectId": project, "PageId": 2, "BIToken": token, "Intention": "embed", "Scope": "page"})
		return serve(t, s, "ApplyEmbedInterval", string(body))
	}

	c.Advance(4 * time.Minute)
	if got := apply(minted.BIToken, 1); got.code() != "" || string(got.Data) != `{"Result":true}` {
		t.Fatalf("extend: %+v %s", got.Error, got.Data)
	}
	if tok, _ := s.Lookup(minted.BIToken); !tok.ExpiresAt.Equal(c.Now().Add(5 * time.Minute)) {
		t.Errorf("expiry %v, want now+5m", tok.ExpiresAt)
	}
	if got := apply(minted.BIToken, 9); got.code() != codeInvalidParameterEmbed {
		t.Errorf("another project: code %q", got.code())
	}
	if got := apply("no-such-token", 1); got.code() != codeInvalidParameterEmbed || !strings.Contains(got.Error.Message, "no-such-token") {
		t.Errorf("unknown token: %+v (the message quotes the token on purpose)", got.Error)
	}
	c.Advance(6 * time.Minute)
	if got := apply(minted.BIToken, 1); got.code() != codeInvalidParameterEmbed {
		t.Errorf("expired token: code %q", got.code())
	}
	if got := serve(t, s, "ApplyEmbedInterval", `{"ProjectId":1,"Scope":"page","PageId":2}`); got.code() != codeMissingParameter {
		t.Errorf("no token: code %q", got.code())
	}
	if got := serve(t, s, "ApplyEmbedInterval", `{"ProjectId":1,"BIToken":"x","Extra":1}`); got.code() != codeUnknownParameter {
		t.Errorf("unknown parameter: code %q", got.code())
	}
}

func TestClearEmbedToken(t *testing.T) {
	t.Parallel()
	s := newFake()
	mintFor := func(body string) string {
		var d struct{ BIToken string }
		_ = json.Unmarshal(serve(t, s, "CreateEmbedToken", body).Data, &d)
		return d.BIToken
	}
	mine := mintFor(`{"ProjectId":1,"PageId":2,"Scope":"page","TokenType":200,"UserCorpId":"c","UserId":"u"}`)
	otherPage := mintFor(`{"ProjectId":1,"PageId":3,"Scope":"page","TokenType":200,"UserCorpId":"c","UserId":"u"}`)
	cases := []struct{ body, code string }{
		{`{"ProjectId":"1","UserCorpId":"c","Scope":"page","PageId":"2","X":"1"}`, codeUnknownParameter},
		{`{"ProjectId":1,"UserCorpId":"c","Scope":"page","PageId":"2"}`, codeInvalidParameterValue},
		{`{"ProjectId":"x","UserCorpId":"c","Scope":"panel"}`, codeInvalidParameterValue},
		{`{"ProjectId":"1","UserCorpId":"c","Scope":"page"}`, codeMissingParameter},
		{`{"ProjectId":"1","UserCorpId":"c","Scope":"project"}`, codeInvalidParameterValue},
		{`{"ProjectId":"1","Scope":"panel"}`, codeMissingParameter},
		{`{"ProjectId":"1","UserCorpId":"c","Scope":"page","PageId":"2"}`, ""},
	}
	for _, c := range cases {
		if got := serve(t, s, "ClearEmbedToken", c.body); got.code() != c.code {
			t.Errorf("%s: code %q, want %q", c.body, got.code(), c.code)
		}
	}
	if _, ok := s.Lookup(mine); ok {
		t.Error("the cleared token is still there")
	}
	if _, ok := s.Lookup(otherPage); !ok {
		t.Error("a token of another page was cleared")
	}
}

func TestRequestChecksBeforeActions(t *testing.T) {
	t.Parallel()
	s := newFake()
	if got := serve(t, s, "DescribeInstances", `{}`); got.code() != "InvalidAction" {
		t.Errorf("unknown action: code %q", got.code())
	}
	r := signedRequest("CreateEmbedToken", `{}`, time.Now())
	r.Header.Set("X-TC-version", "2017-03-12")
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, r)
	if !strings.Contains(rec.Body.String(), "NoSuchVersion") {
		t.Errorf("wrong version: %s", rec.Body)
	}
	r = httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{}`))
	rec = httptest.NewRecorder()
	s.ServeHTTP(rec, r)
	if !strings.Contains(rec.Body.String(), codeMissingAuthorization) {
		t.Errorf("unsigned: %s", rec.Body)
	}
}

func TestRecordsRequests(t *testing.T) {
	t.Parallel()
	s := newFake()
	serve(t, s, "CreateEmbedToken", `{"ProjectId":1,"PageId":2,"Scope":"page","ExpireTime":"30"}`)
	serve(t, s, "ClearEmbedToken", `not json`)
	reqs := s.Requests()
	if len(reqs) != 2 || s.Count("CreateEmbedToken") != 1 || s.Count("ClearEmbedToken") != 1 {
		t.Fatalf("recorded %+v", reqs)
	}
	p := reqs[0].Params
	if p["ExpireTime"] != "30" || p["PageId"] != json.Number("2") || reqs[1].Params != nil {
		t.Errorf("params %#v / %#v", p, reqs[1].Params)
	}
	if reqs[0].Header.Get("Authorization") != "" || reqs[0].Header.Get("X-TC-Action") != "CreateEmbedToken" {
		t.Errorf("headers %v", reqs[0].Header)
	}
}

func TestRateLimitPerAction(t *testing.T) {
	t.Parallel()
	frozen := time.Now()
	s := newFake(WithRateLimit(2), WithClock(func() time.Time { return frozen }))
	body := `{"ProjectId":1,"PageId":2,"Scope":"page"}`
	codes := []string{}
	for i := 0; i < 3; i++ {
		codes = append(codes, serve(t, s, "CreateEmbedToken", body).code())
	}
	if strings.Join(codes, ",") != ",,"+"RequestLimitExceeded" {
		t.Errorf("codes %q, want two successes then RequestLimitExceeded", codes)
	}
	if got := serve(t, s, "ClearEmbedToken", `{"ProjectId":"1","UserCorpId":"c","Scope":"panel"}`); got.code() != "" {
		t.Errorf("another action shares the budget: %q", got.code())
	}
}

func TestFaultsApplyInOrderAndCount(t *testing.T) {
	t.Parallel()
	s := newFake()
	body := `{"ProjectId":1,"PageId":2,"Scope":"page"}`
	s.Inject(Fault{Action: "ClearEmbedToken", Code: "FailedOperation"})
	s.Inject(Fault{Code: "InternalError", Message: "m", Times: 2})
	var codes []string
	for i := 0; i < 3; i++ {
		codes = append(codes, serve(t, s, "CreateEmbedToken", body).code())
	}
	if strings.Join(codes, ",") != "InternalError,InternalError," {
		t.Errorf("codes %q", codes)
	}
	if got := serve(t, s, "ClearEmbedToken", `{}`); got.code() != "FailedOperation" {
		t.Errorf("unlimited fault: %q", got.code())
	}
	s.ClearFaults()
	if got := serve(t, s, "ClearEmbedToken", `{"ProjectId":"1","UserCorpId":"c","Scope":"panel"}`); got.code() != "" {
		t.Errorf("after ClearFaults: %q", got.code())
	}
}

func TestFaultBodies(t *testing.T) {
	t.Parallel()
	cases := []struct {
		fault       Fault
		status      int
		contentType string
		body        string
	}{
		{Fault{Body: []byte("<html/>"), ContentType: "text/html", HTTPStatus: 502}, 502, "text/html", "<html/>"},
		{Fault{Body: []byte("{")}, 200, "application/json", "{"},
		{Fault{HTTPStatus: 503}, 503, "text/plain; charset=utf-8", "Service Unavailable"},
		{Fault{Code: "InternalError", Message: "m", HTTPStatus: 500}, 500, "application/json", `"Code":"InternalError"`},
	}
	for _, c := range cases {
		s := newFake()
		s.Inject(c.fault)
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, signedRequest("CreateEmbedToken", `{}`, time.Now()))
		if rec.Code != c.status || rec.Header().Get("Content-Type") != c.contentType || !strings.Contains(rec.Body.String(), c.body) {
			t.Errorf("%+v: %d %q %s", c.fault, rec.Code, rec.Header().Get("Content-Type"), rec.Body)
		}
	}
}

func TestDelayEndsWithTheClient(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t)
	s.Inject(Fault{Delay: time.Hour})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL(), strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	if _, err := client.Do(r); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error = %v, want the deadline", err)
	}
	// Close must not wait for the hour: the handler saw the client leave.
	s.Close()
}

func TestDelayThenNormalAnswer(t *testing.T) {
	t.Parallel()
	s := newFake()
	s.Inject(Fault{Delay: time.Millisecond, Times: 1})
	if got := serve(t, s, "CreateEmbedToken", `{"ProjectId":1,"PageId":2,"Scope":"page"}`); got.code() != "" {
		t.Errorf("code %q after a delay-only fault", got.code())
	}
}

func TestCloseMidBody(t *testing.T) {
	t.Parallel()
	s := NewTestServer(t)
	s.Inject(Fault{CloseMidBody: true})
	body := []byte(`{"ProjectId":1}`)
	req, _ := http.NewRequest(http.MethodPost, s.URL(), bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if _, err := io.ReadAll(resp.Body); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("read error = %v, want io.ErrUnexpectedEOF", err)
	}
}

func FuzzServeHTTP(f *testing.F) {
	f.Add("CreateEmbedToken", string(seeds.TencentCreateEmbedTokenRequest))
	f.Add("ApplyEmbedInterval", `{"ProjectId":1,"BIToken":"x","Intention":"embed","Scope":"panel"}`)
	f.Add("ClearEmbedToken", `{"ProjectId":"1","UserCorpId":"c","Scope":"page","PageId":"2"}`)
	f.Add("CreateEmbedToken", `{"ProjectId":1e99,"PageId":null,"GlobalParam":"[{]"}`)
	f.Fuzz(func(t *testing.T, action, body string) {
		serve(t, newFake(), action, body)
	})
}

// TestSignatureAgeFollowsTheSystemClock: the fake's clock drives token
// lifetimes only. A fake whose clock is three hours ahead accepts a request
// signed now and stamps the token by its own clock; a request signed by the
// fake's clock (three hours off the real time) is SignatureExpire, as is
// one signed six minutes ago.
func TestSignatureAgeFollowsTheSystemClock(t *testing.T) {
	t.Parallel()
	clock := biembedtest.NewClock(time.Now().Add(3 * time.Hour))
	s := newFake(WithClock(clock.Now))
	body := `{"ProjectId":1,"PageId":2,"Scope":"page","ExpireTime":"10"}`
	got := serve(t, s, "CreateEmbedToken", body)
	var minted struct{ BIToken string }
	if err := json.Unmarshal(got.Data, &minted); got.code() != "" || err != nil {
		t.Fatalf("a request signed now: code %q (%v)", got.code(), err)
	}
	if tok, ok := s.Lookup(minted.BIToken); !ok || !tok.ExpiresAt.Equal(clock.Now().Add(10*time.Minute)) {
		t.Errorf("the token expires at %v, want the fake's clock + 10m (%v)", tok.ExpiresAt, clock.Now().Add(10*time.Minute))
	}
	for name, at := range map[string]time.Time{"by the fake's clock": clock.Now(), "six minutes ago": time.Now().Add(-6 * time.Minute)} {
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, signedRequest("CreateEmbedToken", body, at))
		if !strings.Contains(rec.Body.String(), `"Code":"`+codeSignatureExpire+`"`) {
			t.Errorf("a request signed %s: %s, want %s", name, rec.Body, codeSignatureExpire)
		}
	}
	if n := s.Count("CreateEmbedToken"); n != 3 {
		t.Errorf("Count = %d, want 3: refused requests are counted too", n)
	}
}
