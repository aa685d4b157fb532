package redisstore

import (
	"encoding/json"

	"github.com/redis/go-redis/v9"

	"github.com/biembed/biembed-go/tencent"
	"github.com/biembed/biembed-go/youshu"
)

// NewTencentStore returns a Store for tencent.Cache (CacheOptions.Store).
func NewTencentStore(rdb redis.UniversalClient, opts Options) (*Store[*tencent.EmbedToken], error) {
	return NewStore[*tencent.EmbedToken](rdb, TencentCodec{}, opts)
}

// NewYoushuStore returns a Store for youshu.Cache (CacheOptions.Store).
func NewYoushuStore(rdb redis.UniversalClient, opts Options) (*Store[*youshu.Token], error) {
	return NewStore[*youshu.Token](rdb, YoushuCodec{}, opts)
}

// tokenWire keeps a token's JSON without its value, and the value apart in
// the clear: a token's own JSON masks its Secret value.
type tokenWire struct {
	Token json.RawMessage `json:"token"`
	Value string          `json:"value"`
}

// TencentCodec encodes *tencent.EmbedToken for a Store, value included.
type TencentCodec struct{}

// Encode implements Codec.
func (TencentCodec) Encode(tok *tencent.EmbedToken) ([]byte, error) {
	if tok == nil {
		return []byte("null"), nil
	}
	cp := *tok
	value := cp.Value.Reveal() // the one place the value leaves the token: into the (sealed) entry
	cp.Value = ""
	return encodeWire(&cp, value)
}

// Decode implements Codec.
func (TencentCodec) Decode(data []byte) (*tencent.EmbedToken, error) {
	var tok *tencent.EmbedToken
	value, err := decodeWire(data, &tok)
	if err != nil || tok == nil {
		return nil, err
	}
	tok.Value = tencent.Secret(value)
	return tok, nil
}

// YoushuCodec encodes *youshu.Token for a Store, value included.
type YoushuCodec struct{}

// Encode implements Codec.
func (YoushuCodec) Encode(tok *youshu.Token) ([]byte, error) {
	if tok == nil {
		return []byte("null"), nil
	}
	cp := *tok
	value := cp.Value.Reveal() // the one place the value leaves the token: into the (sealed) entry
	cp.Value = ""
	return encodeWire(&cp, value)
}

// Decode implements Codec.
func (YoushuCodec) Decode(data []byte) (*youshu.Token, error) {
	var tok *youshu.Token
	value, err := decodeWire(data, &tok)
	if err != nil || tok == nil {
		return nil, err
	}
	tok.Value = youshu.Secret(value)
	return tok, nil
}

func encodeWire(tok any, value string) ([]byte, error) {
	body, err := json.Marshal(tok)
	if err != nil {
		return nil, err
	}
	return json.Marshal(tokenWire{Token: body, Value: value})
}

func decodeWire(data []byte, tok any) (string, error) {
	if string(data) == "null" {
		return "", nil
	}
	var w tokenWire
	if err := json.Unmarshal(data, &w); err != nil {
		return "", err
	}
	if err := json.Unmarshal(w.Token, tok); err != nil {
		return "", err
	}
	return w.Value, nil
}
