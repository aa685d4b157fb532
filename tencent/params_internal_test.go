package tencent

import (
	"bytes"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	tcjson "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/json"

	"github.com/biembed/biembed-go/internal/validate"
)

// params is the map CreateEmbedToken sent (as a CommonRequest) before it
// sent createKeyWire's JSON: the reference the wire and key tests compare
// against.
func (r *CreateEmbedTokenRequest) params() (map[string]any, error) {
	p := map[string]any{}
	targetParams(p, r.ProjectID, r.PageID, r.Intention, r.Scope)
	putString(p, "ExtraParam", r.ExtraParam)
	putString(p, "UserCorpId", r.UserCorpID)
	putString(p, "UserId", r.UserID)
	if r.Expiry > 0 {
		p["ExpireTime"] = strconv.FormatInt(int64(r.Expiry/time.Minute), 10)
	}
	if r.TicketNum > 0 {
		p["TicketNum"] = r.TicketNum
	}
	if r.TokenType != 0 {
		p["TokenType"] = int64(r.TokenType)
	}
	if r.TokenNum != 0 {
		p["TokenNum"] = r.TokenNum
	}
	globalParam, err := r.GlobalParams.Encode()
	if err != nil {
		return nil, validate.Within(createPrefix, err)
	}
	putString(p, "GlobalParam", globalParam)
	configParam, err := r.Config.Encode()
	if err != nil {
		return nil, validate.Within(createPrefix+".Config", err)
	}
	putString(p, "ConfigParam", configParam)
	return p, nil
}

// TestWireBodyMatchesParamsMap: the body CreateEmbedToken sends is, byte for
// byte, what common wrote for the params map it sent before, over many
// generated valid requests (GlobalParams, ChatBI configs, escapes).
func TestWireBodyMatchesParamsMap(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 4))
	texts := []string{"", "a", "corp-1", "<b>&\"quoted\"</b>", "ünïcode 区域", "line\nbreak\t\u2028\u2029", "\x01ctl"}
	pick := func() string { return texts[rng.IntN(len(texts))] }
	for checked := 0; checked < 2000; {
		req := randomRequest(rng, pick)
		if req.Validate() != nil {
			continue
		}
		params, err := req.params()
		if err != nil {
			t.Fatal(err)
		}
		want, err := tcjson.Marshal(params)
		if err != nil {
			t.Fatal(err)
		}
		w, err := req.keyWire()
		if err != nil {
			t.Fatal(err)
		}
		sent, err := tcjson.Marshal(newWireRequest(ActionCreateEmbedToken, w.appendJSON(nil)))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(sent, want) {
			t.Fatalf("sent %s\nthe params map gives %s", sent, want)
		}
		checked++
	}
}
