package fakestate

import (
	"bytes"
	"encoding/json"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"time"
)

// Grant is what an embed page shows a token grants. Both fakes render it
// with pageTemplate's element ids and classes, so one browser test reads
// either; the page's script polls the status URL every 250 ms of real time.
type Grant struct {
	Vendor, Title, User, Scope string
	Target                     string // what the page shows: "project 7, page 8"
	Expires                    string
	RowFilters, ColumnMasks    []string
	DisplaySettings            []string
	PageParams                 []string
	Status                     string // the URL of the token's status
}

// PageError is why an embed page refused a token: Reason is a stable word
// in data-reason, Status the 4xx status.
type PageError struct {
	Vendor  string
	Status  int
	Reason  string
	Message string
}

// Refuse returns the PageError of status, reason and msg.
func Refuse(status int, reason, msg string) *PageError {
	return &PageError{Status: status, Reason: reason, Message: msg}
}

var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title></head>
<body>
<main id="embed">
<h1 id="title">{{.Title}}</h1>
<section id="grant" data-vendor="{{.Vendor}}">
<dl>
<dt>User</dt><dd id="grant-user">{{.User}}</dd>
<dt>Scope</dt><dd id="grant-scope">{{.Scope}}</dd>
<dt>Shows</dt><dd id="grant-target">{{.Target}}</dd>
<dt>Expires</dt><dd id="grant-expires">{{.Expires}}</dd>
</dl>
<h2>Row filters</h2>
<ul id="row-filters">{{range .RowFilters}}<li class="row-filter">{{.}}</li>{{else}}<li class="none">none: every row</li>{{end}}</ul>
<h2>Column masks</h2>
<ul id="column-masks">{{range .ColumnMasks}}<li class="column-mask">{{.}}</li>{{else}}<li class="none">none</li>{{end}}</ul>
<h2>Display settings</h2>
<ul id="display-settings">{{range .DisplaySettings}}<li class="display-setting">{{.}}</li>{{else}}<li class="none">defaults</li>{{end}}</ul>
<h2>Page parameters</h2>
<ul id="page-params">{{range .PageParams}}<li class="page-param">{{.}}</li>{{else}}<li class="none">none</li>{{end}}</ul>
</section>
<section id="state" data-state="live" data-reason="">live</section>
<p><label>Probe <input id="probe" autocomplete="off"></label></p>
</main>
{{with .Status}}<script>
(function () {
  var state = document.getElementById("state"), expires = document.getElementById("grant-expires");
  function tick() {
    fetch({{.}}, {cache: "no-store"}).then(function (r) { return r.json(); }).then(function (s) {
      state.dataset.state = s.state;
      state.dataset.reason = s.reason || "";
      state.textContent = s.state + (s.reason ? " (" + s.reason + ")" : "");
      if (s.expires) expires.textContent = s.expires;
    }).catch(function () {}).then(function () { setTimeout(tick, 250); });
  }
  setTimeout(tick, 250);
})();
</script>{{end}}
</body></html>
`))

var errorTemplate = template.Must(template.New("error").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Embed error</title></head>
<body>
<main id="embed">
<section id="error" data-vendor="{{.Vendor}}" data-reason="{{.Reason}}" data-status="{{.Status}}">
<h1>This embed cannot be shown</h1>
<p id="error-message">{{.Message}}</p>
</section>
</main>
</body></html>
`))

// ServePage answers a request for an embed page of vendor: at statusPath
// the status poll of ?token=, from status, else a page (GET or HEAD) that
// grant shows or refuses. status and grant run under Mu.
func (c *Core[R]) ServePage(w http.ResponseWriter, r *http.Request, vendor, statusPath string,
	grant func(r *http.Request) (Grant, *PageError), status func(token string) (known bool, reason string, expires time.Time)) {
	token := r.URL.Query().Get("token")
	c.Mu.Lock()
	if r.URL.Path == statusPath {
		known, reason, expires := status(token)
		c.Mu.Unlock()
		writeStatus(w, known, reason, expires, c.Now())
		return
	}
	g, refusal := Grant{}, Refuse(http.StatusMethodNotAllowed, "bad-request", "embed pages answer GET only")
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		g, refusal = grant(r)
	}
	c.Mu.Unlock()
	if refusal != nil {
		refusal.Vendor = vendor
		writeHTML(w, refusal.Status, errorTemplate, refusal)
		return
	}
	g.Vendor, g.Status = vendor, statusPath+"?token="+url.QueryEscape(token)
	writeHTML(w, http.StatusOK, pageTemplate, g)
}

// writeStatus answers {"state":"live"} or {"state":"expired","reason":...}
// for a token that expires at expires, at now, with "expires" (RFC 3339)
// while the fake knows it; reason says why a known token is dead.
func writeStatus(w http.ResponseWriter, known bool, reason string, expires, now time.Time) {
	st := map[string]string{"state": "expired", "reason": reason}
	switch {
	case !known:
		st["reason"] = "unknown"
	case reason == "" && now.Before(expires):
		st = map[string]string{"state": "live"}
	case reason == "":
		st["reason"] = "expired"
	}
	if known {
		st["expires"] = expires.UTC().Format(time.RFC3339)
	}
	b, _ := json.Marshal(st)
	w.Header().Set("Cache-Control", "no-store")
	WriteJSON(w, http.StatusOK, b)
}

func writeHTML(w http.ResponseWriter, status int, t *template.Template, data any) {
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		http.Error(w, "render page", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// Settings flattens v's JSON form into sorted "path: value" lines, value
// in JSON, with prefix before every path: {"integrate":{"hideTitle":true}}
// gives "integrate.hideTitle: true". A nil v gives none.
func Settings(prefix string, v any) []string {
	var decoded any
	b, _ := json.Marshal(v)
	_ = json.Unmarshal(b, &decoded)
	var out []string
	var flatten func(path string, v any)
	flatten = func(path string, v any) {
		m, ok := v.(map[string]any)
		if !ok {
			leaf, _ := json.Marshal(v)
			out = append(out, path+": "+string(leaf))
			return
		}
		for k, child := range m {
			if path != "" {
				k = path + "." + k
			}
			flatten(k, child)
		}
	}
	if decoded != nil {
		flatten(prefix, decoded)
	}
	slices.Sort(out)
	return out
}
