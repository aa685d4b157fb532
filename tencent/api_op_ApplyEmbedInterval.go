package tencent

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/biembed/biembed-go/internal/redact"
	"github.com/biembed/biembed-go/internal/validate"
)

// ApplyEmbedIntervalRequest is the input of ApplyEmbedInterval: the token to
// extend and what it embeds. ExtendRequestFor builds it from an EmbedToken.
// No fmt verb, slog handler or json.Marshal shows BIToken unmasked.
type ApplyEmbedIntervalRequest struct {
	ProjectID  uint64    // required
	PageID     uint64    // the page for ScopePage; 0 for ScopePanel and ChatBI
	BIToken    Secret    // the token to extend; required
	ExtraParam string    // the service's spare field
	Intention  Intention // required
	Scope      Scope     // required, consistent with Intention
}

// ExtendRequestFor returns the request that extends tok.
func ExtendRequestFor(tok *EmbedToken) *ApplyEmbedIntervalRequest {
	if tok == nil {
		return nil
	}
	return &ApplyEmbedIntervalRequest{
		ProjectID: tok.ProjectID, PageID: tok.PageID, BIToken: tok.Value,
		ExtraParam: tok.ExtraParam, Intention: tok.Intention, Scope: tok.Scope,
	}
}

const applyPrefix = "ApplyEmbedIntervalRequest"

// Validate reports the first field of r that breaks a rule, as a
// *ValidationError naming the field.
func (r *ApplyEmbedIntervalRequest) Validate() error {
	switch {
	case r == nil:
		return validate.Fieldf(applyPrefix, "must not be nil")
	case r.ProjectID == 0:
		return validate.Fieldf(applyPrefix+".ProjectID", "must be set")
	case r.BIToken == "":
		return validate.Fieldf(applyPrefix+".BIToken", "must be set")
	}
	if err := checkTokenField(applyPrefix+".BIToken", r.BIToken.Reveal()); err != nil {
		return err
	}
	if err := checkText(applyPrefix+".ExtraParam", r.ExtraParam); err != nil {
		return err
	}
	return checkTarget(applyPrefix, r.Intention, r.Scope, r.PageID)
}

// String describes the request with BIToken masked.
func (r ApplyEmbedIntervalRequest) String() string {
	return fmt.Sprintf("tencent.ApplyEmbedIntervalRequest{ProjectID:%d PageID:%d BIToken:%s ExtraParam:%s Intention:%s Scope:%s}",
		r.ProjectID, r.PageID, r.BIToken, r.ExtraParam, r.Intention, r.Scope)
}

// GoString is the %#v form, with BIToken masked.
func (r ApplyEmbedIntervalRequest) GoString() string {
	return fmt.Sprintf("tencent.ApplyEmbedIntervalRequest{ProjectID:%d, PageID:%d, BIToken:%q, ExtraParam:%q, Intention:%q, Scope:%q}",
		r.ProjectID, r.PageID, r.BIToken.String(), r.ExtraParam, r.Intention, r.Scope)
}

// Format writes String for every verb (GoString for %#v), so no verb
// reveals BIToken.
func (r ApplyEmbedIntervalRequest) Format(f fmt.State, verb rune) { redact.FormatString(f, verb, r) }

// LogValue implements slog.LogValuer with BIToken masked.
func (r ApplyEmbedIntervalRequest) LogValue() slog.Value {
	return slog.GroupValue(
		slog.Uint64("project_id", r.ProjectID), slog.Uint64("page_id", r.PageID),
		slog.Any("token", r.BIToken), slog.String("intention", string(r.Intention)),
		slog.String("scope", string(r.Scope)),
	)
}

// ApplyEmbedInterval extends a strong-auth token. An answer whose Result is
// false is an *Error with CodeResultFalse (errors.Is ErrFailedOperation).
// The token is scrubbed from any server message.
func (c *Client) ApplyEmbedInterval(ctx context.Context, req *ApplyEmbedIntervalRequest) error {
	if err := c.ready(ctx); err != nil {
		return err
	}
	if err := req.Validate(); err != nil {
		return err
	}
	params := map[string]any{"BIToken": req.BIToken.Reveal()}
	targetParams(params, req.ProjectID, req.PageID, req.Intention, req.Scope)
	putString(params, "ExtraParam", req.ExtraParam)
	body, err := mapBody(params)
	if err != nil {
		return err
	}
	rep, err := send[applyEmbedTokenInfo](ctx, c, ActionApplyEmbedInterval, body, req.BIToken.Reveal())
	if err != nil {
		return err
	}
	if !rep.data.Result {
		return &Error{Action: ActionApplyEmbedInterval, Code: CodeResultFalse, RequestID: rep.requestID,
			HTTPStatus: http.StatusOK, Message: "the service did not extend the token"}
	}
	return nil
}
