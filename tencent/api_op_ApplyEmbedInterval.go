package tencent

import (
	"cmp"
	"context"
	"encoding/json"
	"net/http"

	"github.com/biembed/biembed-go/biembed"
	"github.com/biembed/biembed-go/internal/safetext"
	"github.com/biembed/biembed-go/internal/validate"
)

// ApplyEmbedIntervalRequest is the input of ApplyEmbedInterval: the token to
// extend and what it embeds. ExtendRequestFor builds it from an EmbedToken.
type ApplyEmbedIntervalRequest struct {
	ProjectID  uint64         // required
	PageID     uint64         // the page for ScopePage; 0 for ScopePanel and ChatBI
	BIToken    biembed.Secret // the token to extend; required
	ExtraParam string         // the service's spare field
	Intention  Intention      // required
	Scope      Scope          // required, consistent with Intention
}

// ExtendRequestFor returns the request that extends tok.
func ExtendRequestFor(tok *EmbedToken) *ApplyEmbedIntervalRequest {
	if tok == nil {
		return nil
	}
	return &ApplyEmbedIntervalRequest{ProjectID: tok.ProjectID, PageID: tok.PageID, BIToken: tok.Value,
		ExtraParam: tok.ExtraParam, Intention: tok.Intention, Scope: tok.Scope}
}

const applyPrefix = "ApplyEmbedIntervalRequest"

// validate reports the first field of r that breaks a rule.
func (r *ApplyEmbedIntervalRequest) validate() error {
	switch {
	case r == nil:
		return validate.Fieldf(applyPrefix, "must not be nil")
	case r.ProjectID == 0:
		return validate.Fieldf(applyPrefix+".ProjectID", "must be set")
	case safetext.CheckToken(r.BIToken.Reveal()) != nil:
		return validate.Fieldf(applyPrefix+".BIToken", "must be a token: 1 to %d bytes of visible ASCII", safetext.MaxTokenBytes)
	}
	if err := validate.Text(applyPrefix+".ExtraParam", r.ExtraParam, maxTextBytes); err != nil {
		return err
	}
	return checkTarget(applyPrefix, r.Intention, r.Scope, r.PageID)
}

// ApplyEmbedInterval extends a strong-auth token by as much as the service
// decides. An answer of false is an *Error matching ErrFailedOperation.
func (c *Client) ApplyEmbedInterval(ctx context.Context, req *ApplyEmbedIntervalRequest) error {
	if err := cmp.Or(c.ready(ctx), req.validate()); err != nil {
		return err
	}
	w := map[string]any{"ProjectId": req.ProjectID, "BIToken": req.BIToken.Reveal(), "Intention": req.Intention, "Scope": req.Scope}
	if req.Scope != ScopeProject {
		w["PageId"] = req.PageID
	}
	if req.ExtraParam != "" {
		w["ExtraParam"] = req.ExtraParam
	}
	body, _ := json.Marshal(w) // strings and numbers: cannot fail
	data, requestID, _, err := send[struct{ Result bool }](ctx, c, "ApplyEmbedInterval", body, false, req.BIToken.Reveal())
	if err != nil {
		return err
	}
	if !data.Result {
		return &Error{Action: "ApplyEmbedInterval", Code: codeResultFalse, RequestID: requestID,
			HTTPStatus: http.StatusOK, Message: "the service did not extend the token"}
	}
	return nil
}
