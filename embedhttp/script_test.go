package embedhttp_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/biembed/biembed-go/embedhttp"
	"github.com/biembed/biembed-go/tencent"
	"github.com/biembed/biembed-go/youshu"
)

// maxScriptBytes is the script's budget: 3 KiB, hand-written.
const maxScriptBytes = 3 << 10

func TestScriptIsServedCacheable(t *testing.T) {
	t.Parallel()
	r := newRig(t, "youshu")
	src, err := os.ReadFile("embed.js")
	require.NoError(t, err)
	assert.LessOrEqual(t, len(src), maxScriptBytes, "embed.js is %d bytes", len(src))
	t.Logf("embed.js: %d bytes", len(src))

	get := func(method string, header ...string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, "http://app.example/embed/embed.js", nil)
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		w := httptest.NewRecorder()
		r.handler.ServeHTTP(w, req)
		return w
	}
	w := get(http.MethodGet)
	require.Equal(t, http.StatusOK, w.Code)
	assert.Equal(t, string(src), w.Body.String())
	assert.Equal(t, "text/javascript; charset=utf-8", w.Header().Get("Content-Type"))
	assert.Equal(t, "public, max-age=3600", w.Header().Get("Cache-Control"))
	assert.Equal(t, "nosniff", w.Header().Get("X-Content-Type-Options"))
	etag := w.Header().Get("ETag")
	assert.Regexp(t, `^"[0-9a-f]{16}"$`, etag)

	assert.Equal(t, http.StatusNotModified, get(http.MethodGet, "If-None-Match", etag).Code)
	head := get(http.MethodHead)
	assert.Equal(t, http.StatusOK, head.Code)
	assert.Empty(t, head.Body.String())
	post := get(http.MethodPost)
	assert.Equal(t, http.StatusMethodNotAllowed, post.Code)
	assert.Equal(t, "GET, HEAD", post.Header().Get("Allow"))
	assert.Equal(t, 0, r.mints(), "the script needs no session and mints nothing")

	// What the script sends is what the guard asks for.
	for _, want := range []string{`"X-Biembed": "1"`, `credentials: "same-origin"`, `method: "POST"`,
		`"extend"`, `"token"`, "AbortController", "navigator.locks", "BroadcastChannel", "visibilitychange",
		`"online"`, "biembed:", `"refreshed"`, `"replaced"`, `"failed"`, "iframe[data-biembed]", "Math.random()"} {
		assert.Contains(t, string(src), want)
	}
	assert.GreaterOrEqual(t, strings.Count(string(src), "clearTimeout("), strings.Count(string(src), "setTimeout("),
		"every timer the script sets, it clears")
}

// A Handler made wrong answers 500 and never panics.
func TestZeroAndNilHandlers(t *testing.T) {
	t.Parallel()
	for name, h := range map[string]http.Handler{
		"nil":          (*embedhttp.Handler)(nil),
		"zero":         &embedhttp.Handler{},
		"nil callback": embedhttp.Tencent(nil, nil, embedhttp.Options{}),
		"nil cache": embedhttp.Tencent(nil, func(*http.Request) (*tencent.CreateEmbedTokenRequest, error) {
			return tencent.NewPageRequest(1, 2), nil
		}, embedhttp.Options{}),
		"nil youshu cache": embedhttp.Youshu(nil, func(*http.Request) (*youshu.GenTokenRequest, error) { return &youshu.GenTokenRequest{}, nil }, embedhttp.Options{}),
	} {
		req := httptest.NewRequest(http.MethodPost, "http://app.example/embed/token", nil)
		sameOrigin(req)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		assert.Equal(t, http.StatusInternalServerError, w.Code, name)
		assert.Equal(t, `{"error":"internal"}`+"\n", w.Body.String(), name)
	}
}
