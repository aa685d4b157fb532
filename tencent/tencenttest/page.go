package tencenttest

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/biembed/biembed-go/clientsetting"
	"github.com/biembed/biembed-go/filtermap"
	"github.com/biembed/biembed-go/internal/fakestate"
)

// The embed page paths the fake serves, and the status endpoint their
// script polls.
const (
	pathEmbed  = "/page/embed"
	pathChatBI = "/page/chat-bi-embed"
	pathStatus = "/page/status"
)

// servePage serves an embed page the way the real one checks its token
// (strong auth): the token must be known, unexpired, have tickets left, and
// match the page's project, scope and page; a page shown uses one ticket.
// Refusals are an HTML error page with a 4xx status.
func (s *Server) servePage(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == pathStatus {
		s.serveStatus(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		pageError(w, http.StatusMethodNotAllowed, "bad-request", "embed pages answer GET only")
		return
	}
	q := r.URL.Query()
	if q.Get("authType") != "strong" {
		pageError(w, http.StatusBadRequest, "bad-request", "authType must be strong")
		return
	}
	value := q.Get("token")
	if value == "" {
		pageError(w, http.StatusUnauthorized, "missing-token", "the URL carries no token")
		return
	}
	s.core.Mu.Lock()
	tok, ok := s.tokens.Get(value)
	var grant fakestate.Grant
	var refusal *fakestate.PageError
	if ok {
		refusal = s.check(tok, r.URL.Path, q)
		if refusal == nil {
			tok.Visits++
			grant = grantOf(tok, r.URL.Path, q)
		}
	}
	s.core.Mu.Unlock()
	switch {
	case !ok:
		pageError(w, http.StatusUnauthorized, "unknown", "the token is unknown or was cleared")
	case refusal != nil:
		fakestate.WritePageError(w, *refusal)
	default:
		grant.Status = pathStatus + "?token=" + url.QueryEscape(value)
		fakestate.WriteGrant(w, grant)
	}
}

// serveStatus answers GET /page/status?token=T, which an open page polls,
// from the fake's clock; it uses no ticket.
func (s *Server) serveStatus(w http.ResponseWriter, r *http.Request) {
	s.core.Mu.Lock()
	tok, ok := s.tokens.Get(r.URL.Query().Get("token"))
	var expires time.Time
	if ok {
		expires = tok.ExpiresAt
	}
	s.core.Mu.Unlock()
	fakestate.WriteStatus(w, ok, "", expires, s.now())
}

func pageError(w http.ResponseWriter, status int, reason, msg string) {
	fakestate.WritePageError(w, *refusal(status, reason, msg))
}

func refusal(status int, reason, msg string) *fakestate.PageError {
	return &fakestate.PageError{Vendor: "tencent", Status: status, Reason: reason, Message: msg}
}

// check returns why tok may not show the page at path with query q; s.mu is held.
func (s *Server) check(tok *IssuedToken, path string, q url.Values) *fakestate.PageError {
	projectID, _ := strconv.ParseUint(q.Get("projectId"), 10, 64)
	pageID, _ := strconv.ParseUint(q.Get("pageId"), 10, 64)
	switch {
	case !s.now().Before(tok.ExpiresAt):
		return refusal(http.StatusUnauthorized, "expired", "the token expired at "+tok.ExpiresAt.UTC().Format(time.RFC3339))
	case tok.TicketNum > 0 && int64(tok.Visits) >= tok.TicketNum:
		return refusal(http.StatusForbidden, "used-up", "the token's "+strconv.FormatInt(tok.TicketNum, 10)+" tickets are used up")
	case projectID != tok.ProjectID:
		return refusal(http.StatusForbidden, "wrong-page", "the token is for project "+strconv.FormatUint(tok.ProjectID, 10))
	case path == pathChatBI && tok.Intention != intentionChatBI:
		return refusal(http.StatusForbidden, "wrong-page", "the token is not a ChatBI token (Intention "+tok.Intention+")")
	case path == pathEmbed && tok.Intention != intentionEmbed:
		return refusal(http.StatusForbidden, "wrong-page", "a ChatBI token cannot open a dashboard page")
	case path == pathEmbed && q.Get("scope") != tok.Scope:
		return refusal(http.StatusForbidden, "wrong-page", "the token's scope is "+tok.Scope)
	case path == pathEmbed && tok.Scope == scopePage && pageID != tok.PageID:
		return refusal(http.StatusForbidden, "wrong-page", "the token is for page "+strconv.FormatUint(tok.PageID, 10))
	}
	return nil
}

// grantOf describes what tok shows on the page at path.
func grantOf(tok *IssuedToken, path string, q url.Values) fakestate.Grant {
	g := fakestate.Grant{
		Vendor: "tencent", Title: "Tencent Cloud BI embed (fake)",
		User: "no user (shared token)", Scope: tok.Scope,
		Target:  "project " + strconv.FormatUint(tok.ProjectID, 10),
		Expires: tok.ExpiresAt.UTC().Format(time.RFC3339),
	}
	if tok.UserID != "" {
		g.User = tok.UserID + " (corp " + tok.UserCorpID + ")"
	}
	switch {
	case path == pathChatBI:
		g.Title, g.Target = "Tencent Cloud BI ChatBI (fake)", g.Target+", ChatBI"
	case tok.Scope == scopePage:
		g.Target += ", page " + strconv.FormatUint(tok.PageID, 10)
	default:
		g.Target += ", whole dashboard"
	}
	if tok.TicketNum > 0 {
		g.Scope += ", visit " + strconv.Itoa(tok.Visits) + " of " + strconv.FormatInt(tok.TicketNum, 10)
	}
	if tok.Request != nil {
		for _, p := range tok.Request.GlobalParams {
			g.RowFilters = append(g.RowFilters, globalParamText(p))
		}
		if tok.Request.Config != nil {
			for _, item := range tok.Request.Config.ChatBIConfigList {
				g.DisplaySettings = append(g.DisplaySettings, configText(item))
			}
		}
	}
	for _, p := range q["params[]"] {
		g.PageParams = append(g.PageParams, paramText(p))
	}
	return g
}

// globalParamText reads a GlobalParam as text: "province in Hubei, Hunan".
func globalParamText(p filtermap.GlobalParam) string {
	parts := make([]string, 0, len(p.WhereList))
	for _, w := range p.WhereList {
		op := map[filtermap.Operator]string{filtermap.OpEq: "=", filtermap.OpNeq: "not in", filtermap.OpIs: "in"}[w.Operator]
		if op == "" {
			op = string(w.Operator)
		}
		parts = append(parts, p.ParamKey+" "+op+" "+strings.Join(w.Value, ", "))
	}
	return strings.Join(parts, " and ")
}

// paramText reads one params[] value (value=V&target=NAME) as "NAME = V".
func paramText(raw string) string {
	v, err := url.ParseQuery(raw)
	if err != nil || v.Get("target") == "" {
		return raw
	}
	return v.Get("target") + " = " + v.Get("value")
}

// configText reads one ChatBI configuration: "TableFilter: 26513",
// "SqlView: disabled".
func configText(item clientsetting.ChatBIConfigItem) string {
	text := string(item.ConfigType) + ":"
	if len(item.ConfigDetails.Values) > 0 {
		text += " " + strings.Join(item.ConfigDetails.Values, ", ")
	}
	if e := item.ConfigDetails.Enabled; e != nil {
		text += map[bool]string{true: " enabled", false: " disabled"}[*e]
	}
	return text
}
