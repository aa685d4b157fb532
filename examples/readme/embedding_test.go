package readme

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/biembed/biembed-go/tencent"
	"github.com/biembed/biembed-go/tencent/tencenttest"
	"github.com/biembed/biembed-go/tokencache"
)

// The README's mount serves the signed-in user's token, refuses a request
// without a session, and serves the script.
func TestEmbeddingServesTheSessionsToken(t *testing.T) {
	t.Parallel()
	srv := tencenttest.NewTestServer(t)
	client, err := tencent.NewClient(tencent.WithSecret(tencenttest.SecretID, tencenttest.SecretKey),
		tencent.WithEndpoint(srv.URL()), tencent.WithEmbedHost(srv.URL()))
	if err != nil {
		t.Fatal(err)
	}
	cache, err := tencent.NewCache(client, tokencache.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cache.Close() })
	mux := http.NewServeMux()
	Embedding(mux, cache, func(r *http.Request) (string, bool) {
		c, err := r.Cookie("session") // a stand-in for the app's session store
		if err != nil {
			return "", false
		}
		return c.Value, true
	}, func(user string) *tencent.CreateEmbedTokenRequest {
		req := tencent.NewPageRequest(7, 8)
		req.TokenType, req.UserCorpID, req.UserID = tencent.TokenTypeSingleUser, "corp-1", user
		return req
	})

	post := func(withSession bool) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodPost, "http://app.example/embed/token", nil)
		r.Header.Set("X-Biembed", "1")
		r.Header.Set("Sec-Fetch-Site", "same-origin")
		if withSession {
			r.AddCookie(&http.Cookie{Name: "session", Value: "alice"})
		}
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, r)
		return w
	}
	w := post(true)
	var answer struct{ URL string }
	if err := json.Unmarshal(w.Body.Bytes(), &answer); w.Code != http.StatusOK || err != nil {
		t.Fatalf("POST /embed/token = %d %s", w.Code, w.Body)
	}
	issued, ok := srv.Lookup(tokenOf(t, answer.URL))
	if !ok || issued.UserID != "alice" {
		t.Fatalf("the token is not alice's: %+v", issued)
	}
	if w := post(false); w.Code != http.StatusUnauthorized {
		t.Fatalf("without a session: %d, want 401", w.Code)
	}
	w = httptest.NewRecorder()
	mux.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "http://app.example/embed/embed.js", nil))
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "biembed") {
		t.Fatalf("GET /embed/embed.js = %d", w.Code)
	}
}
