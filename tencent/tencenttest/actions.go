package tencenttest

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/biembed/biembed-go/biembed"
	"github.com/biembed/biembed-go/clientsetting"
	"github.com/biembed/biembed-go/filtermap"
	"github.com/biembed/biembed-go/tencent"
)

// chinaTime is the zone the service writes CreatedAt and UpdatedAt in.
var chinaTime = time.FixedZone("CST", 8*3600)

// Error codes, and documented limits and values of CreateEmbedToken.
const (
	codeInvalidParameter      = "InvalidParameter"
	codeInvalidParameterEmbed = "InvalidParameter.Embed"
	codeInvalidParameterValue = "InvalidParameterValue"
	codeMissingParameter      = "MissingParameter.MissingParam"
	codeUnknownParameter      = "UnknownParameter"

	maxExpireMinutes    = 240
	maxTicketNum        = 99999
	tokenTypeNoUser     = 100
	tokenTypeSingleUser = 200
	tokenTypeMultiUser  = 300
	intentionEmbed      = "embed"
	intentionChatBI     = "chatBIEmbed"
	scopePage           = "page"
	scopePanel          = "panel"
	scopeProject        = "project"
)

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
// and whether it knows it: a cleared token is gone, and so may be an
// expired one (the table keeps about 10,000 tokens).
func (s *Server) Lookup(value string) (IssuedToken, bool) {
	s.core.Mu.Lock()
	defer s.core.Mu.Unlock()
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
	info.CreatedAt = tok.CreatedAt.In(chinaTime).Format(time.DateTime)
	info.UpdatedAt = info.CreatedAt
	info.SingleUserMultiToken = info.TokenType == tokenTypeMultiUser
	return info, nil
}

// expireMinutes reads ExpireTime, a string of whole minutes in 1..240.
func (r *paramReader) expireMinutes() int64 {
	s := r.str("ExpireTime")
	if s == "" {
		return maxExpireMinutes
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
		Value: biembed.NewSecret(newID()), ProjectID: projectID, PageID: pageID,
		Intention: info.Intention, Scope: info.Scope, UserCorpID: info.UserCorpID, UserID: info.UserID,
		ExpireMinutes: info.ExpireTime, CreatedAt: now,
		ExpiresAt: now.Add(time.Duration(info.ExpireTime) * time.Minute),
	}
	s.core.Mu.Lock()
	defer s.core.Mu.Unlock()
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
	s.core.Mu.Lock()
	defer s.core.Mu.Unlock()
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
	s.core.Mu.Lock()
	defer s.core.Mu.Unlock()
	s.tokens.All(func(value string, tok *IssuedToken) bool {
		if tok.ProjectID == projectID && tok.UserCorpID == corp && tok.Scope == scope &&
			(scope == scopePanel || tok.PageID == pageID) {
			s.tokens.Delete(value)
		}
		return true
	})
	return true, nil
}

// apiError is an error answer: {"Error":{"Code","Message"}}.
type apiError struct {
	Code    string
	Message string
}

func newAPIError(code, msg string) *apiError { return &apiError{Code: code, Message: msg} }

// paramReader reads typed values out of a decoded body and keeps the first
// problem it meets, so handlers read every field and check once.
type paramReader struct {
	p   map[string]any
	err *apiError
}

// onlyKnown fails with UnknownParameter for the first key (in sorted
// order) that is not in known.
func (r *paramReader) onlyKnown(known ...string) {
	allowed := map[string]bool{}
	for _, k := range known {
		allowed[k] = true
	}
	keys := make([]string, 0, len(r.p))
	for k := range r.p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !allowed[k] {
			r.fail(codeUnknownParameter, "the parameter `"+k+"` is not recognized")
			return
		}
	}
}

func (r *paramReader) fail(code, msg string) {
	if r.err == nil {
		r.err = newAPIError(code, msg)
	}
}

func (r *paramReader) str(name string) string {
	v, ok := r.p[name].(string)
	if !ok && r.p[name] != nil {
		r.fail(codeInvalidParameterValue, "the parameter `"+name+"` must be a string")
	}
	return v
}

// uint and int read a JSON integer; uintString reads a string of digits.
func (r *paramReader) uint(name string) uint64 { return r.parseUint(name, r.number(name)) }

func (r *paramReader) uintString(name string) uint64 { return r.parseUint(name, r.str(name)) }

func (r *paramReader) parseUint(name, n string) uint64 {
	u, err := strconv.ParseUint(n, 10, 64)
	if n != "" && err != nil {
		r.fail(codeInvalidParameterValue, "the parameter `"+name+"` must be a non-negative integer")
	}
	return u
}

func (r *paramReader) int(name string) int64 {
	n := r.number(name)
	i, err := strconv.ParseInt(n, 10, 64)
	if n != "" && err != nil {
		r.fail(codeInvalidParameterValue, "the parameter `"+name+"` must be an integer")
	}
	return i
}

func (r *paramReader) number(name string) string {
	n, ok := r.p[name].(json.Number)
	if !ok && r.p[name] != nil {
		r.fail(codeInvalidParameterValue, "the parameter `"+name+"` must be an integer")
	}
	return string(n)
}

// checkTarget checks that intention and scope are known and fit each other
// and the page id, the rules shared by CreateEmbedToken and ApplyEmbedInterval.
func (r *paramReader) checkTarget(intention, scope string, pageID uint64) {
	switch {
	case intention != intentionEmbed && intention != intentionChatBI:
		r.fail(codeInvalidParameterValue, "Intention must be embed or chatBIEmbed")
	case intention == intentionEmbed && scope != scopePage && scope != scopePanel:
		r.fail(codeInvalidParameterValue, "Scope must be page or panel for embed")
	case intention == intentionChatBI && scope != scopeProject:
		r.fail(codeInvalidParameterValue, "Scope must be project for chatBIEmbed")
	case intention == intentionChatBI && r.p["PageId"] != nil:
		r.fail(codeInvalidParameterValue, "PageId is not passed for ChatBI embedding")
	case scope == scopePage && pageID == 0:
		r.fail(codeMissingParameter, "PageId is required for page scope")
	case scope == scopePanel && pageID != 0:
		r.fail(codeInvalidParameterValue, "PageId must be empty (0) for panel scope")
	}
}

// decodeCreate reads a CreateEmbedToken body into the client's request type.
func decodeCreate(params map[string]any) *tencent.CreateEmbedTokenRequest {
	r := &paramReader{p: params}
	req := &tencent.CreateEmbedTokenRequest{
		ProjectID: r.uint("ProjectId"), PageID: r.uint("PageId"),
		Intention: tencent.Intention(r.str("Intention")), Scope: tencent.Scope(r.str("Scope")),
		ExtraParam: r.str("ExtraParam"), UserCorpID: r.str("UserCorpId"), UserID: r.str("UserId"),
		TicketNum: r.int("TicketNum"), TokenType: tencent.TokenType(r.int("TokenType")), TokenNum: r.int("TokenNum"),
	}
	if m, err := strconv.ParseInt(r.str("ExpireTime"), 10, 64); err == nil {
		req.Expiry = time.Duration(m) * time.Minute
	}
	req.GlobalParams, _ = filtermap.ParseGlobalParams(r.str("GlobalParam"))
	req.Config, _ = clientsetting.ParseChatBIConfig(r.str("ConfigParam"))
	return req
}
