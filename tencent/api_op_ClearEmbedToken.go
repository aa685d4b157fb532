package tencent

import (
	"context"
	"net/http"
	"strconv"

	"github.com/biembed/biembed-go/internal/validate"
)

// ClearEmbedTokenRequest is the input of ClearEmbedToken: which tokens of an
// enterprise user to clear. Every field goes on the wire as a string.
type ClearEmbedTokenRequest struct {
	ProjectID  uint64 // required
	UserCorpID string // required
	Scope      Scope  // ScopePanel or ScopePage
	PageID     uint64 // required for ScopePage, 0 for ScopePanel
}

// ClearRequestFor returns the request that clears the tokens of tok's user
// for tok's page or dashboard.
func ClearRequestFor(tok *EmbedToken) *ClearEmbedTokenRequest {
	if tok == nil {
		return nil
	}
	return &ClearEmbedTokenRequest{ProjectID: tok.ProjectID, UserCorpID: tok.UserCorpID, Scope: tok.Scope, PageID: tok.PageID}
}

const clearPrefix = "ClearEmbedTokenRequest"

// Validate reports the first field of r that breaks a rule, as a
// *ValidationError naming the field.
func (r *ClearEmbedTokenRequest) Validate() error {
	switch {
	case r == nil:
		return validate.Fieldf(clearPrefix, "must not be nil")
	case r.ProjectID == 0:
		return validate.Fieldf(clearPrefix+".ProjectID", "must be set")
	case r.UserCorpID == "":
		return validate.Fieldf(clearPrefix+".UserCorpID", "must be set")
	case checkText(clearPrefix+".UserCorpID", r.UserCorpID) != nil:
		return checkText(clearPrefix+".UserCorpID", r.UserCorpID)
	case !validate.OneOf(r.Scope, ScopePanel, ScopePage):
		return validate.Fieldf(clearPrefix+".Scope", "must be panel or page; got %q", r.Scope)
	case r.Scope == ScopePage && r.PageID == 0:
		return validate.Fieldf(clearPrefix+".PageID", "must be set for scope page")
	case r.Scope == ScopePanel && r.PageID != 0:
		return validate.Fieldf(clearPrefix+".PageID", "must be 0 for scope panel")
	}
	return nil
}

// ClearEmbedToken clears embed tokens; only enterprise administrators may
// call it. An answer of false is an *Error with CodeResultFalse
// (errors.Is ErrFailedOperation).
func (c *Client) ClearEmbedToken(ctx context.Context, req *ClearEmbedTokenRequest) error {
	if err := c.ready(ctx); err != nil {
		return err
	}
	if err := req.Validate(); err != nil {
		return err
	}
	params := map[string]any{
		"ProjectId":  strconv.FormatUint(req.ProjectID, 10),
		"UserCorpId": req.UserCorpID,
		"Scope":      string(req.Scope),
	}
	if req.Scope == ScopePage {
		params["PageId"] = strconv.FormatUint(req.PageID, 10)
	}
	body, err := mapBody(params)
	if err != nil {
		return err
	}
	c.notify(&c.clearingListeners, *req)
	rep, err := send[bool](ctx, c, ActionClearEmbedToken, body)
	if err != nil {
		return err
	}
	if !*rep.data {
		return &Error{Action: ActionClearEmbedToken, Code: CodeResultFalse, RequestID: rep.requestID,
			HTTPStatus: http.StatusOK, Message: "the service did not clear the tokens"}
	}
	c.notify(&c.clearListeners, *req)
	return nil
}

// OnClear registers fn to be called after every successful ClearEmbedToken
// with the request that cleared tokens, so that caches of tokens (such as
// Cache) can drop them. A nil fn is ignored. fn must be fast and must not
// call ClearEmbedToken.
func (c *Client) OnClear(fn func(ClearEmbedTokenRequest)) {
	if fn == nil || c == nil {
		return
	}
	c.clearMu.Lock()
	defer c.clearMu.Unlock()
	c.clearListeners = append(c.clearListeners, fn)
}

// onClearing registers fn to be called before every ClearEmbedToken is
// sent, so that a Cache can void the saves of mints racing the clear: the
// service may clear a token before the clear's answer arrives.
func (c *Client) onClearing(fn func(ClearEmbedTokenRequest)) {
	c.clearMu.Lock()
	defer c.clearMu.Unlock()
	c.clearingListeners = append(c.clearingListeners, fn)
}

// notify calls the listeners in *list, read under clearMu, with req.
func (c *Client) notify(list *[]func(ClearEmbedTokenRequest), req ClearEmbedTokenRequest) {
	c.clearMu.Lock()
	fns := *list
	c.clearMu.Unlock()
	for _, fn := range fns {
		fn(req)
	}
}
