package tencent

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/biembed/biembed-go/clientsetting"
	"github.com/biembed/biembed-go/filtermap"
	"github.com/biembed/biembed-go/internal/validate"
)

// Intention says what is embedded.
type Intention string

// Scope says how much is embedded.
type Scope string

// TokenType says how a token is bound to users. The zero value omits it
// (the service default).
type TokenType int64

// The documented intentions, scopes and token types.
const (
	IntentionEmbed  Intention = "embed"       // a page or a whole dashboard
	IntentionChatBI Intention = "chatBIEmbed" // ChatBI

	ScopePage    Scope = "page"    // one page (IntentionEmbed)
	ScopePanel   Scope = "panel"   // a whole dashboard (IntentionEmbed)
	ScopeProject Scope = "project" // ChatBI (IntentionChatBI)

	TokenTypeNoUser     TokenType = 100 // no user bound, one token; not for ChatBI
	TokenTypeSingleUser TokenType = 200 // one token per user; UserCorpID and UserID required
	TokenTypeMultiUser  TokenType = 300 // several tokens per user (TokenNum); UserCorpID and UserID required
)

// Limits of CreateEmbedToken.
const (
	maxExpiry    = 240 * time.Minute // longest token lifetime, and the service's when Expiry is 0
	maxTicketNum = 99999             // most visits a token may be limited to
	maxTextBytes = 4096              // the free-text fields of every request
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
	// no limit. Such tokens are never cached.
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

// NewDashboardRequest returns a request to embed a whole dashboard (panel).
func NewDashboardRequest(projectID uint64) *CreateEmbedTokenRequest {
	return &CreateEmbedTokenRequest{ProjectID: projectID, Intention: IntentionEmbed, Scope: ScopePanel}
}

// NewChatBIRequest returns a request to embed ChatBI (scope project).
func NewChatBIRequest(projectID uint64) *CreateEmbedTokenRequest {
	return &CreateEmbedTokenRequest{ProjectID: projectID, Intention: IntentionChatBI, Scope: ScopeProject}
}

const createPrefix = "CreateEmbedTokenRequest"

// Validate reports the first field of r that breaks a documented rule, as
// a *biembed.ValidationError naming the field.
func (r *CreateEmbedTokenRequest) Validate() error {
	_, err := r.body()
	return err
}

// check is Validate but for GlobalParams and Config, which body checks as
// it encodes them.
func (r *CreateEmbedTokenRequest) check() error {
	switch {
	case r == nil:
		return validate.Fieldf(createPrefix, "must not be nil")
	case r.ProjectID == 0:
		return validate.Fieldf(createPrefix+".ProjectID", "must be set")
	}
	if err := checkTarget(createPrefix, r.Intention, r.Scope, r.PageID); err != nil {
		return err
	}
	switch {
	case r.Expiry%time.Minute != 0:
		return validate.Fieldf(createPrefix+".Expiry", "must be whole minutes")
	case r.Expiry < 0 || r.Expiry > maxExpiry:
		return validate.Fieldf(createPrefix+".Expiry", "must be 1 to 240 minutes (0: the service's 240)")
	case r.TicketNum < 0 || r.TicketNum > maxTicketNum:
		return validate.Fieldf(createPrefix+".TicketNum", "must be 0 (no limit) or 1 to %d", maxTicketNum)
	}
	for _, f := range [...]struct{ name, value string }{{"ExtraParam", r.ExtraParam}, {"UserCorpID", r.UserCorpID}, {"UserID", r.UserID}} {
		if err := validate.Text(createPrefix+"."+f.name, f.value, maxTextBytes); err != nil {
			return err
		}
	}
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

// checkTarget checks that intention and scope are known and consistent and
// that pageID fits the scope: a page needs one, a dashboard has 0, ChatBI
// sends none. prefix is the request type, for the field names.
func checkTarget(prefix string, intention Intention, scope Scope, pageID uint64) error {
	switch {
	case !validate.OneOf(intention, IntentionEmbed, IntentionChatBI):
		return validate.Fieldf(prefix+".Intention", "must be %q or %q", IntentionEmbed, IntentionChatBI)
	case intention == IntentionEmbed && !validate.OneOf(scope, ScopePage, ScopePanel):
		return validate.Fieldf(prefix+".Scope", "must be page or panel for intention embed")
	case intention == IntentionChatBI && scope != ScopeProject:
		return validate.Fieldf(prefix+".Scope", "must be project for ChatBI (intention chatBIEmbed)")
	case scope == ScopePage && pageID == 0:
		return validate.Fieldf(prefix+".PageID", "must be set for scope page")
	case scope != ScopePage && pageID != 0:
		return validate.Fieldf(prefix+".PageID", "must be 0 for a whole dashboard and for ChatBI")
	}
	return nil
}

// body validates r and returns its wire body, which CreateEmbedToken sends
// and requestKey hashes: keys in a fixed order, zero optional fields left
// out, PageId absent for ChatBI. It is written by hand because every cache
// hit derives its key from it.
func (r *CreateEmbedTokenRequest) body() ([]byte, error) {
	if err := r.check(); err != nil {
		return nil, err
	}
	gp, err := r.GlobalParams.Encode()
	if err != nil {
		return nil, validate.Within(createPrefix, err)
	}
	cp, err := r.Config.Encode()
	if err != nil {
		return nil, validate.Within(createPrefix+".Config", err)
	}
	b := strconv.AppendUint(append(make([]byte, 0, 192+len(gp)+len(cp)), `{"ProjectId":`...), r.ProjectID, 10)
	if r.Scope != ScopeProject {
		b = strconv.AppendUint(append(b, `,"PageId":`...), r.PageID, 10)
	}
	expire := strconv.FormatInt(int64(r.Expiry/time.Minute), 10)
	if r.Expiry == 0 {
		expire = ""
	}
	for _, f := range [...]struct{ name, value string }{{"Intention", string(r.Intention)}, {"Scope", string(r.Scope)},
		{"ExpireTime", expire}, {"ExtraParam", r.ExtraParam}, {"UserCorpId", r.UserCorpID}, {"UserId", r.UserID},
		{"GlobalParam", gp}, {"ConfigParam", cp}} {
		if f.value != "" {
			b = appendString(append(append(append(b, ',', '"'), f.name...), '"', ':'), f.value)
		}
	}
	for _, f := range [...]struct {
		name  string
		value int64
	}{{"TicketNum", r.TicketNum}, {"TokenType", int64(r.TokenType)}, {"TokenNum", r.TokenNum}} {
		if f.value != 0 {
			b = strconv.AppendInt(append(append(append(b, ',', '"'), f.name...), '"', ':'), f.value, 10)
		}
	}
	return append(b, '}'), nil
}

// appendString appends s, valid UTF-8, as a JSON string escaped as
// encoding/json escapes it (< > & and U+2028/U+2029 too), so that common's
// json.Marshal of the body sends these very bytes.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20 || c == '<' || c == '>' || c == '&':
			b = append(b, '\\', 'u', '0', '0', "0123456789abcdef"[c>>4], "0123456789abcdef"[c&15])
		case c == 0xe2 && i+2 < len(s) && s[i+1] == 0x80 && (s[i+2] == 0xa8 || s[i+2] == 0xa9):
			b = append(b, '\\', 'u', '2', '0', '2', "89"[s[i+2]-0xa8])
			i += 2
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// requestKey is the cache's key for r: the cache's namespace (which names
// the hosts) and the hash of r's wire body, so equal requests give equal
// keys in every process.
func requestKey(r *CreateEmbedTokenRequest, namespace string) (string, error) {
	b, err := r.body()
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return namespace + hex.EncodeToString(sum[:]), nil
}

// CreateEmbedToken mints a strong-auth embed token. A bad request gets a
// *biembed.ValidationError and nothing is sent; failures are *Error.
func (c *Client) CreateEmbedToken(ctx context.Context, req *CreateEmbedTokenRequest) (*EmbedToken, error) {
	if err := c.ready(ctx); err != nil {
		return nil, err
	}
	body, err := req.body()
	if err != nil {
		return nil, err
	}
	info, requestID, sentAt, err := send[embedTokenInfo](ctx, c, "CreateEmbedToken", body, true)
	if err != nil {
		return nil, err
	}
	if info.BIToken == "" {
		return nil, &Error{Action: "CreateEmbedToken", Code: codeEmpty, RequestID: requestID,
			HTTPStatus: http.StatusOK, Message: "the answer has no BIToken"}
	}
	tok := newEmbedToken(info, req, requestID, sentAt, c.cfg.embedHost)
	c.cfg.Logger.LogAttrs(ctx, slog.LevelDebug, "tencent: token minted", slog.String("request_id", tok.RequestID),
		slog.Any("token", tok.Value), slog.Time("expires_at", tok.ExpiresAt))
	return tok, nil
}
