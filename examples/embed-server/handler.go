package main

import (
	"context"
	"encoding/json"
	"html/template"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/biembed/biembed-go/filtermap"
)

// policies says which rows each user may see. Each rule is stated once with
// filtermap.Condition and rendered for whichever vendor the server embeds.
var policies = map[string]filtermap.Condition{
	"alice": filtermap.In("region", "East", "North"),
	"bob":   filtermap.Equals("region", "South"),
}

// embedder mints (or reuses) a token for user, restricted to rows, and
// returns the embed URL that carries it.
type embedder interface {
	Embed(ctx context.Context, user string, rows filtermap.Condition) (embed, error)
}

// embed is an embed URL and when its token expires.
type embed struct {
	URL       string
	ExpiresAt time.Time
}

// embedBody is the JSON answer of GET /embed.
type embedBody struct {
	URL       string `json:"url"`
	ExpiresAt string `json:"expiresAt"` // RFC 3339, UTC
}

// deps is everything the handler needs.
type deps struct {
	Vendor   string // shown on the page and logged
	Embedder embedder
	Policies map[string]filtermap.Condition // user name -> rows the user may see
	Logger   *slog.Logger
}

// newHandler serves the demo page on / and embed URLs on /embed. Every
// answer is marked Cache-Control: no-store, since embed URLs carry tokens.
func newHandler(d deps) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /embed", d.serveEmbed)
	mux.HandleFunc("GET /{$}", d.servePage)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		mux.ServeHTTP(w, r)
	})
}

// serveEmbed answers GET /embed?user=NAME with {"url", "expiresAt"}.
func (d deps) serveEmbed(w http.ResponseWriter, r *http.Request) {
	user := r.URL.Query().Get("user")
	if user == "" {
		writeJSON(w, http.StatusBadRequest, errorBody{"missing user"})
		return
	}
	rows, ok := d.Policies[user]
	if !ok {
		writeJSON(w, http.StatusNotFound, errorBody{"unknown user"})
		return
	}
	e, err := d.Embedder.Embed(r.Context(), user, rows)
	if err != nil {
		// The SDK's errors hold no secrets, so the log may have the details;
		// the browser gets none of them.
		d.Logger.ErrorContext(r.Context(), "minting an embed token failed", "vendor", d.Vendor, "user", user, "err", err)
		writeJSON(w, http.StatusBadGateway, errorBody{"the BI service is unavailable, try again later"})
		return
	}
	writeJSON(w, http.StatusOK, embedBody{URL: e.URL, ExpiresAt: e.ExpiresAt.UTC().Format(time.RFC3339)})
}

// errorBody is the JSON of a failed /embed request.
type errorBody struct {
	Error string `json:"error"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false) // keep & readable in URLs; the content type is JSON, not HTML
	_ = enc.Encode(v)
}

// servePage serves a page that asks /embed for the chosen user's URL and
// loads it in an iframe: the token never appears in the HTML source.
func (d deps) servePage(w http.ResponseWriter, _ *http.Request) {
	users := make([]string, 0, len(d.Policies))
	for user := range d.Policies {
		users = append(users, user)
	}
	slices.Sort(users)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := page.Execute(w, struct {
		Vendor string
		Users  []string
	}{d.Vendor, users}); err != nil {
		d.Logger.Error("rendering the page failed", "err", err)
	}
}

var page = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>biembed-go embed server ({{.Vendor}})</title>
<style>body{font-family:sans-serif;margin:1rem}iframe{width:100%;height:80vh;border:1px solid #ccc}</style>
</head>
<body>
<label>User <select id="user">{{range .Users}}<option>{{.}}</option>{{end}}</select></label>
<span id="info"></span>
<iframe id="report" title="{{.Vendor}} report"></iframe>
<script>
const user = document.getElementById("user");
const info = document.getElementById("info");
const frame = document.getElementById("report");
async function load() {
  info.textContent = "loading…";
  const res = await fetch("/embed?user=" + encodeURIComponent(user.value));
  const body = await res.json();
  if (!res.ok) { info.textContent = body.error; return; }
  frame.src = body.url;
  info.textContent = "token expires at " + body.expiresAt;
}
function show() { load().catch(err => { info.textContent = String(err); }); }
user.addEventListener("change", show);
show();
</script>
</body>
</html>
`))
