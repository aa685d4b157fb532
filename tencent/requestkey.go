package tencent

import (
	"strconv"
	"time"

	"github.com/biembed/biembed-go/filtermap"
	"github.com/biembed/biembed-go/internal/jsonenc"
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
	var buf [512]byte
	return tokencache.KeyOfJSON(w.appendJSON(buf[:0])), nil
}

// createKeyWire is the CreateEmbedToken body: CreateEmbedToken sends the
// bytes appendJSON writes, and RequestKey hashes them. Its fields are in the
// order encoding/json writes the keys of a map (sorted), each left out
// exactly when the map the client used to send (params, now in a test file)
// left it out: the same bytes and so the same keys, without building and
// sorting a map (TestRequestKeyMatchesParamsMap, TestWireBodyMatchesParamsMap).
type createKeyWire struct {
	ConfigParam string                 `json:"ConfigParam,omitempty"`
	ExpireTime  string                 `json:"ExpireTime,omitempty"`
	ExtraParam  string                 `json:"ExtraParam,omitempty"`
	GlobalParam filtermap.GlobalParams `json:"-"` // written as the JSON string "GlobalParam"
	Intention   string                 `json:"Intention"`
	PageID      *uint64                `json:"PageId,omitempty"`
	ProjectID   uint64                 `json:"ProjectId"`
	Scope       string                 `json:"Scope"`
	TicketNum   int64                  `json:"TicketNum,omitempty"`
	TokenNum    int64                  `json:"TokenNum,omitempty"`
	TokenType   int64                  `json:"TokenType,omitempty"`
	UserCorpID  string                 `json:"UserCorpId,omitempty"`
	UserID      string                 `json:"UserId,omitempty"`
}

// zeroPageID is the PageId of a dashboard (scope panel): present and 0.
var zeroPageID uint64

// keyWire returns the wire body of a validated request.
func (r *CreateEmbedTokenRequest) keyWire() (createKeyWire, error) {
	w := createKeyWire{
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
	w.GlobalParam = r.GlobalParams // validated with r; written by appendJSON as Encode would
	if w.ConfigParam, err = r.Config.Encode(); err != nil {
		return w, validate.Within(createPrefix+".Config", err)
	}
	return w, nil
}

// appendJSON appends w's JSON: the bytes json.Marshal(w) (and so
// json.Marshal of params' map) writes, without reflection.
func (w *createKeyWire) appendJSON(b []byte) []byte {
	b = append(b, '{')
	b = optString(b, "ConfigParam", w.ConfigParam)
	b = optString(b, "ExpireTime", w.ExpireTime)
	b = optString(b, "ExtraParam", w.ExtraParam)
	if len(w.GlobalParam) > 0 {
		var inner [512]byte
		b = append(comma(b), `"GlobalParam":`...)
		b = jsonenc.AppendString(b, appendGlobalParams(inner[:0], w.GlobalParam))
	}
	b = jsonenc.AppendString(comma(b), "Intention")
	b = jsonenc.AppendString(append(b, ':'), w.Intention)
	if w.PageID != nil {
		b = append(comma(b), `"PageId":`...)
		b = strconv.AppendUint(b, *w.PageID, 10)
	}
	b = append(comma(b), `"ProjectId":`...)
	b = strconv.AppendUint(b, w.ProjectID, 10)
	b = append(b, `,"Scope":`...)
	b = jsonenc.AppendString(b, w.Scope)
	b = optInt(b, "TicketNum", w.TicketNum)
	b = optInt(b, "TokenNum", w.TokenNum)
	b = optInt(b, "TokenType", w.TokenType)
	b = optString(b, "UserCorpId", w.UserCorpID)
	b = optString(b, "UserId", w.UserID)
	return append(b, '}')
}

// comma separates a member from the one before it.
func comma(b []byte) []byte {
	if b[len(b)-1] != '{' {
		b = append(b, ',')
	}
	return b
}

func optString(b []byte, name, value string) []byte {
	if value == "" {
		return b
	}
	b = append(append(append(comma(b), '"'), name...), '"', ':')
	return jsonenc.AppendString(b, value)
}

func optInt(b []byte, name string, v int64) []byte {
	if v == 0 {
		return b
	}
	b = append(append(append(comma(b), '"'), name...), '"', ':')
	return strconv.AppendInt(b, v, 10)
}

// appendGlobalParams appends what json.Marshal writes for g (and so what
// GlobalParams.Encode returns).
func appendGlobalParams(b []byte, g filtermap.GlobalParams) []byte {
	b = append(b, '[')
	for i, p := range g {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"ParamKey":`...)
		b = jsonenc.AppendString(b, p.ParamKey)
		b = append(b, `,"JoinType":`...)
		b = jsonenc.AppendString(b, string(p.JoinType))
		b = append(b, `,"WhereList":`...)
		if p.WhereList == nil {
			b = append(b, "null"...)
		} else {
			b = append(b, '[')
			for j, w := range p.WhereList {
				if j > 0 {
					b = append(b, ',')
				}
				b = append(b, `{"Operator":`...)
				b = jsonenc.AppendString(b, string(w.Operator))
				b = append(b, `,"Value":`...)
				b = appendStrings(b, w.Value)
				b = append(b, '}')
			}
			b = append(b, ']')
		}
		b = append(b, '}')
	}
	return append(b, ']')
}

// appendStrings appends list as a JSON array; nil is null.
func appendStrings(b []byte, list []string) []byte {
	if list == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, s := range list {
		if i > 0 {
			b = append(b, ',')
		}
		b = jsonenc.AppendString(b, s)
	}
	return append(b, ']')
}
