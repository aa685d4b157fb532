package fakestate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"sort"
	"strings"
	"time"
)

// Grant is what an embed page shows a token grants. Both fakes render it
// with the same element ids and classes, so one browser test reads either:
//
//	<section id="grant" data-vendor="...">
//	  <dd id="grant-user">, <dd id="grant-scope">, <dd id="grant-target">, <dd id="grant-expires">
//	  <ul id="row-filters"><li class="row-filter">province in Hubei, Hunan</li>...
//	  <ul id="column-masks"><li class="column-mask">...
//	  <ul id="display-settings"><li class="display-setting">...
//	  <ul id="page-params"><li class="page-param">...
//	<section id="state" data-state="live|expired" data-reason="...">
//	<input id="probe">
//
// With Status set, the page's script asks that URL every 250 ms of real
// time whether its token still works (the fake answers from its own clock,
// see WriteStatus) and shows it in #state and #grant-expires, as a real
// embed page stops working when its token dies and goes on once it is
// extended. #probe holds whatever a test types, so a test can tell an
// iframe that kept its page from one that was reloaded.
type Grant struct {
	Vendor          string // "tencent" or "youshu"
	Title           string
	User            string
	Scope           string
	Target          string // what the page shows: "project 7, page 8"
	Expires         string
	RowFilters      []string
	ColumnMasks     []string
	DisplaySettings []string
	PageParams      []string
	Status          string // the URL of the fake's status endpoint for this token; "" for no script
}

// PageError is why an embed page refused a token: Reason is a stable word
// (unknown, expired, used-up, wrong-page, missing-token, bad-request) in
// data-reason; Status is the 4xx status.
type PageError struct {
	Vendor  string
	Status  int
	Reason  string
	Message string
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

// WriteStatus answers a status poll for a token that expires at expires,
// at now: {"state":"live"} or {"state":"expired","reason":...}, with
// "expires" (RFC 3339) while the fake knows the token. reason says why a
// known token is dead ("" when it is not, apart from expiry).
func WriteStatus(w http.ResponseWriter, known bool, reason string, expires, now time.Time) {
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
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(b)
}

// WriteGrant answers 200 with the grant page.
func WriteGrant(w http.ResponseWriter, g Grant) {
	writeHTML(w, http.StatusOK, pageTemplate, g)
}

// WritePageError answers e.Status with the error page.
func WritePageError(w http.ResponseWriter, e PageError) {
	writeHTML(w, e.Status, errorTemplate, e)
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

// Settings flattens v's JSON form into sorted "path: value" lines, with
// prefix before every path: {"integrate":{"hideTitle":true}} gives
// "integrate.hideTitle: true". A nil v gives none.
func Settings(prefix string, v any) []string {
	b, err := json.Marshal(v)
	if err != nil || string(b) == "null" {
		return nil
	}
	var decoded any
	if err := json.Unmarshal(b, &decoded); err != nil {
		return nil
	}
	var out []string
	flatten(prefix, decoded, &out)
	sort.Strings(out)
	return out
}

func flatten(path string, v any, out *[]string) {
	switch x := v.(type) {
	case map[string]any:
		for k, child := range x {
			flatten(join(path, k), child, out)
		}
	case []any:
		if scalars(x) {
			parts := make([]string, len(x))
			for i, e := range x {
				parts[i] = fmt.Sprint(e)
			}
			*out = append(*out, path+": ["+strings.Join(parts, ", ")+"]")
			return
		}
		for i, child := range x {
			flatten(fmt.Sprintf("%s[%d]", path, i), child, out)
		}
	default:
		*out = append(*out, path+": "+fmt.Sprint(x))
	}
}

func scalars(list []any) bool {
	for _, e := range list {
		switch e.(type) {
		case map[string]any, []any:
			return false
		}
	}
	return true
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}
