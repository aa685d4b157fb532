package main

import (
	"context"
	"encoding/json"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/biembed/biembed-go/filtermap"
	"github.com/biembed/biembed-go/tencent"
	"github.com/biembed/biembed-go/youshu"
)

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

// errorBody is the JSON of a failed /embed request.
type errorBody struct {
	Error string `json:"error"`
}

// deps is everything the handler needs.
type deps struct {
	Vendor   string // shown on the page and logged
	Embedder embedder
	Users    map[string]demoUser // who may sign in, and the rows each may see
	Sessions *sessions
	Logger   *slog.Logger
}

// newHandler serves the login form, the demo page and embed URLs:
//
//	GET  /login   the login form
//	POST /login   checks the password, sets the session cookie, redirects to /
//	POST /logout  deletes the session cookie
//	GET  /        the page with the iframe (signed in; otherwise a redirect to /login)
//	GET  /embed   {"url", "expiresAt"} for the signed-in user (otherwise 401)
//
// The user always comes from the signed session cookie, never from the
// request's query or body. Every answer is marked Cache-Control: no-store,
// since embed URLs carry tokens.
func newHandler(d deps) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /login", d.serveLoginForm)
	mux.HandleFunc("POST /login", d.serveLogin)
	mux.HandleFunc("POST /logout", d.serveLogout)
	mux.HandleFunc("GET /embed", d.serveEmbed)
	mux.HandleFunc("GET /{$}", d.servePage)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		// No Referer to other origins. (Not no-referrer: browsers then send
		// "Origin: null" with form posts, which crossSite refuses.)
		w.Header().Set("Referrer-Policy", "same-origin")
		if r.Method == http.MethodPost && crossSite(r) {
			http.Error(w, "cross-site request refused", http.StatusForbidden)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// crossSite reports a form post from another origin (login CSRF): current
// browsers send Sec-Fetch-Site, older ones at least Origin. Requests with
// neither (curl, scripts) are not from a browser and pass.
func crossSite(r *http.Request) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" {
		return site != "same-origin" && site != "none"
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return false
	}
	u, err := url.Parse(origin)
	return err != nil || u.Host != r.Host
}

// signedIn returns the user of r's session, if it is one of d.Users.
func (d deps) signedIn(r *http.Request) (string, demoUser, bool) {
	name, ok := d.Sessions.user(r)
	if !ok {
		return "", demoUser{}, false
	}
	u, ok := d.Users[name]
	return name, u, ok
}

// serveEmbed answers GET /embed with the signed-in user's embed URL. Any
// ?user= is ignored: whose rows a token shows is decided by the session.
func (d deps) serveEmbed(w http.ResponseWriter, r *http.Request) {
	name, user, ok := d.signedIn(r)
	if !ok {
		writeJSON(w, http.StatusUnauthorized, errorBody{"sign in first"})
		return
	}
	e, err := d.Embedder.Embed(r.Context(), name, user.Rows)
	if err != nil {
		status, msg := statusOf(err)
		// The SDK's errors hold no secrets, so the log may have the details;
		// the browser gets none of them.
		d.Logger.ErrorContext(r.Context(), "minting an embed token failed",
			"vendor", d.Vendor, "user", name, "status", status, "err", err)
		if status == http.StatusServiceUnavailable {
			w.Header().Set("Retry-After", "1")
		}
		writeJSON(w, status, errorBody{msg})
		return
	}
	writeJSON(w, http.StatusOK, embedBody{URL: e.URL, ExpiresAt: e.ExpiresAt.UTC().Format(time.RFC3339)})
}

// statusOf maps an SDK error to the answer the browser gets.
func statusOf(err error) (int, string) {
	switch {
	case errors.Is(err, tencent.ErrInvalid) || errors.Is(err, youshu.ErrInvalid):
		// Bad input is caught before any network call.
		return http.StatusBadRequest, "this embed request is invalid"
	case rateLimited(err):
		return http.StatusServiceUnavailable, "the BI service is busy, try again shortly"
	case errors.Is(err, tencent.ErrAuthFailure) || errors.Is(err, tencent.ErrUnauthorized) ||
		errors.Is(err, youshu.ErrUnauthorized):
		// The vendor refused this server's credentials or their rights.
		return http.StatusBadGateway, "the BI service refused this server's credentials"
	}
	return http.StatusInternalServerError, "minting an embed token failed, try again later"
}

// rateLimited reports a vendor's "too many requests": Tencent's
// RequestLimitExceeded, or HTTP or JSON code 429 from Youshu.
func rateLimited(err error) bool {
	var ye *youshu.Error
	return errors.Is(err, tencent.ErrRateLimited) ||
		errors.As(err, &ye) && (ye.HTTPStatus == http.StatusTooManyRequests || ye.Code == http.StatusTooManyRequests)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false) // keep & readable in URLs; the content type is JSON, not HTML
	_ = enc.Encode(v)
}

// serveLoginForm serves the login form.
func (d deps) serveLoginForm(w http.ResponseWriter, _ *http.Request) {
	d.render(w, http.StatusOK, loginPage, struct{ Vendor, Error string }{d.Vendor, ""})
}

// serveLogin checks the form's user and password and starts a session.
func (d deps) serveLogin(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	name := r.PostForm.Get("user")
	if !checkPassword(d.Users, name, r.PostForm.Get("password")) {
		d.Logger.WarnContext(r.Context(), "sign-in failed", "user", name) // never the password
		d.render(w, http.StatusUnauthorized, loginPage, struct{ Vendor, Error string }{d.Vendor, "Wrong user name or password."})
		return
	}
	http.SetCookie(w, d.Sessions.cookie(r, name))
	d.Logger.InfoContext(r.Context(), "signed in", "user", name)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// serveLogout deletes the session cookie.
func (d deps) serveLogout(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, d.Sessions.cleared(r))
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// servePage serves the page for the signed-in user. It asks /embed for the
// URL and loads it in an iframe: the token never appears in the HTML source.
func (d deps) servePage(w http.ResponseWriter, r *http.Request) {
	name, _, ok := d.signedIn(r)
	if !ok {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	d.render(w, http.StatusOK, page, struct{ Vendor, User string }{d.Vendor, name})
}

func (d deps) render(w http.ResponseWriter, status int, t *template.Template, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := t.Execute(w, data); err != nil {
		d.Logger.Error("rendering a page failed", "page", t.Name(), "err", err)
	}
}

var loginPage = template.Must(template.New("login").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Sign in: biembed-go embed server ({{.Vendor}})</title>
<style>body{font-family:sans-serif;margin:2rem}label{display:block;margin:.5rem 0}</style>
</head>
<body>
<h1>Sign in</h1>
{{with .Error}}<p id="error" role="alert">{{.}}</p>{{end}}
<form method="post" action="/login">
<label>User <input id="user" name="user" autocomplete="username" required></label>
<label>Password <input id="password" name="password" type="password" autocomplete="current-password" required></label>
<button id="signin" type="submit">Sign in</button>
</form>
<p>Demo users: alice and bob (passwords in the README and <code>embed-server -h</code>).</p>
</body>
</html>
`))

var page = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>biembed-go embed server ({{.Vendor}})</title>
<style>body{font-family:sans-serif;margin:1rem}iframe{width:100%;height:80vh;border:1px solid #ccc}form{display:inline}</style>
</head>
<body>
<div>Signed in as <strong id="who">{{.User}}</strong>
<form method="post" action="/logout"><button id="signout" type="submit">Sign out</button></form>
<span id="info"></span></div>
<iframe id="report" title="{{.Vendor}} report"></iframe>
<script>
const info = document.getElementById("info");
const frame = document.getElementById("report");
async function load() {
  info.textContent = "loading…";
  const res = await fetch("/embed", {credentials: "same-origin"});
  if (res.status === 401) { location.assign("/login"); return; }
  const body = await res.json();
  if (!res.ok) { info.textContent = body.error; return; }
  frame.addEventListener("load", () => { frame.dataset.loaded = "true"; }, {once: true});
  frame.src = body.url;
  info.textContent = "token expires at " + body.expiresAt;
}
load().catch(err => { info.textContent = String(err); });
</script>
</body>
</html>
`))
