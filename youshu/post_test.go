package youshu_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/biembed/biembed-go/youshu"
	"github.com/biembed/biembed-go/youshu/youshutest"
)

// answering returns a client whose genToken is answered by h.
func answering(t *testing.T, h http.HandlerFunc, opts ...youshu.Option) *youshu.Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	base := []youshu.Option{youshu.WithInsecureHTTP(), youshu.WithCredential(youshutest.AdminCredential()), youshu.WithRetries(0)}
	c, err := youshu.NewClient(srv.URL, append(base, opts...)...)
	require.NoError(t, err)
	t.Cleanup(c.CloseIdleConnections)
	return c
}

// TestGenTokenBodyLimitIsExact: genToken's direct POST path reads an answer
// of exactly WithMaxResponseBytes and refuses one byte more, whether the
// server declares the length, declares a wrong one or streams without one.
func TestGenTokenBodyLimitIsExact(t *testing.T) {
	t.Parallel()
	answer := func(pad int) []byte {
		return []byte(`{"code":200,"result":"tok` + strings.Repeat("x", pad) + `"}`)
	}
	limit := int64(len(answer(100)))
	for name, write := range map[string]func(w http.ResponseWriter, b []byte){
		"content-length": func(w http.ResponseWriter, b []byte) {
			w.Header().Set("Content-Length", strconv.Itoa(len(b)))
			_, _ = w.Write(b)
		},
		"chunked": func(w http.ResponseWriter, b []byte) {
			_, _ = w.Write(b[:10])
			w.(http.Flusher).Flush()
			_, _ = w.Write(b[10:])
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			for pad, wantErr := range map[int]bool{99: false, 100: false, 101: true, 5000: true} {
				c := answering(t, func(w http.ResponseWriter, _ *http.Request) { write(w, answer(pad)) }, youshu.WithMaxResponseBytes(limit))
				tok, err := c.GenToken(context.Background(), &youshu.GenTokenRequest{})
				if wantErr {
					assert.ErrorIs(t, err, youshu.ErrResponseTooLarge, "pad %d", pad)
					continue
				}
				require.NoError(t, err, "pad %d", pad)
				assert.Equal(t, "tok"+strings.Repeat("x", pad), tok.Value.Reveal())
			}
		})
	}
}

// TestGenTokenReadsUnaskedGzip: like resty, the direct path gunzips an
// answer the server compressed without being asked.
func TestGenTokenReadsUnaskedGzip(t *testing.T) {
	t.Parallel()
	var zipped bytes.Buffer
	zw := gzip.NewWriter(&zipped)
	_, _ = zw.Write([]byte(`{"code":200,"result":"zipped-token"}`))
	require.NoError(t, zw.Close())
	c := answering(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		_, _ = w.Write(zipped.Bytes())
	}, youshu.WithTransport(&http.Transport{DisableCompression: true}))
	tok, err := c.GenToken(context.Background(), &youshu.GenTokenRequest{})
	require.NoError(t, err)
	assert.Equal(t, "zipped-token", tok.Value.Reveal())
}

// TestGenTokenSendsRestysHeaders: the direct path sends what resty sent.
func TestGenTokenSendsRestysHeaders(t *testing.T) {
	t.Parallel()
	var got http.Header
	c := answering(t, func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		_, _ = w.Write([]byte(`{"code":200,"result":"t"}`))
	})
	_, err := c.GenToken(context.Background(), &youshu.GenTokenRequest{})
	require.NoError(t, err)
	assert.Equal(t, "application/json", got.Get("Content-Type"))
	assert.Equal(t, "application/json", got.Get("Accept"))
	assert.Equal(t, youshu.DefaultUserAgent, got.Get("User-Agent"))
}
