package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/biembed/biembed-go/internal/secrettest"
	"github.com/biembed/biembed-go/tencent"
	"github.com/biembed/biembed-go/tencent/tencenttest"
	"github.com/biembed/biembed-go/youshu"
	"github.com/biembed/biembed-go/youshu/youshutest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fixture is a handler wired to one vendor's fake, and ways to watch the fake.
type fixture struct {
	handler  http.Handler
	rec      *secrettest.Recorder // fails the test if a secret reaches a log
	mints    func() int           // mint calls the fake received
	rows     func() string        // the row policy of the last mint, as the fake received it
	fail     func(msg string)     // make every mint fail upstream with msg
	heal     func()               // undo fail
	urlShape *regexp.Regexp       // what an embed URL looks like
	wantRows map[string]string    // user -> rows the fake must receive
}

func newFixture(t *testing.T, vendor string) fixture {
	t.Helper()
	switch vendor {
	case "tencent":
		return newTencentFixture(t)
	case "youshu":
		return newYoushuFixture(t)
	}
	t.Fatalf("unknown vendor %q", vendor)
	return fixture{}
}

func newTencentFixture(t *testing.T) fixture {
	srv := tencenttest.NewTestServer(t)
	rec := secrettest.New(t, tencenttest.SecretKey)
	client, err := tencent.NewClient(tencent.WithSecret(tencenttest.SecretID, tencenttest.SecretKey),
		tencent.WithEndpoint(srv.URL()), tencent.WithLogger(rec.Logger()))
	require.NoError(t, err)
	t.Cleanup(client.CloseIdleConnections)
	emb, err := newTencentEmbedder(client, 117, 11520)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, emb.cache.Close()) })

	return fixture{
		handler: newHandler(deps{Vendor: "tencent", Embedder: emb, Policies: policies, Logger: rec.Logger()}),
		rec:     rec,
		mints:   func() int { return srv.Count(tencenttest.ActionCreateEmbedToken) },
		rows: func() string {
			reqs := srv.Requests()
			return fmt.Sprint(reqs[len(reqs)-1].Params["GlobalParam"])
		},
		fail: func(msg string) {
			srv.Inject(tencenttest.Fault{Action: tencenttest.ActionCreateEmbedToken, Code: tencent.CodeInternalError, Message: msg})
		},
		heal:     srv.ClearFaults,
		urlShape: regexp.MustCompile(`^https://tcbi\.qq\.com/page/embed\?authType=strong&projectId=117&pageId=11520&scope=page&token=[^&]+$`),
		wantRows: map[string]string{
			"alice": `[{"ParamKey":"region","JoinType":"AND","WhereList":[{"Operator":"-is","Value":["East","North"]}]}]`,
			"bob":   `[{"ParamKey":"region","JoinType":"AND","WhereList":[{"Operator":"-eq","Value":["South"]}]}]`,
		},
	}
}

func newYoushuFixture(t *testing.T) fixture {
	srv := youshutest.NewTestServer(t)
	rec := secrettest.New(t, youshutest.Secrets()...)
	client, err := youshu.NewClient(srv.URL(), youshu.WithInsecureHTTP(),
		youshu.WithCredential(youshu.TokenKey(youshutest.UserTokenKey)), youshu.WithLogger(rec.Logger()))
	require.NoError(t, err)
	t.Cleanup(client.CloseIdleConnections)
	emb, err := newYoushuEmbedder(client, 1, 700006204)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, emb.cache.Close()) })

	rowsOf := func(values string) string {
		return `{"700006204":{"rule":"and","dataFilters":[{"filterType":"listFilter","selectType":"select","tableName":"orders",` +
			`"filter":{"dim":{"field":"region","dataType":"String"},"select":` + values + `}}]}}`
	}
	return fixture{
		handler: newHandler(deps{Vendor: "youshu", Embedder: emb, Policies: policies, Logger: rec.Logger()}),
		rec:     rec,
		mints:   func() int { return srv.Count(youshu.EndpointGenToken) },
		rows: func() string {
			reqs := srv.Requests()
			b, err := json.Marshal(reqs[len(reqs)-1].GenToken.FilterMap)
			require.NoError(t, err)
			return string(b)
		},
		fail: func(msg string) {
			srv.Inject(youshutest.Fault{Endpoint: youshu.EndpointGenToken, Code: 500, Message: msg})
		},
		heal:     srv.ClearFaults,
		urlShape: regexp.MustCompile(`^` + regexp.QuoteMeta(srv.URL()) + `/dash/integration/1\?token=[0-9a-f]+$`),
		wantRows: map[string]string{"alice": rowsOf(`["East","North"]`), "bob": rowsOf(`["South"]`)},
	}
}

var vendors = []string{"tencent", "youshu"}

// do sends one request to h and checks the headers every answer must carry.
func do(t *testing.T, h http.Handler, method, target string) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(method, target, nil))
	assert.Equal(t, "no-store", w.Header().Get("Cache-Control"), "%s %s", method, target)
	assert.NotEmpty(t, w.Header().Get("Content-Type"), "%s %s", method, target)
	return w
}

// embedAnswer is the JSON of GET /embed, success or failure.
type embedAnswer struct {
	URL       string `json:"url"`
	ExpiresAt string `json:"expiresAt"`
	Error     string `json:"error"`
}

func getEmbed(t *testing.T, h http.Handler, query string, wantStatus int) embedAnswer {
	t.Helper()
	w := do(t, h, http.MethodGet, "/embed"+query)
	require.Equal(t, wantStatus, w.Code, w.Body.String())
	assert.Equal(t, "application/json", w.Header().Get("Content-Type"))
	assert.NotContains(t, w.Body.String(), `\u0026`, "URLs must stay readable")
	var a embedAnswer
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &a), w.Body.String())
	return a
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

func TestEmbed(t *testing.T) {
	t.Parallel()
	for _, vendor := range vendors {
		t.Run(vendor, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, vendor)

			alice := getEmbed(t, f.handler, "?user=alice", http.StatusOK)
			f.rec.AddSecret(tokenOf(t, alice.URL))
			assert.Regexp(t, f.urlShape, alice.URL)
			expires, err := time.Parse(time.RFC3339, alice.ExpiresAt)
			require.NoError(t, err)
			assert.True(t, expires.After(time.Now()) && !expires.After(time.Now().Add(tokenLifetime)), alice.ExpiresAt)
			assert.Equal(t, 1, f.mints())
			assert.Equal(t, f.wantRows["alice"], f.rows())

			again := getEmbed(t, f.handler, "?user=alice", http.StatusOK)
			assert.Equal(t, alice.URL, again.URL, "the second request must be served from the cache")
			assert.Equal(t, 1, f.mints())

			bob := getEmbed(t, f.handler, "?user=bob", http.StatusOK)
			f.rec.AddSecret(tokenOf(t, bob.URL))
			assert.Regexp(t, f.urlShape, bob.URL)
			assert.NotEqual(t, alice.URL, bob.URL)
			assert.Equal(t, 2, f.mints())
			assert.Equal(t, f.wantRows["bob"], f.rows())

			for _, tc := range []struct {
				query  string
				status int
				err    string
			}{
				{"?user=mallory", http.StatusNotFound, "unknown user"},
				{"?user=", http.StatusBadRequest, "missing user"},
				{"", http.StatusBadRequest, "missing user"},
			} {
				a := getEmbed(t, f.handler, tc.query, tc.status)
				assert.Equal(t, embedAnswer{Error: tc.err}, a, tc.query)
			}
			assert.Equal(t, 2, f.mints(), "bad requests must not reach the vendor")
		})
	}
}

func TestEmbedUpstreamFailure(t *testing.T) {
	t.Parallel()
	const upstream = "upstream-detail-5e1f: database on fire"
	for _, vendor := range vendors {
		t.Run(vendor, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, vendor)
			f.fail(upstream)

			w := do(t, f.handler, http.MethodGet, "/embed?user=alice")
			assert.Equal(t, http.StatusBadGateway, w.Code)
			assert.JSONEq(t, `{"error":"the BI service is unavailable, try again later"}`, w.Body.String())
			assert.NotContains(t, w.Body.String(), "upstream-detail")
			assert.Contains(t, f.rec.Logs(), "minting an embed token failed")
			assert.Contains(t, f.rec.Logs(), "upstream-detail-5e1f", "the cause belongs in the log")

			// Failures are not cached: once the vendor is back, the next request mints.
			f.heal()
			ok := getEmbed(t, f.handler, "?user=alice", http.StatusOK)
			f.rec.AddSecret(tokenOf(t, ok.URL))
			assert.Equal(t, 2, f.mints())
		})
	}
}

func TestPageAndRoutes(t *testing.T) {
	t.Parallel()
	for _, vendor := range vendors {
		t.Run(vendor, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, vendor)

			w := do(t, f.handler, http.MethodGet, "/")
			require.Equal(t, http.StatusOK, w.Code)
			assert.Equal(t, "text/html; charset=utf-8", w.Header().Get("Content-Type"))
			body := w.Body.String()
			assert.Contains(t, body, `<iframe id="report"`)
			assert.Contains(t, body, `<option>alice</option><option>bob</option>`)
			assert.Contains(t, body, `fetch("/embed?user="`)
			assert.NotContains(t, body, "token=", "the page must not carry a token")
			assert.Equal(t, 0, f.mints(), "serving the page mints nothing")

			assert.Equal(t, http.StatusNotFound, do(t, f.handler, http.MethodGet, "/nothing-here").Code)
			assert.Equal(t, http.StatusMethodNotAllowed, do(t, f.handler, http.MethodPost, "/embed?user=alice").Code)
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

// TestRun starts the whole server in fake mode on a loopback port, asks it
// for an embed URL over HTTP and shuts it down.
func TestRun(t *testing.T) {
	t.Parallel()
	for _, vendor := range vendors {
		t.Run(vendor, func(t *testing.T) {
			t.Parallel()
			sink := &logSink{addr: make(chan string, 1)}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan error, 1)
			go func() {
				logger := slogText(sink)
				done <- run(ctx, logger, func(string) string { return "" }, []string{"-addr", "127.0.0.1:0", "-vendor", vendor})
			}()

			var base string
			select {
			case base = <-sink.addr:
			case err := <-done:
				t.Fatalf("run ended before listening: %v\n%s", err, sink)
			}

			client := &http.Client{Transport: &http.Transport{}}
			defer client.CloseIdleConnections()
			resp, err := client.Get(base + "/embed?user=alice")
			require.NoError(t, err)
			body, err := io.ReadAll(resp.Body)
			require.NoError(t, resp.Body.Close())
			require.NoError(t, err)
			assert.Equal(t, http.StatusOK, resp.StatusCode, string(body))
			assert.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
			assert.Contains(t, string(body), `"url":"http`)

			cancel()
			require.NoError(t, <-done)
			logs := sink.String()
			assert.Contains(t, logs, "fake mode")
			assert.Contains(t, logs, "shutting down")
			assert.NotContains(t, logs, tokenOf(t, embedURLOf(t, body)), "the log must not hold a token")
		})
	}
}

func slogText(w io.Writer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }

func embedURLOf(t *testing.T, body []byte) string {
	t.Helper()
	var a embedAnswer
	require.NoError(t, json.Unmarshal(body, &a))
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
		{"plain http Youshu host", map[string]string{"YOUSHU_BASE_URL": "http://bi.example.com", "YOUSHU_TOKEN_KEY": "k"}, []string{"-vendor", "youshu"}, "must use https"},
		{"bad listen address", nil, []string{"-addr", "127.0.0.1:-1"}, "listen"},
		{"unknown flag", nil, []string{"-nope"}, "flag provided but not defined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sink := &logSink{addr: make(chan string, 1)}
			err := run(context.Background(), slogText(sink), func(k string) string { return tt.env[k] }, tt.args)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
			assert.NotContains(t, sink.String(), "msg=listening")
			assert.False(t, strings.Contains(sink.String(), "real host"), "no client may be made from a bad configuration")
		})
	}
}
