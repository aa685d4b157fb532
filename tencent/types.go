package tencent

import (
	"github.com/biembed/biembed-go/internal/validate"
)

// Intention says what is embedded.
type Intention string

// The documented intentions.
const (
	IntentionEmbed  Intention = "embed"       // a page or a whole dashboard
	IntentionChatBI Intention = "chatBIEmbed" // ChatBI
)

// Scope says how much is embedded.
type Scope string

// The documented scopes.
const (
	ScopePage    Scope = "page"    // one page (IntentionEmbed)
	ScopePanel   Scope = "panel"   // a whole dashboard (IntentionEmbed)
	ScopeProject Scope = "project" // ChatBI (IntentionChatBI)
)

// TokenType says how a token is bound to users. The zero value omits it
// (the service default).
type TokenType int64

// The documented token types.
const (
	TokenTypeNoUser     TokenType = 100 // no user bound, one token; not for ChatBI
	TokenTypeSingleUser TokenType = 200 // one token per user; UserCorpID and UserID required
	TokenTypeMultiUser  TokenType = 300 // several tokens per user (TokenNum); UserCorpID and UserID required
)

// checkTarget checks that intention and scope are known and consistent and
// that pageID fits the scope: a page needs one, a dashboard has 0, ChatBI
// sends none. prefix is the request type, for the field names.
func checkTarget(prefix string, intention Intention, scope Scope, pageID uint64) error {
	switch {
	case !validate.OneOf(intention, IntentionEmbed, IntentionChatBI):
		return validate.Fieldf(prefix+".Intention", "must be %q or %q; got %q", IntentionEmbed, IntentionChatBI, intention)
	case !validate.OneOf(scope, ScopePage, ScopePanel, ScopeProject):
		return validate.Fieldf(prefix+".Scope", "must be %q, %q or %q; got %q", ScopePage, ScopePanel, ScopeProject, scope)
	case intention == IntentionEmbed && scope == ScopeProject:
		return validate.Fieldf(prefix+".Scope", "must be page or panel for intention embed")
	case intention == IntentionChatBI && scope != ScopeProject:
		return validate.Fieldf(prefix+".Scope", "must be project for ChatBI (intention chatBIEmbed)")
	case scope == ScopePage && pageID == 0:
		return validate.Fieldf(prefix+".PageID", "must be set for scope page")
	case scope == ScopePanel && pageID != 0:
		return validate.Fieldf(prefix+".PageID", "must be 0 for scope panel (a whole dashboard)")
	case scope == ScopeProject && pageID != 0:
		return validate.Fieldf(prefix+".PageID", "must be 0 for ChatBI, which sends no PageId")
	}
	return nil
}

// targetParams adds ProjectId, PageId, Intention and Scope to params:
// PageId is the page for a page, 0 for a dashboard, and absent for ChatBI.
func targetParams(params map[string]any, projectID, pageID uint64, intention Intention, scope Scope) {
	params["ProjectId"] = projectID
	params["Intention"] = string(intention)
	params["Scope"] = string(scope)
	switch scope {
	case ScopePage:
		params["PageId"] = pageID
	case ScopePanel:
		params["PageId"] = uint64(0)
	}
}

// putString adds a non-empty value to params.
func putString(p map[string]any, key, value string) {
	if value != "" {
		p[key] = value
	}
}
