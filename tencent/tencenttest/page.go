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

// The embed pages and the status endpoint their script polls.
const (
	pathEmbed  = "/page/embed"
	pathChatBI = "/page/chat-bi-embed"
	pathStatus = "/page/status"
)

// grant checks a page's token as the real strong-auth page does; a page
// shown uses one ticket. s.core.Mu is held.
func (s *Server) grant(r *http.Request) (fakestate.Grant, *fakestate.PageError) {
	q, path := r.URL.Query(), r.URL.Path
	tok, ok := s.tokens.M[q.Get("token")]
	projectID, _ := strconv.ParseUint(q.Get("projectId"), 10, 64)
	pageID, _ := strconv.ParseUint(q.Get("pageId"), 10, 64)
	var refusal *fakestate.PageError
	switch {
	case q.Get("authType") != "strong":
		refusal = fakestate.Refuse(http.StatusBadRequest, "bad-request", "authType must be strong")
	case q.Get("token") == "":
		refusal = fakestate.Refuse(http.StatusUnauthorized, "missing-token", "the URL carries no token")
	case !ok:
		refusal = fakestate.Refuse(http.StatusUnauthorized, "unknown", "the token is unknown or was cleared")
	case !s.now().Before(tok.ExpiresAt):
		refusal = fakestate.Refuse(http.StatusUnauthorized, "expired", "the token expired at "+tok.ExpiresAt.UTC().Format(time.RFC3339))
	case tok.TicketNum > 0 && int64(tok.Visits) >= tok.TicketNum:
		refusal = fakestate.Refuse(http.StatusForbidden, "used-up", "the token's "+strconv.FormatInt(tok.TicketNum, 10)+" tickets are used up")
	case projectID != tok.ProjectID:
		refusal = fakestate.Refuse(http.StatusForbidden, "wrong-page", "the token is for project "+strconv.FormatUint(tok.ProjectID, 10))
	case path == pathChatBI && tok.Intention != intentionChatBI:
		refusal = fakestate.Refuse(http.StatusForbidden, "wrong-page", "the token is not a ChatBI token (Intention "+tok.Intention+")")
	case path == pathEmbed && tok.Intention != intentionEmbed:
		refusal = fakestate.Refuse(http.StatusForbidden, "wrong-page", "a ChatBI token cannot open a dashboard page")
	case path == pathEmbed && q.Get("scope") != tok.Scope:
		refusal = fakestate.Refuse(http.StatusForbidden, "wrong-page", "the token's scope is "+tok.Scope)
	case path == pathEmbed && tok.Scope == scopePage && pageID != tok.PageID:
		refusal = fakestate.Refuse(http.StatusForbidden, "wrong-page", "the token is for page "+strconv.FormatUint(tok.PageID, 10))
	default:
		tok.Visits++
		return grantOf(tok, path, q), nil
	}
	return fakestate.Grant{}, refusal
}

// status answers an open page's poll; it uses no ticket. s.core.Mu is held.
func (s *Server) status(token string) (bool, string, time.Time) {
	if tok, ok := s.tokens.M[token]; ok {
		return true, "", tok.ExpiresAt
	}
	return false, "", time.Time{}
}

// grantOf describes what tok shows on the page at path.
func grantOf(tok *IssuedToken, path string, q url.Values) fakestate.Grant {
	g := fakestate.Grant{
		Title: "Tencent Cloud BI embed (fake)",
		User:  "no user (shared token)", Scope: tok.Scope,
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

// configText reads one ChatBI configuration: "SqlView: disabled".
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
