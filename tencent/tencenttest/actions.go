package tencenttest

import (
	"crypto/rand"
	"fmt"
	"strconv"
	"time"

	"github.com/biembed/biembed-go/biembed"
	"github.com/biembed/biembed-go/clientsetting"
	"github.com/biembed/biembed-go/filtermap"
	"github.com/biembed/biembed-go/tencent"
)

// chinaTime is the zone the service writes CreatedAt and UpdatedAt in.
var chinaTime = time.FixedZone("CST", 8*3600)

// wireTimeLayout is how the service writes CreatedAt and UpdatedAt.
const wireTimeLayout = "2006-01-02 15:04:05"

// IssuedToken is what the fake knows about a token it minted.
type IssuedToken struct {
	ID            uint64
	Value         biembed.Secret // masked when printed; Reveal for the value
	ProjectID     uint64
	PageID        uint64
	Intention     string
	Scope         string
	UserCorpID    string
	UserID        string
	ExpireMinutes int64
	TicketNum     int64 // visits the token allows; 0 means no limit
	CreatedAt     time.Time
	ExpiresAt     time.Time // moved by ApplyEmbedInterval
	Visits        int       // embed page visits it was accepted for
	// Request is the CreateEmbedToken request it was minted from.
	Request *tencent.CreateEmbedTokenRequest
}

// Lookup returns what the fake knows about the token whose value is value,
// and whether it knows it: a cleared token is gone, and so may be an expired
// one (see WithTokenLimit).
func (s *Server) Lookup(value string) (IssuedToken, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tokens.Get(value)
	if !ok {
		return IssuedToken{}, false
	}
	return *t, true
}

// embedTokenInfo is the Data of a CreateEmbedToken answer, shaped like the
// documented output example: ProjectId a string, ExpireTime a number of
// minutes, PageId null for a dashboard.
type embedTokenInfo struct {
	ID                   uint64  `json:"Id"`
	BIToken              string  `json:"BIToken"`
	ProjectID            string  `json:"ProjectId"`
	PageID               *uint64 `json:"PageId"`
	ExtraParam           string  `json:"ExtraParam"`
	Scope                string  `json:"Scope"`
	Intention            string  `json:"Intention"`
	ExpireTime           int64   `json:"ExpireTime"`
	CreatedUser          *string `json:"CreatedUser"`
	CreatedAt            string  `json:"CreatedAt"`
	UpdatedUser          *string `json:"UpdatedUser"`
	UpdatedAt            string  `json:"UpdatedAt"`
	UserCorpID           string  `json:"UserCorpId"`
	UserID               string  `json:"UserId"`
	TicketNum            int64   `json:"TicketNum"`
	GlobalParam          string  `json:"GlobalParam"`
	TokenType            int64   `json:"TokenType"`
	TokenNum             int64   `json:"TokenNum"`
	SingleUserMultiToken bool    `json:"SingleUserMultiToken"`
	ConfigParam          string  `json:"ConfigParam"`
}

func (s *Server) createEmbedToken(p map[string]any) (any, *apiError) {
	r := &paramReader{p: p}
	r.onlyKnown("ProjectId", "PageId", "Intention", "Scope", "ExpireTime", "ExtraParam", "UserCorpId",
		"UserId", "TicketNum", "GlobalParam", "TokenType", "TokenNum", "ConfigParam")
	info := embedTokenInfo{
		ExtraParam: r.str("ExtraParam"), Scope: r.str("Scope"), Intention: r.str("Intention"),
		UserCorpID: r.str("UserCorpId"), UserID: r.str("UserId"), TicketNum: r.int("TicketNum"),
		GlobalParam: r.str("GlobalParam"), TokenType: r.int("TokenType"), TokenNum: r.int("TokenNum"),
		ConfigParam: r.str("ConfigParam"),
	}
	projectID, pageID := r.uint("ProjectId"), r.uint("PageId")
	info.ExpireTime = r.expireMinutes()
	if info.Intention == "" {
		info.Intention = intentionEmbed
	}
	if projectID == 0 {
		r.fail(codeMissingParameter, "ProjectId is required")
	}
	r.checkTarget(info.Intention, info.Scope, pageID)
	r.checkUsers(&info)
	r.checkJSONParams(info.GlobalParam, info.ConfigParam)
	if r.err != nil {
		return nil, r.err
	}
	tok := s.mint(&info, projectID, pageID, decodeCreate(p))
	info.ID, info.BIToken, info.ProjectID = tok.ID, tok.Value.Reveal(), strconv.FormatUint(projectID, 10)
	if pageID != 0 {
		info.PageID = &pageID
	}
	info.CreatedAt = tok.CreatedAt.In(chinaTime).Format(wireTimeLayout)
	info.UpdatedAt = info.CreatedAt
	info.SingleUserMultiToken = info.TokenType == tokenTypeMultiUser
	return info, nil
}

// expireMinutes reads ExpireTime, a string of whole minutes in 1..240.
func (r *paramReader) expireMinutes() int64 {
	s := r.str("ExpireTime")
	if s == "" {
		return defaultExpireMinutes
	}
	m, err := strconv.ParseInt(s, 10, 64)
	if err != nil || m < 1 || m > maxExpireMinutes {
		r.fail(codeInvalidParameterValue, "ExpireTime must be a string of minutes from 1 to 240")
	}
	return m
}

// checkUsers checks TicketNum, TokenType, the users it needs and TokenNum.
func (r *paramReader) checkUsers(info *embedTokenInfo) {
	switch {
	case info.TicketNum < 0 || info.TicketNum > maxTicketNum:
		r.fail(codeInvalidParameterValue, "TicketNum must be from 1 to 99999")
	case info.TokenType != 0 && info.TokenType != tokenTypeNoUser &&
		info.TokenType != tokenTypeSingleUser && info.TokenType != tokenTypeMultiUser:
		r.fail(codeInvalidParameterValue, "TokenType must be 100, 200 or 300")
	case info.TokenType == tokenTypeNoUser && info.Intention == intentionChatBI:
		r.fail(codeInvalidParameterValue, "TokenType 100 does not support ChatBI embedding")
	case (info.TokenType == tokenTypeSingleUser || info.TokenType == tokenTypeMultiUser) &&
		(info.UserCorpID == "" || info.UserID == ""):
		r.fail(codeMissingParameter, "UserCorpId and UserId are required for TokenType 200 and 300")
	case info.TokenType == tokenTypeMultiUser && info.TokenNum < 1:
		r.fail(codeMissingParameter, "TokenNum is required for TokenType 300")
	case info.TokenType != tokenTypeMultiUser && info.TokenNum != 0:
		r.fail(codeInvalidParameterValue, "TokenNum is only used with TokenType 300")
	}
}

// checkJSONParams checks that GlobalParam and ConfigParam are JSON strings of
// the documented shapes.
func (r *paramReader) checkJSONParams(globalParam, configParam string) {
	if g, err := filtermap.ParseGlobalParams(globalParam); err != nil || g.Validate() != nil {
		r.fail(codeInvalidParameterValue, "GlobalParam must be a JSON string of global parameters")
	}
	if c, err := clientsetting.ParseChatBIConfig(configParam); err != nil || c.Validate() != nil {
		r.fail(codeInvalidParameterValue, "ConfigParam must be a JSON string of ChatBIConfigList")
	}
}

func (s *Server) mint(info *embedTokenInfo, projectID, pageID uint64, req *tencent.CreateEmbedTokenRequest) *IssuedToken {
	now := s.now()
	tok := &IssuedToken{TicketNum: info.TicketNum, Request: req,
		Value: biembed.NewSecret(s.newID(tokPrefix)), ProjectID: projectID, PageID: pageID,
		Intention: info.Intention, Scope: info.Scope, UserCorpID: info.UserCorpID, UserID: info.UserID,
		ExpireMinutes: info.ExpireTime, CreatedAt: now,
		ExpiresAt: now.Add(time.Duration(info.ExpireTime) * time.Minute),
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	tok.ID = s.seq
	s.tokens.Add(tok.Value.Reveal(), tok, now)
	return tok
}

func (s *Server) applyEmbedInterval(p map[string]any) (any, *apiError) {
	r := &paramReader{p: p}
	r.onlyKnown("ProjectId", "PageId", "BIToken", "ExtraParam", "Intention", "Scope")
	projectID, pageID := r.uint("ProjectId"), r.uint("PageId")
	value, intention, scope := r.str("BIToken"), r.str("Intention"), r.str("Scope")
	r.str("ExtraParam")
	switch {
	case projectID == 0:
		r.fail(codeMissingParameter, "ProjectId is required")
	case value == "":
		r.fail(codeMissingParameter, "BIToken is required")
	case intention != "" || scope != "":
		r.checkTarget(intention, scope, pageID)
	}
	if r.err != nil {
		return nil, r.err
	}
	return s.extend(value, projectID, pageID)
}

// extend renews a known, unexpired token of the project for its original
// lifetime. Its error message quotes the token the way a real service might,
// so clients must scrub server messages.
func (s *Server) extend(value string, projectID, pageID uint64) (any, *apiError) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	tok, ok := s.tokens.Get(value)
	if !ok || tok.ProjectID != projectID || (pageID != 0 && tok.PageID != pageID) || !now.Before(tok.ExpiresAt) {
		return nil, newAPIError(codeInvalidParameterEmbed, fmt.Sprintf("BIToken %s does not exist or has expired", value))
	}
	tok.ExpiresAt = now.Add(time.Duration(tok.ExpireMinutes) * time.Minute)
	return map[string]bool{"Result": true}, nil
}

func (s *Server) clearEmbedToken(p map[string]any) (any, *apiError) {
	r := &paramReader{p: p}
	r.onlyKnown("ProjectId", "UserCorpId", "Scope", "PageId")
	projectID, pageID := r.uintString("ProjectId"), r.uintString("PageId")
	corp, scope := r.str("UserCorpId"), r.str("Scope")
	switch {
	case projectID == 0:
		r.fail(codeMissingParameter, "ProjectId is required")
	case corp == "":
		r.fail(codeMissingParameter, "UserCorpId is required")
	case scope != scopePanel && scope != scopePage:
		r.fail(codeInvalidParameterValue, "Scope must be panel or page")
	case scope == scopePage && pageID == 0:
		r.fail(codeMissingParameter, "PageId is required for page scope")
	}
	if r.err != nil {
		return nil, r.err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens.All(func(value string, tok *IssuedToken) bool {
		if tok.ProjectID == projectID && tok.UserCorpID == corp && tok.Scope == scope &&
			(scope == scopePanel || tok.PageID == pageID) {
			s.tokens.Delete(value)
		}
		return true
	})
	return true, nil
}

// Prefixes of deterministic ids: request ids and minted tokens count up
// separately.
const (
	requestIDPrefix = "00000000-0000-4000-9000-"
	tokPrefix       = "00000000-0000-4000-8000-"
)

// newID returns a UUID-shaped id: random, or counting up with prefix in
// deterministic mode.
func (s *Server) newID(prefix string) string {
	if s.deterministic {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.idSeq[prefix]++
		return fmt.Sprintf("%s%012d", prefix, s.idSeq[prefix])
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
