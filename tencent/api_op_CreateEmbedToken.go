package tencent

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/biembed/biembed-go/clientsetting"
	"github.com/biembed/biembed-go/filtermap"
	"github.com/biembed/biembed-go/internal/validate"
)

// Limits of CreateEmbedToken.
const (
	MaxExpiry     = 240 * time.Minute // longest token lifetime
	DefaultExpiry = 240 * time.Minute // the service's lifetime when Expiry is 0
	MaxTicketNum  = 99999             // most visits a token may be limited to
)

// CreateEmbedTokenRequest is the input of CreateEmbedToken. Build it with
// NewPageRequest, NewDashboardRequest or NewChatBIRequest, then set the
// optional fields; zero values are left out of the request.
type CreateEmbedTokenRequest struct {
	ProjectID uint64    // required
	PageID    uint64    // the page for ScopePage; 0 for ScopePanel and ChatBI
	Intention Intention // IntentionEmbed or IntentionChatBI
	Scope     Scope     // ScopePage or ScopePanel with IntentionEmbed, ScopeProject with IntentionChatBI

	// Expiry is the token lifetime in whole minutes, 1 to 240 minutes. Zero
	// leaves it to the service (240 minutes).
	Expiry time.Duration

	ExtraParam string // the service's spare field
	UserCorpID string // the user's enterprise id; required for TokenTypeSingleUser and TokenTypeMultiUser
	UserID     string // the user id; required for TokenTypeSingleUser and TokenTypeMultiUser

	// TicketNum limits how often the token can be used, 1 to 99999; 0 means
	// no limit.
	TicketNum int64

	// GlobalParams filter every report of the embed; sent as GlobalParam.
	GlobalParams filtermap.GlobalParams

	TokenType TokenType // zero leaves it to the service
	TokenNum  int64     // how many tokens to create; only with TokenTypeMultiUser, then at least 1

	// Config is the ChatBI display configuration, sent as ConfigParam.
	Config *clientsetting.ChatBIConfig
}

// NewPageRequest returns a request to embed one page of a dashboard.
func NewPageRequest(projectID, pageID uint64) *CreateEmbedTokenRequest {
	return &CreateEmbedTokenRequest{ProjectID: projectID, PageID: pageID, Intention: IntentionEmbed, Scope: ScopePage}
}

// NewDashboardRequest returns a request to embed a whole dashboard (scope
// panel, PageId 0).
func NewDashboardRequest(projectID uint64) *CreateEmbedTokenRequest {
	return &CreateEmbedTokenRequest{ProjectID: projectID, Intention: IntentionEmbed, Scope: ScopePanel}
}

// NewChatBIRequest returns a request to embed ChatBI (intention chatBIEmbed,
// scope project, no PageId sent).
func NewChatBIRequest(projectID uint64) *CreateEmbedTokenRequest {
	return &CreateEmbedTokenRequest{ProjectID: projectID, Intention: IntentionChatBI, Scope: ScopeProject}
}

const createPrefix = "CreateEmbedTokenRequest"

// Validate reports the first field of r that breaks a documented rule, as a
// *ValidationError naming the field.
func (r *CreateEmbedTokenRequest) Validate() error {
	if r == nil {
		return validate.Fieldf(createPrefix, "must not be nil")
	}
	if r.ProjectID == 0 {
		return validate.Fieldf(createPrefix+".ProjectID", "must be set")
	}
	if err := checkTarget(createPrefix, r.Intention, r.Scope, r.PageID); err != nil {
		return err
	}
	if err := checkExpiry(r.Expiry); err != nil {
		return err
	}
	for _, f := range [...]struct{ name, value string }{{"ExtraParam", r.ExtraParam}, {"UserCorpID", r.UserCorpID}, {"UserID", r.UserID}} {
		if !isPlainText(f.value) { // the field's name is built only for the error
			return checkText(createPrefix+"."+f.name, f.value)
		}
	}
	if r.TicketNum < 0 || r.TicketNum > MaxTicketNum {
		return validate.Fieldf(createPrefix+".TicketNum", "must be 0 (no limit) or 1 to %d", MaxTicketNum)
	}
	if err := r.checkTokenType(); err != nil {
		return err
	}
	if err := r.GlobalParams.Validate(); err != nil {
		return validate.Within(createPrefix, err)
	}
	return validate.Within(createPrefix+".Config", r.Config.Validate())
}

func checkExpiry(d time.Duration) error {
	switch {
	case d == 0:
		return nil
	case d%time.Minute != 0:
		return validate.Fieldf(createPrefix+".Expiry", "must be whole minutes")
	case d < time.Minute || d > MaxExpiry:
		return validate.Fieldf(createPrefix+".Expiry", "must be 1 to 240 minutes")
	}
	return nil
}

func (r *CreateEmbedTokenRequest) checkTokenType() error {
	switch {
	case !validate.OneOf(r.TokenType, 0, TokenTypeNoUser, TokenTypeSingleUser, TokenTypeMultiUser):
		return validate.Fieldf(createPrefix+".TokenType", "must be 0, 100, 200 or 300; got %d", r.TokenType)
	case r.TokenType == TokenTypeNoUser && r.Intention == IntentionChatBI:
		return validate.Fieldf(createPrefix+".TokenType", "must not be 100 (no user) for ChatBI")
	case r.TokenType >= TokenTypeSingleUser && r.UserCorpID == "":
		return validate.Fieldf(createPrefix+".UserCorpID", "must be set for token type %d", r.TokenType)
	case r.TokenType >= TokenTypeSingleUser && r.UserID == "":
		return validate.Fieldf(createPrefix+".UserID", "must be set for token type %d", r.TokenType)
	case r.TokenType == TokenTypeMultiUser && r.TokenNum < 1:
		return validate.Fieldf(createPrefix+".TokenNum", "must be at least 1 for token type 300")
	case r.TokenType != TokenTypeMultiUser && r.TokenNum != 0:
		return validate.Fieldf(createPrefix+".TokenNum", "must be 0 unless TokenType is 300")
	}
	return nil
}

// CreateEmbedToken mints a strong-auth embed token. The request is checked
// first; a bad one returns a *ValidationError without a network call. The
// call is never retried except after RequestLimitExceeded (the service mints
// on every call). Failures are *Error.
func (c *Client) CreateEmbedToken(ctx context.Context, req *CreateEmbedTokenRequest) (*EmbedToken, error) {
	if err := c.ready(ctx); err != nil {
		return nil, err
	}
	if err := req.Validate(); err != nil {
		return nil, err
	}
	w, err := req.keyWire()
	if err != nil {
		return nil, err
	}
	rep, err := send[embedTokenInfo](ctx, c, ActionCreateEmbedToken, w.appendJSON(make([]byte, 0, 256)))
	if err != nil {
		return nil, err
	}
	if rep.data.BIToken == "" {
		return nil, &Error{Action: ActionCreateEmbedToken, Code: CodeEmptyResponse, RequestID: rep.requestID,
			HTTPStatus: http.StatusOK, Message: "the answer has no BIToken"}
	}
	tok := newEmbedToken(rep.data, req, rep.requestID, rep.sentAt, c.embedHost)
	if c.logger.Enabled(ctx, slog.LevelDebug) {
		c.logger.LogAttrs(ctx, slog.LevelDebug, "tencent: token minted",
			slog.String("action", ActionCreateEmbedToken), slog.String("request_id", tok.RequestID),
			slog.String("token", tok.masked()), slog.Time("expires_at", tok.ExpiresAt))
	}
	return tok, nil
}
