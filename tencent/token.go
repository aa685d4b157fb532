package tencent

import (
	"cmp"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/biembed/biembed-go/biembed"
	"github.com/biembed/biembed-go/clientsetting"
	"github.com/biembed/biembed-go/filtermap"
	"github.com/biembed/biembed-go/internal/validate"
)

// EmbedToken is a minted token with what the service echoed about it
// (EmbedTokenInfo), Go-typed, and when it expires by the client's clock.
// Value is a biembed.Secret, which nothing prints.
type EmbedToken struct {
	ID         uint64         `json:"id"`
	Value      biembed.Secret `json:"value"` // the BIToken
	ProjectID  uint64         `json:"projectId"`
	PageID     uint64         `json:"pageId,omitzero"`
	ExtraParam string         `json:"extraParam,omitzero"`
	Scope      Scope          `json:"scope"`
	Intention  Intention      `json:"intention"`
	Expiry     time.Duration  `json:"expiry"` // the lifetime: the service's ExpireTime, at most the one requested and 240 minutes

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

	// GlobalParams and Config are the parsed GlobalParam and ConfigParam
	// echoes, nil when empty or unparsable.
	GlobalParams filtermap.GlobalParams      `json:"globalParams,omitzero"`
	Config       *clientsetting.ChatBIConfig `json:"config,omitzero"`

	RequestID string    `json:"requestId,omitzero"`
	ExpiresAt time.Time `json:"expiresAt"`          // conservatively, the client-clock instant the request was sent plus Expiry
	EmbedHost string    `json:"embedHost,omitzero"` // the host URL builds on (the client's WithEmbedHost)
}

// newEmbedToken turns the answer into an EmbedToken, filling what the
// service left out from the request. An answer may shorten the lifetime,
// never lengthen it (an ExpireTime of 14400, seconds where minutes are
// documented, is 240 minutes).
func newEmbedToken(info *embedTokenInfo, req *CreateEmbedTokenRequest, requestID string, sentAt time.Time, host string) *EmbedToken {
	tok := &EmbedToken{ID: uint64(info.ID), Value: biembed.NewSecret(info.BIToken), ProjectID: cmp.Or(uint64(info.ProjectID), req.ProjectID),
		PageID: uint64(info.PageID), ExtraParam: cmp.Or(info.ExtraParam, req.ExtraParam), Scope: cmp.Or(Scope(info.Scope), req.Scope),
		Intention: cmp.Or(Intention(info.Intention), req.Intention), CreatedUser: string(info.CreatedUser), UpdatedUser: string(info.UpdatedUser),
		CreatedAt: parseWireTime(string(info.CreatedAt)), UpdatedAt: parseWireTime(string(info.UpdatedAt)),
		UserCorpID: string(info.UserCorpID), UserID: string(info.UserID), TicketNum: int64(info.TicketNum),
		TokenType: TokenType(info.TokenType), TokenNum: int64(info.TokenNum), SingleUserMultiToken: info.SingleUserMultiToken,
		RequestID: requestID, EmbedHost: host}
	tok.GlobalParams, _ = filtermap.ParseGlobalParams(info.GlobalParam)
	tok.Config, _ = clientsetting.ParseChatBIConfig(info.ConfigParam)
	if tok.PageID == 0 && tok.Scope == ScopePage {
		tok.PageID = req.PageID
	}
	if tok.UserCorpID == "" && tok.UserID == "" {
		tok.UserCorpID, tok.UserID = req.UserCorpID, req.UserID
	}
	life := cmp.Or(req.Expiry, maxExpiry)
	if m := time.Duration(info.ExpireTime); m > 0 && m < life/time.Minute {
		life = m * time.Minute
	}
	tok.Expiry, tok.ExpiresAt = life, sentAt.Add(life)
	return tok
}

// chinaTime is the zone of the service's CreatedAt and UpdatedAt.
var chinaTime = time.FixedZone("CST", 8*3600)

// parseWireTime reads "2006-01-02 15:04:05" in China time (or RFC 3339);
// anything else is the zero time rather than a failed call.
func parseWireTime(s string) time.Time {
	if t, err := time.ParseInLocation(time.DateTime, s, chinaTime); err == nil {
		return t
	}
	t, _ := time.Parse(time.RFC3339, s)
	return t
}

// URLOption adjusts an embed URL.
type URLOption func(*urlConfig)

type urlConfig struct {
	host   *string
	params []string // "value=V1,V2&target=NAME", already checked
	err    error
}

// WithHost sets the embed host (an http(s) URL, optionally with a path
// prefix) for one URL, instead of the token's EmbedHost.
func WithHost(host string) URLOption { return func(c *urlConfig) { c.host = &host } }

// WithPageParam sets the visible page parameter name to values, sent as
// params[]=urlencode("value=V1,V2&target=NAME"), for page and dashboard
// embeds. Names and values must be set and hold none of & = , %.
func WithPageParam(name string, values ...string) URLOption {
	return func(c *urlConfig) {
		field := validate.Key("WithPageParam", name)
		ok := name != "" && !strings.ContainsAny(name, "&=,%") && len(values) > 0
		for _, v := range values {
			ok = ok && v != "" && !strings.ContainsAny(v, "&=,%")
		}
		if !ok && c.err == nil {
			c.err = validate.Fieldf(field, "name and values must be set and hold none of & = , %%")
		}
		c.params = append(c.params, "value="+strings.Join(values, ",")+"&target="+name)
	}
}

// URL returns the strong-auth embed URL of the token:
//
//	page:      {host}/page/embed?authType=strong&projectId=P&pageId=G&scope=page&token=T
//	dashboard: {host}/page/embed?authType=strong&projectId=P&pageId=0&scope=panel&token=T
//	ChatBI:    {host}/page/chat-bi-embed?authType=strong&projectId=P&token=T
//
// Tencent does not publish the dashboard template; it is the page template
// with scope=panel. Every value is query-escaped. The URL carries the
// token: treat it as a secret.
func (t *EmbedToken) URL(opts ...URLOption) (string, error) {
	var cfg urlConfig
	for _, opt := range opts {
		if opt != nil {
			opt(&cfg)
		}
	}
	switch {
	case t == nil || t.Value.Reveal() == "" || t.ProjectID == 0:
		return "", validate.Fieldf("EmbedToken", "must be a minted token (Value and ProjectID set)")
	case cfg.err != nil:
		return "", cfg.err
	}
	if err := checkTarget("EmbedToken", t.Intention, t.Scope, t.PageID); err != nil {
		return "", err
	}
	host, field := cmp.Or(t.EmbedHost, defaultEmbedHost), "EmbedToken.EmbedHost"
	if cfg.host != nil {
		host, field = *cfg.host, "WithHost"
	}
	u, err := parseEmbedHost(field, host)
	if err != nil {
		return "", err
	}
	q := "authType=strong&projectId=" + strconv.FormatUint(t.ProjectID, 10)
	if t.Scope == ScopeProject {
		if len(cfg.params) > 0 {
			return "", validate.Fieldf("WithPageParam", "applies to page and dashboard embeds, not ChatBI")
		}
		u.Path += "/page/chat-bi-embed"
	} else {
		u.Path += "/page/embed"
		q += "&pageId=" + strconv.FormatUint(t.PageID, 10) + "&scope=" + string(t.Scope)
	}
	q += "&token=" + url.QueryEscape(t.Value.Reveal())
	for _, p := range cfg.params {
		q += "&params[]=" + url.QueryEscape(p)
	}
	u.RawQuery = q
	return u.String(), nil
}
