package httplimit_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/biembed/biembed-go/internal/httplimit"
)

func TestTransportRefusesHeaderBombs(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/bomb" {
			w.Header().Set("X-Bomb", strings.Repeat("b", 200<<10))
		}
		w.Header().Set("X-Fine", strings.Repeat("f", 1<<10))
	}))
	defer srv.Close()
	for name, base := range map[string]http.RoundTripper{
		"default transport":    httplimit.DefaultTransport(),
		"a caller's transport": &http.Transport{},
	} {
		tr := &httplimit.Transport{Base: base}
		client := &http.Client{Transport: tr}
		if _, err := client.Get(srv.URL + "/bomb"); !errors.Is(err, httplimit.ErrHeadersTooLarge) {
			t.Errorf("%s: got %v, want ErrHeadersTooLarge", name, err)
		}
		resp, err := client.Get(srv.URL + "/fine")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		resp.Body.Close()
		tr.CloseIdleConnections()
	}
}

// TestDefaultTransportVerifiesCertificates: the clients' default transport
// never turns TLS verification off.
func TestDefaultTransportVerifiesCertificates(t *testing.T) {
	t.Parallel()
	tr, ok := httplimit.DefaultTransport().(*http.Transport)
	if !ok {
		t.Skip("http.DefaultTransport was replaced")
	}
	if tr.TLSClientConfig != nil && tr.TLSClientConfig.InsecureSkipVerify {
		t.Error("InsecureSkipVerify is set")
	}
	if tr.MaxResponseHeaderBytes != httplimit.MaxHeaderBytes {
		t.Errorf("MaxResponseHeaderBytes = %d", tr.MaxResponseHeaderBytes)
	}
}
