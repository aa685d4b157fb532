package tencent

import (
	"cmp"
	"context"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/biembed/biembed-go/internal/validate"
)

// ClearEmbedTokenRequest is the input of ClearEmbedToken: whose tokens to
// clear, for which page or dashboard.
type ClearEmbedTokenRequest struct {
	ProjectID  uint64 // required
	UserCorpID string // required
	Scope      Scope  // ScopePanel or ScopePage
	PageID     uint64 // required for ScopePage, 0 for ScopePanel
}

const clearPrefix = "ClearEmbedTokenRequest"

// validate reports the first field of r that breaks a rule.
func (r *ClearEmbedTokenRequest) validate() error {
	switch {
	case r == nil:
		return validate.Fieldf(clearPrefix, "must not be nil")
	case r.ProjectID == 0:
		return validate.Fieldf(clearPrefix+".ProjectID", "must be set")
	case r.UserCorpID == "":
		return validate.Fieldf(clearPrefix+".UserCorpID", "must be set")
	case !validate.OneOf(r.Scope, ScopePanel, ScopePage):
		return validate.Fieldf(clearPrefix+".Scope", "must be panel or page")
	case r.Scope == ScopePage && r.PageID == 0:
		return validate.Fieldf(clearPrefix+".PageID", "must be set for scope page")
	case r.Scope == ScopePanel && r.PageID != 0:
		return validate.Fieldf(clearPrefix+".PageID", "must be 0 for scope panel")
	}
	return validate.Text(clearPrefix+".UserCorpID", r.UserCorpID, maxTextBytes)
}

// ClearEmbedToken clears every token of req.UserCorpID (every user of that
// enterprise id) for req's project, scope and page; enterprise
// administrators only. An answer of false is an *Error matching
// ErrFailedOperation. Caches made by NewCache with this client drop every
// token of that UserCorpID in the project, fleet-wide, once it is sent.
func (c *Client) ClearEmbedToken(ctx context.Context, req *ClearEmbedTokenRequest) error {
	if err := cmp.Or(c.ready(ctx), req.validate()); err != nil {
		return err
	}
	w := map[string]string{"ProjectId": strconv.FormatUint(req.ProjectID, 10), "UserCorpId": req.UserCorpID, "Scope": string(req.Scope)}
	if req.Scope == ScopePage {
		w["PageId"] = strconv.FormatUint(req.PageID, 10)
	}
	body, _ := json.Marshal(w) // strings and numbers: cannot fail
	tags := []string{clearTag(req.ProjectID, req.UserCorpID)}
	_ = c.notifyClear(ctx, tags) // voids racing saves; the call after the clear reports
	data, requestID, _, err := send[bool](ctx, c, "ClearEmbedToken", body, false)
	if err != nil {
		return err
	}
	if !*data {
		return &Error{Action: "ClearEmbedToken", Code: codeResultFalse, RequestID: requestID,
			HTTPStatus: http.StatusOK, Message: "the service did not clear the tokens"}
	}
	return c.notifyClear(ctx, tags)
}

// clearTag names the tokens a clear for corp in project reaches. The
// service does not say whether clearing a dashboard clears the tokens of
// its pages, or the reverse, so the tag covers the whole project: dropping
// too many costs a mint; too few would serve a cleared token.
func clearTag(projectID uint64, userCorpID string) string {
	return "tencent-clear:" + strconv.FormatUint(projectID, 10) + "/" + userCorpID
}

// notifyClear tells every cache made with c to drop the tokens under tags.
// A cache that cannot makes a clear that succeeded fail, so no replica
// serves a cleared token unknown to the caller.
func (c *Client) notifyClear(ctx context.Context, tags []string) error {
	c.mu.Lock()
	fns := c.onClear
	c.mu.Unlock()
	for _, fn := range fns {
		if err := fn(ctx, tags); err != nil {
			return err
		}
	}
	return nil
}
