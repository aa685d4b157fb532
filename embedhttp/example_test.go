package embedhttp_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/biembed/biembed-go/embedhttp"
	"github.com/biembed/biembed-go/filtermap"
	"github.com/biembed/biembed-go/tencent"
	"github.com/biembed/biembed-go/tencent/tencenttest"
	"github.com/biembed/biembed-go/tokencache"
)

// A backend mounts the handler under /embed/ and builds each token's
// request from its own session (here a header stands in for one). The page
// then needs only <iframe data-biembed="/embed"></iframe> and
// <script src="/embed/embed.js"></script>.
func ExampleTencent() {
	fake := tencenttest.NewServer() // the real service in production
	defer fake.Close()
	client, _ := tencent.NewClient(tencent.WithSecret(tencenttest.SecretID, tencenttest.SecretKey),
		tencent.WithEndpoint(fake.URL()), tencent.WithEmbedHost(fake.URL()))
	cache, _ := tencent.NewCache(client, tokencache.Options{})
	defer cache.Close()

	provinces := map[string]string{"alice": "Hubei", "bob": "Guangdong"}
	mux := http.NewServeMux()
	mux.Handle("/embed/", embedhttp.Tencent(cache, func(r *http.Request) (*tencent.CreateEmbedTokenRequest, error) {
		user := r.Header.Get("X-Demo-User") // your session lookup
		province, ok := provinces[user]
		if !ok {
			return nil, embedhttp.ErrUnauthorized
		}
		req := tencent.NewPageRequest(117, 11520)
		req.Expiry = 30 * time.Minute
		req.TokenType, req.UserCorpID, req.UserID = tencent.TokenTypeSingleUser, "corp-1", user
		req.GlobalParams = filtermap.GlobalParams{filtermap.Equals("province", province).GlobalParam()}
		return req, nil
	}, embedhttp.Options{}))
	app := httptest.NewServer(mux)
	defer app.Close()

	// What embed.js sends:
	post := func(user string) {
		req, _ := http.NewRequest(http.MethodPost, app.URL+"/embed/token", strings.NewReader("{}"))
		req.Header.Set("X-Biembed", "1")
		req.Header.Set("X-Demo-User", user)
		resp, err := app.Client().Do(req)
		if err != nil {
			fmt.Println(err)
			return
		}
		defer resp.Body.Close()
		var body map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&body)
		url, _ := body["url"].(string)
		fmt.Println(resp.StatusCode, strings.HasPrefix(url, fake.URL()+"/page/embed?"), len(body), body["error"])
	}
	post("alice")
	post("mallory")
	// Output:
	// 200 true 5 <nil>
	// 401 false 1 unauthorized
}
