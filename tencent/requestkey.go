package tencent

import (
	"strconv"
	"time"

	"github.com/biembed/biembed-go/internal/tokencache"
	"github.com/biembed/biembed-go/internal/validate"
)

// RequestKey derives a stable cache key from req's wire form: equal requests
// give equal keys, in this process and in others. req is validated first.
// The Cache uses it as the fingerprint of the request a token was minted for.
func RequestKey(req *CreateEmbedTokenRequest) (string, error) {
	if err := req.Validate(); err != nil {
		return "", err
	}
	w, err := req.keyWire()
	if err != nil {
		return "", err
	}
	return tokencache.KeyOf(w)
}

// createKeyWire is the CreateEmbedToken body as params builds it, as a
// struct: its fields are in the order encoding/json writes the keys of a map
// (sorted), and each is left out exactly when params leaves it out, so it
// encodes to the same bytes as params' map (and so to the same key) without
// building and sorting a map.
type createKeyWire struct {
	ConfigParam string  `json:"ConfigParam,omitempty"`
	ExpireTime  string  `json:"ExpireTime,omitempty"`
	ExtraParam  string  `json:"ExtraParam,omitempty"`
	GlobalParam string  `json:"GlobalParam,omitempty"`
	Intention   string  `json:"Intention"`
	PageID      *uint64 `json:"PageId,omitempty"`
	ProjectID   uint64  `json:"ProjectId"`
	Scope       string  `json:"Scope"`
	TicketNum   int64   `json:"TicketNum,omitempty"`
	TokenNum    int64   `json:"TokenNum,omitempty"`
	TokenType   int64   `json:"TokenType,omitempty"`
	UserCorpID  string  `json:"UserCorpId,omitempty"`
	UserID      string  `json:"UserId,omitempty"`
}

// zeroPageID is the PageId of a dashboard (scope panel): present and 0.
var zeroPageID uint64

// keyWire returns the wire body of a validated request, as params does.
func (r *CreateEmbedTokenRequest) keyWire() (*createKeyWire, error) {
	w := &createKeyWire{
		ExtraParam: r.ExtraParam, Intention: string(r.Intention), ProjectID: r.ProjectID, Scope: string(r.Scope),
		TokenNum: r.TokenNum, TokenType: int64(r.TokenType), UserCorpID: r.UserCorpID, UserID: r.UserID,
	}
	switch r.Scope {
	case ScopePage:
		w.PageID = &r.PageID
	case ScopePanel:
		w.PageID = &zeroPageID
	}
	if r.Expiry > 0 {
		w.ExpireTime = strconv.FormatInt(int64(r.Expiry/time.Minute), 10)
	}
	if r.TicketNum > 0 {
		w.TicketNum = r.TicketNum
	}
	var err error
	if w.GlobalParam, err = r.GlobalParams.Encode(); err != nil {
		return nil, validate.Within(createPrefix, err)
	}
	if w.ConfigParam, err = r.Config.Encode(); err != nil {
		return nil, validate.Within(createPrefix+".Config", err)
	}
	return w, nil
}
