package main

import (
	"fmt"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/biembed/biembed-go/embedhttp"
)

// app is everything the handler needs.
type app struct {
	Vendor   string  // shown on the page and logged
	Backend  backend // the vendor: embed handler, revocation, frame origin
	Users    *directory
	Sessions *sessions
	Logins   *throttle // failed logins per user name and per client address
	Now      func() time.Time
	Logger   *slog.Logger
}

// newHandler serves the login form, the demo page and the embed endpoints:
//
//	GET  /login        the login form
//	POST /login        checks the password, starts a session, redirects to /
//	                   (429 with Retry-After after too many failures)
//	POST /logout       ends the session on the server and revokes the user's tokens
//	GET  /             the page with the iframe (signed in; otherwise a redirect to /login)
//	GET  /app.js       the page's own script (shows the token's expiry)
//	POST /embed/token, POST /embed/extend, GET /embed/embed.js: package embedhttp
//
// The user always comes from the session, never from the request's query
// or body. Every answer carries the security headers (see secure).
func newHandler(a *app) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /login", a.serveLoginForm)
	mux.HandleFunc("POST /login", a.serveLogin)
	mux.HandleFunc("POST /logout", a.serveLogout)
	mux.HandleFunc("GET /app.js", serveAppJS)
	mux.HandleFunc("GET /{$}", a.servePage)
	mux.Handle("/embed/", a.Backend.handler(a.signedIn, embedhttp.Options{Now: a.Now, Logger: a.Logger}))
	csp := "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; frame-src " + a.Backend.frameSrc() +
		"; frame-ancestors 'self'; form-action 'self'; base-uri 'none'; object-src 'none'"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		// This app's pages may be framed by itself only (clickjacking);
		// they may frame the vendor's embed host only.
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Frame-Options", "SAMEORIGIN")
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		// No Referer to other origins. (Not no-referrer: browsers then send
		// "Origin: null" with form posts, which crossSite refuses.)
		h.Set("Referrer-Policy", "same-origin")
		if r.Method == http.MethodPost && !strings.HasPrefix(r.URL.Path, "/embed/") && crossSite(r) { // embedhttp guards its own
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

// signedIn returns the user of r's session, if it is one of a.Users.
func (a *app) signedIn(r *http.Request) (string, demoUser, error) {
	name, ok := a.Sessions.user(r)
	if !ok {
		return "", demoUser{}, embedhttp.ErrUnauthorized
	}
	u, ok := a.Users.get(name)
	if !ok {
		return "", demoUser{}, fmt.Errorf("user %q is gone: %w", name, embedhttp.ErrUnauthorized)
	}
	return name, u, nil
}

// clientAddr is the address a request came from. Behind a reverse proxy,
// take it from the proxy's header instead (and only from the proxy).
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// serveLoginForm serves the login form.
func (a *app) serveLoginForm(w http.ResponseWriter, _ *http.Request) {
	a.render(w, http.StatusOK, loginPage, struct{ Vendor, Error string }{a.Vendor, ""})
}

// serveLogin checks the form's user and password and starts a session.
// After Logins' limit of failures for the user name or for the client
// address within its window, it refuses every attempt from either (429,
// Retry-After) until the oldest failure leaves the window: a password
// cannot be guessed faster, whatever address or name an attacker rotates.
func (a *app) serveLogin(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	name := r.PostForm.Get("user")
	userKey, addrKey := "user:"+name, "addr:"+clientAddr(r)
	if wait := a.Logins.wait(userKey, addrKey); wait > 0 {
		secs := int((wait + time.Second - 1) / time.Second)
		a.Logger.WarnContext(r.Context(), "sign-in throttled", "user", name, "addr", clientAddr(r), "retry_after", secs)
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		a.render(w, http.StatusTooManyRequests, loginPage, struct{ Vendor, Error string }{a.Vendor,
			"Too many failed sign-ins. Try again in " + strconv.Itoa(secs) + " seconds."})
		return
	}
	if !a.Users.checkPassword(name, r.PostForm.Get("password")) {
		a.Logins.fail(userKey, addrKey)
		a.Logger.WarnContext(r.Context(), "sign-in failed", "user", name, "addr", clientAddr(r)) // never the password
		a.render(w, http.StatusUnauthorized, loginPage, struct{ Vendor, Error string }{a.Vendor, "Wrong user name or password."})
		return
	}
	a.Logins.forget(userKey)
	cookie, err := a.Sessions.start(r, name)
	if err != nil {
		a.Logger.ErrorContext(r.Context(), "starting a session failed", "err", err)
		http.Error(w, "try again later", http.StatusServiceUnavailable)
		return
	}
	http.SetCookie(w, cookie)
	a.Logger.InfoContext(r.Context(), "signed in", "user", name)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// serveLogout ends the session on the server (the cookie no longer works,
// wherever a copy of it is) and revokes the user's embed tokens at the
// vendor, so an embed URL left in the browser stops working too.
func (a *app) serveLogout(w http.ResponseWriter, r *http.Request) {
	name, u, err := a.signedIn(r)
	http.SetCookie(w, a.Sessions.end(r))
	if err == nil {
		if err := a.Backend.revoke(r.Context(), name, u); err != nil {
			a.Logger.WarnContext(r.Context(), "revoking embed tokens at sign-out failed; they work until they expire",
				"user", name, "err", err)
		}
		a.Logger.InfoContext(r.Context(), "signed out", "user", name)
	}
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// servePage serves the page for the signed-in user. embed.js fetches the
// embed URL and keeps it alive: the token never appears in the HTML.
func (a *app) servePage(w http.ResponseWriter, r *http.Request) {
	name, _, err := a.signedIn(r)
	if err != nil {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	a.render(w, http.StatusOK, page, struct{ Vendor, User string }{a.Vendor, name})
}

func (a *app) render(w http.ResponseWriter, status int, t *template.Template, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := t.Execute(w, data); err != nil {
		a.Logger.Error("rendering a page failed", "page", t.Name(), "err", err)
	}
}

// appJS is the page's own script: it listens to embed.js's events on the
// iframe. It is a file, not inline, so that the CSP can say script-src 'self'.
const appJS = `const frame = document.getElementById("report"), info = document.getElementById("info");
frame.addEventListener("load", () => { if (frame.getAttribute("src")) frame.dataset.loads = (+frame.dataset.loads || 0) + 1; });
frame.addEventListener("biembed:refreshed", (e) => {
  info.dataset.expires = e.detail.expiresAt;
  info.textContent = "token expires at " + e.detail.expiresAt;
});
frame.addEventListener("biembed:failed", (e) => {
  if (e.detail.status === 401) location.assign("/login");
  else info.textContent = "the report could not be refreshed (" + (e.detail.status || "network") + "); retrying";
});
`

func serveAppJS(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	_, _ = w.Write([]byte(appJS))
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
<span id="info">loading…</span></div>
<iframe id="report" title="{{.Vendor}} report" data-biembed="/embed"></iframe>
<script src="/app.js"></script>
<script src="/embed/embed.js"></script>
</body>
</html>
`))
