package embedhttp_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzHandler sends whatever a hostile browser could: any method, path,
// headers and body. The handler never panics, answers one of its statuses,
// and every answer is its JSON (or the script), never server text.
func FuzzHandler(f *testing.F) {
	f.Add("POST", "/embed/extend", "alice", "1", "same-origin", "http://app.example", `{"id":"0123456789abcdef"}`)
	f.Add("POST", "/embed/token", "bob", "1", "", "", "")
	f.Add("GET", "/embed/embed.js", "", "", "cross-site", "null", "")
	f.Add("POST", "/embed/extend", "mallory", "1", "same-origin", "http://APP.example", `{"id":"`+strings.Repeat("0", 2000)+`"}`)
	f.Add("OPTIONS", "/embed/token", "", "1", "same-site", "http://evil.example", "")
	f.Add("POST", "/embed/extend", "alice", "1", "", "http://app.example", `{"id":"0123456789abcdef","id":["x"]}`)
	r := newRig(f, "tencent")
	f.Fuzz(func(t *testing.T, method, path, user, xb, site, origin, body string) {
		req := httptest.NewRequest(http.MethodPost, "http://app.example/", strings.NewReader(body))
		req.Method, req.URL.Path = method, path
		for k, v := range map[string]string{"X-User": user, "X-Biembed": xb, "Sec-Fetch-Site": site, "Origin": origin} {
			if v != "" {
				req.Header[k] = []string{v}
			}
		}
		w := httptest.NewRecorder()
		r.handler.ServeHTTP(w, req)
		switch w.Code {
		case http.StatusOK, http.StatusNotModified, http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden,
			http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusInternalServerError:
		default:
			t.Fatalf("status %d for %s %q", w.Code, method, path)
		}
		if strings.HasPrefix(w.Header().Get("Content-Type"), "text/javascript") || method == http.MethodHead || w.Code == http.StatusNotModified {
			return
		}
		var got map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
			t.Fatalf("not JSON: %q", w.Body.String())
		}
		if w.Code != http.StatusOK && len(got) != 1 {
			t.Fatalf("an error carries its code only: %q", w.Body.String())
		}
		if w.Code == http.StatusOK {
			r.rec.AddSecret(tokenOf(t, got["url"].(string)))
		}
	})
}
