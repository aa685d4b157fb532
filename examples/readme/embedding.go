package readme

import (
	"net/http"

	"github.com/biembed/biembed-go/embedhttp"
	"github.com/biembed/biembed-go/tencent"
)

// Embedding mounts the token endpoint, the extend endpoint and embed.js
// under /embed/ for the signed-in user's page: userOf reads the app's own
// session, requestFor builds that user's request.
func Embedding(mux *http.ServeMux, cache *tencent.Cache, userOf func(*http.Request) (string, bool), requestFor func(user string) *tencent.CreateEmbedTokenRequest) {
	mux.Handle("/embed/", embedhttp.Tencent(cache, func(r *http.Request) (*tencent.CreateEmbedTokenRequest, error) {
		user, ok := userOf(r) // the app's session, never what the browser sends
		if !ok {
			return nil, embedhttp.ErrUnauthorized // 401
		}
		return requestFor(user), nil // TokenTypeSingleUser with the user's UserCorpID and UserID
	}, embedhttp.Options{}))
}
