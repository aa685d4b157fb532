package tencenttest

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
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

// Lookup returns the token whose value is value, if the fake still knows
// it (not cleared; an expired one may be gone).
func (s *Server) Lookup(value string) (IssuedToken, bool) {
	s.core.Mu.Lock()
	defer s.core.Mu.Unlock()
	t, ok := s.tokens.M[value]
	if !ok {
		return IssuedToken{}, false
	}
	return *t, true
}

// createParams, applyParams and clearParams are the actions' wire parameters.
type createParams struct {
	ProjectId                                                                              uint64
	PageId                                                                                 *uint64
	Intention, Scope, ExpireTime, ExtraParam, UserCorpId, UserId, GlobalParam, ConfigParam string
	TicketNum, TokenType, TokenNum                                                         int64
}

type applyParams struct {
	ProjectId                             uint64
	PageId                                *uint64
	BIToken, ExtraParam, Intention, Scope string
}

type clearParams struct{ ProjectId, UserCorpId, Scope, PageId string }

// decode reads body into p: a key p has no field for is UnknownParameter,
// a value of the wrong JSON type InvalidParameterValue.
func decode(body []byte, p any) *apiError {
	var keys map[string]json.RawMessage
	_ = json.Unmarshal(body, &keys)
	fields := reflect.TypeOf(p).Elem()
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		if f, ok := fields.FieldByName(k); !ok || !f.IsExported() {
			return newAPIError(codeUnknownParameter, "the parameter `"+k+"` is not recognized")
		}
	}
	var typeErr *json.UnmarshalTypeError
	if err := json.Unmarshal(body, p); errors.As(err, &typeErr) {
		return newAPIError(codeInvalidParameterValue, "the parameter `"+typeErr.Field+"` must be a JSON "+typeErr.Type.Kind().String())
	}
	return nil
}

func (s *Server) createEmbedToken(body []byte) (any, *apiError) {
	var p createParams
	if err := decode(body, &p); err != nil {
		return nil, err
	}
	if p.Intention == "" {
		p.Intention = intentionEmbed
	}
	pageID := deref(p.PageId)
	minutes, err := strconv.ParseInt(p.ExpireTime, 10, 64)
	if p.ExpireTime == "" {
		minutes, err = maxExpireMinutes, nil
	}
	g, gErr := filtermap.ParseGlobalParams(p.GlobalParam)
	c, cErr := clientsetting.ParseChatBIConfig(p.ConfigParam)
	multi := p.TokenType == tokenTypeMultiUser
	if e := targetError(p.Intention, p.Scope, p.PageId); e != nil && p.ProjectId != 0 {
		return nil, e
	}
	switch {
	case p.ProjectId == 0:
		return nil, newAPIError(codeMissingParameter, "ProjectId is required")
	case err != nil || minutes < 1 || minutes > maxExpireMinutes:
		return nil, newAPIError(codeInvalidParameterValue, "ExpireTime must be a string of minutes from 1 to 240")
	case p.TicketNum < 0 || p.TicketNum > maxTicketNum:
		return nil, newAPIError(codeInvalidParameterValue, "TicketNum must be from 1 to 99999")
	case p.TokenType != 0 && p.TokenType != tokenTypeNoUser && p.TokenType != tokenTypeSingleUser && !multi:
		return nil, newAPIError(codeInvalidParameterValue, "TokenType must be 100, 200 or 300")
	case p.TokenType == tokenTypeNoUser && p.Intention == intentionChatBI:
		return nil, newAPIError(codeInvalidParameterValue, "TokenType 100 does not support ChatBI embedding")
	case (p.TokenType == tokenTypeSingleUser || multi) && (p.UserCorpId == "" || p.UserId == ""):
		return nil, newAPIError(codeMissingParameter, "UserCorpId and UserId are required for TokenType 200 and 300")
	case multi && p.TokenNum < 1:
		return nil, newAPIError(codeMissingParameter, "TokenNum is required for TokenType 300")
	case !multi && p.TokenNum != 0:
		return nil, newAPIError(codeInvalidParameterValue, "TokenNum is only used with TokenType 300")
	case gErr != nil || func() bool { _, e := g.Encode(); return e != nil }():
		return nil, newAPIError(codeInvalidParameterValue, "GlobalParam must be a JSON string of global parameters")
	case cErr != nil || func() bool { _, e := c.Encode(); return e != nil }():
		return nil, newAPIError(codeInvalidParameterValue, "ConfigParam must be a JSON string of ChatBIConfigList")
	}
	now := s.now()
	tok := &IssuedToken{Value: biembed.NewSecret(newID()), ProjectID: p.ProjectId, PageID: pageID,
		Intention: p.Intention, Scope: p.Scope, UserCorpID: p.UserCorpId, UserID: p.UserId,
		ExpireMinutes: minutes, TicketNum: p.TicketNum, CreatedAt: now,
		ExpiresAt: now.Add(time.Duration(minutes) * time.Minute), Request: decodeCreate(body)}
	s.core.Mu.Lock()
	s.seq++
	tok.ID = s.seq
	s.tokens.Add(tok.Value.Reveal(), tok, now)
	s.core.Mu.Unlock()
	// As the documented output example: PageId null for a dashboard.
	created, page := now.In(chinaTime).Format(time.DateTime), p.PageId
	if pageID == 0 {
		page = nil
	}
	return map[string]any{"Id": tok.ID, "BIToken": tok.Value.Reveal(), "ProjectId": strconv.FormatUint(p.ProjectId, 10),
		"PageId": page, "ExtraParam": p.ExtraParam, "Scope": p.Scope, "Intention": p.Intention,
		"ExpireTime": minutes, "CreatedUser": nil, "CreatedAt": created, "UpdatedUser": nil, "UpdatedAt": created,
		"UserCorpId": p.UserCorpId, "UserId": p.UserId, "TicketNum": p.TicketNum, "GlobalParam": p.GlobalParam,
		"TokenType": p.TokenType, "TokenNum": p.TokenNum, "SingleUserMultiToken": multi, "ConfigParam": p.ConfigParam}, nil
}

// targetError says why intention, scope and pageID do not fit each other.
func targetError(intention, scope string, pageID *uint64) *apiError {
	switch {
	case intention != intentionEmbed && intention != intentionChatBI:
		return newAPIError(codeInvalidParameterValue, "Intention must be embed or chatBIEmbed")
	case intention == intentionEmbed && scope != scopePage && scope != scopePanel:
		return newAPIError(codeInvalidParameterValue, "Scope must be page or panel for embed")
	case intention == intentionChatBI && scope != scopeProject:
		return newAPIError(codeInvalidParameterValue, "Scope must be project for chatBIEmbed")
	case intention == intentionChatBI && pageID != nil:
		return newAPIError(codeInvalidParameterValue, "PageId is not passed for ChatBI embedding")
	case scope == scopePage && deref(pageID) == 0:
		return newAPIError(codeMissingParameter, "PageId is required for page scope")
	case scope == scopePanel && deref(pageID) != 0:
		return newAPIError(codeInvalidParameterValue, "PageId must be empty (0) for panel scope")
	}
	return nil
}

func deref(p *uint64) uint64 {
	if p == nil {
		return 0
	}
	return *p
}

// applyEmbedInterval renews a live token for its original lifetime. Its
// error quotes the token, as a real service might.
func (s *Server) applyEmbedInterval(body []byte) (any, *apiError) {
	var p applyParams
	if err := decode(body, &p); err != nil {
		return nil, err
	}
	switch {
	case p.ProjectId == 0:
		return nil, newAPIError(codeMissingParameter, "ProjectId is required")
	case p.BIToken == "":
		return nil, newAPIError(codeMissingParameter, "BIToken is required")
	case p.Intention != "" || p.Scope != "":
		if err := targetError(p.Intention, p.Scope, p.PageId); err != nil {
			return nil, err
		}
	}
	now, pageID := s.now(), deref(p.PageId)
	s.core.Mu.Lock()
	defer s.core.Mu.Unlock()
	tok, ok := s.tokens.M[p.BIToken]
	if !ok || tok.ProjectID != p.ProjectId || (pageID != 0 && tok.PageID != pageID) || !now.Before(tok.ExpiresAt) {
		return nil, newAPIError(codeInvalidParameterEmbed, fmt.Sprintf("BIToken %s does not exist or has expired", p.BIToken))
	}
	tok.ExpiresAt = now.Add(time.Duration(tok.ExpireMinutes) * time.Minute)
	return map[string]bool{"Result": true}, nil
}

// clearEmbedToken drops the tokens of a user (corp) on a dashboard or page.
func (s *Server) clearEmbedToken(body []byte) (any, *apiError) {
	var p clearParams
	if err := decode(body, &p); err != nil {
		return nil, err
	}
	projectID, pErr := strconv.ParseUint(p.ProjectId, 10, 64)
	pageID, gErr := strconv.ParseUint(p.PageId, 10, 64)
	switch {
	case p.ProjectId == "":
		return nil, newAPIError(codeMissingParameter, "ProjectId is required")
	case pErr != nil || (p.PageId != "" && gErr != nil):
		return nil, newAPIError(codeInvalidParameterValue, "ProjectId and PageId must be strings of digits")
	case p.UserCorpId == "":
		return nil, newAPIError(codeMissingParameter, "UserCorpId is required")
	case p.Scope != scopePanel && p.Scope != scopePage:
		return nil, newAPIError(codeInvalidParameterValue, "Scope must be panel or page")
	case p.Scope == scopePage && pageID == 0:
		return nil, newAPIError(codeMissingParameter, "PageId is required for page scope")
	}
	s.core.Mu.Lock()
	defer s.core.Mu.Unlock()
	for value, tok := range s.tokens.M {
		if tok.ProjectID == projectID && tok.UserCorpID == p.UserCorpId && tok.Scope == p.Scope &&
			(p.Scope == scopePanel || tok.PageID == pageID) {
			delete(s.tokens.M, value)
		}
	}
	return true, nil
}

// apiError is an error answer: {"Error":{"Code","Message"}}.
type apiError struct {
	Code    string
	Message string
}

func newAPIError(code, msg string) *apiError { return &apiError{Code: code, Message: msg} }

// decodeCreate reads a CreateEmbedToken body; wrong types decode as zero.
func decodeCreate(body []byte) *tencent.CreateEmbedTokenRequest {
	var p createParams
	_ = json.Unmarshal(body, &p)
	req := &tencent.CreateEmbedTokenRequest{ProjectID: p.ProjectId, PageID: deref(p.PageId),
		Intention: tencent.Intention(p.Intention), Scope: tencent.Scope(p.Scope), ExtraParam: p.ExtraParam,
		UserCorpID: p.UserCorpId, UserID: p.UserId, TicketNum: p.TicketNum, TokenType: tencent.TokenType(p.TokenType),
		TokenNum: p.TokenNum}
	if m, err := strconv.ParseInt(p.ExpireTime, 10, 64); err == nil {
		req.Expiry = time.Duration(m) * time.Minute
	}
	req.GlobalParams, _ = filtermap.ParseGlobalParams(p.GlobalParam)
	req.Config, _ = clientsetting.ParseChatBIConfig(p.ConfigParam)
	return req
}
