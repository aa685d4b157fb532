package tencent

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/biembed/biembed-go/clientsetting"
	"github.com/biembed/biembed-go/filtermap"
	"github.com/biembed/biembed-go/internal/redact"
)

// chinaTime is the zone of the service's CreatedAt/UpdatedAt. A fixed zone
// needs no tzdata.
var chinaTime = time.FixedZone("CST", 8*3600)

// wireTimeLayout is how the service writes CreatedAt and UpdatedAt.
const wireTimeLayout = "2006-01-02 15:04:05"

// EmbedToken is a minted token with everything the service echoed about it
// (EmbedTokenInfo), Go-typed, plus when it expires by the client's clock.
//
// Value is a Secret: every fmt verb, slog handler and json.Marshal show it
// masked, and Value.Reveal() returns it. A store that keeps tokens encodes
// Value.Reveal() itself (json.Unmarshal takes the raw value back).
type EmbedToken struct {
	ID         uint64        `json:"id"`
	Value      Secret        `json:"value"` // the BIToken
	ProjectID  uint64        `json:"projectId"`
	PageID     uint64        `json:"pageId,omitzero"`
	ExtraParam string        `json:"extraParam,omitzero"`
	Scope      Scope         `json:"scope"`
	Intention  Intention     `json:"intention"`
	Expiry     time.Duration `json:"expiry"` // lifetime the service reports (ExpireTime), at most the one requested and MaxExpiry

	CreatedUser string    `json:"createdUser,omitzero"`
	UpdatedUser string    `json:"updatedUser,omitzero"`
	CreatedAt   time.Time `json:"createdAt,omitzero"`
	UpdatedAt   time.Time `json:"updatedAt,omitzero"`

	UserCorpID           string    `json:"userCorpId,omitzero"`
	UserID               string    `json:"userId,omitzero"`
	TicketNum            int64     `json:"ticketNum,omitzero"`
	TokenType            TokenType `json:"tokenType,omitzero"`
	TokenNum             int64     `json:"tokenNum,omitzero"`
	SingleUserMultiToken bool      `json:"singleUserMultiToken,omitzero"`

	// GlobalParams is the parsed GlobalParam echo, nil when it was empty or
	// did not parse; GlobalParamRaw is the echoed string as it came.
	GlobalParams   filtermap.GlobalParams `json:"globalParams,omitzero"`
	GlobalParamRaw string                 `json:"globalParamRaw,omitzero"`
	// Config is the parsed ConfigParam echo, nil when it was empty or did not
	// parse; ConfigRaw is the echoed string as it came.
	Config    *clientsetting.ChatBIConfig `json:"config,omitzero"`
	ConfigRaw string                      `json:"configRaw,omitzero"`

	RequestID string `json:"requestId,omitzero"`

	// ExpiresAt is when the token stops working, computed conservatively:
	// the client-clock instant the request was sent plus the shorter of the
	// requested Expiry and the ExpireTime the service reports (240 minutes
	// when neither is known).
	ExpiresAt time.Time `json:"expiresAt"`

	// EmbedHost is the host URL builds on (the client's WithEmbedHost).
	EmbedHost string `json:"embedHost,omitzero"`
}

// newEmbedToken turns the wire answer into an EmbedToken, filling what the
// service left out from the request.
func newEmbedToken(info *embedTokenInfo, req *CreateEmbedTokenRequest, requestID string, sentAt time.Time, host string) *EmbedToken {
	tok := &EmbedToken{
		ID: uint64(info.ID), Value: Secret(info.BIToken), ProjectID: uint64(info.ProjectID), PageID: uint64(info.PageID),
		ExtraParam: info.ExtraParam, Scope: Scope(info.Scope), Intention: Intention(info.Intention),
		CreatedUser: string(info.CreatedUser), UpdatedUser: string(info.UpdatedUser),
		CreatedAt: parseWireTime(string(info.CreatedAt)), UpdatedAt: parseWireTime(string(info.UpdatedAt)),
		UserCorpID: string(info.UserCorpID), UserID: string(info.UserID), TicketNum: int64(info.TicketNum),
		TokenType: TokenType(info.TokenType), TokenNum: int64(info.TokenNum),
		SingleUserMultiToken: info.SingleUserMultiToken,
		GlobalParamRaw:       info.GlobalParam, ConfigRaw: info.ConfigParam,
		RequestID: requestID, EmbedHost: host,
	}
	tok.GlobalParams, _ = filtermap.ParseGlobalParams(info.GlobalParam)
	tok.Config, _ = clientsetting.ParseChatBIConfig(info.ConfigParam)
	tok.fillFrom(req)
	tok.setExpiry(int64(info.ExpireTime), req.Expiry, sentAt)
	return tok
}

// fillFrom takes what the answer did not echo from the request.
func (t *EmbedToken) fillFrom(req *CreateEmbedTokenRequest) {
	if t.ProjectID == 0 {
		t.ProjectID = req.ProjectID
	}
	if t.Scope == "" {
		t.Scope = req.Scope
	}
	if t.Intention == "" {
		t.Intention = req.Intention
	}
	if t.PageID == 0 && t.Scope == ScopePage {
		t.PageID = req.PageID
	}
	if t.ExtraParam == "" {
		t.ExtraParam = req.ExtraParam
	}
}

// setExpiry sets Expiry and ExpiresAt (from sentAt) to the lifetime the
// answer reports, bounded by the one requested (DefaultExpiry when none was)
// and by MaxExpiry: an answer may shorten a lifetime, never lengthen it (an
// ExpireTime of 14400, seconds where minutes are documented, is 240 minutes).
func (t *EmbedToken) setExpiry(wireMinutes int64, requested time.Duration, sentAt time.Time) {
	life := requested
	if life <= 0 {
		life = DefaultExpiry
	}
	life = min(life, MaxExpiry)
	if wireMinutes > 0 && wireMinutes < int64(life/time.Minute) {
		life = time.Duration(wireMinutes) * time.Minute
	}
	t.Expiry = life
	t.ExpiresAt = sentAt.Add(life)
}

// parseWireTime reads "2006-01-02 15:04:05" in China time (or RFC 3339);
// anything else gives the zero time rather than failing the call.
func parseWireTime(s string) time.Time {
	if t, err := time.ParseInLocation(wireTimeLayout, s, chinaTime); err == nil {
		return t
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t
	}
	return time.Time{}
}

// Expired reports whether the token has expired at now. A token without an
// ExpiresAt counts as expired.
func (t EmbedToken) Expired(now time.Time) bool {
	return t.ExpiresAt.IsZero() || !now.Before(t.ExpiresAt)
}

func (t EmbedToken) masked() string { return t.Value.String() }

// String describes the token with its value masked.
func (t EmbedToken) String() string {
	return fmt.Sprintf("tencent.EmbedToken{ID:%d ProjectID:%d PageID:%d Intention:%s Scope:%s Value:%s ExpiresAt:%s RequestID:%s}",
		t.ID, t.ProjectID, t.PageID, t.Intention, t.Scope, t.masked(), t.ExpiresAt.Format(time.RFC3339), t.RequestID)
}

// GoString is the %#v form, with the value masked.
func (t EmbedToken) GoString() string {
	return fmt.Sprintf("tencent.EmbedToken{ID:%d, ProjectID:%d, PageID:%d, Intention:%q, Scope:%q, Value:%q, ExpiresAt:%q, RequestID:%q}",
		t.ID, t.ProjectID, t.PageID, t.Intention, t.Scope, t.masked(), t.ExpiresAt.Format(time.RFC3339), t.RequestID)
}

// Format writes String for every verb (GoString for %#v), so no verb
// reveals Value.
func (t EmbedToken) Format(f fmt.State, verb rune) { redact.FormatString(f, verb, t) }

// LogValue implements slog.LogValuer with the value masked.
func (t EmbedToken) LogValue() slog.Value {
	return slog.GroupValue(
		slog.Uint64("id", t.ID), slog.Uint64("project_id", t.ProjectID), slog.Uint64("page_id", t.PageID),
		slog.String("intention", string(t.Intention)), slog.String("scope", string(t.Scope)),
		slog.String("token", t.masked()), slog.Time("expires_at", t.ExpiresAt),
		slog.String("request_id", t.RequestID),
	)
}
