package tencent

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/biembed/biembed-go/clientsetting"
	"github.com/biembed/biembed-go/filtermap"
	"github.com/biembed/biembed-go/internal/testkit/benchtest"
	"github.com/biembed/biembed-go/internal/tokencache"
)

// TestRequestKeyMatchesParamsMap: RequestKey gives, byte for byte, the key of
// the map that params sends (the key format caches already hold), over many
// generated valid requests, GlobalParams and ChatBI configs included.
func TestRequestKeyMatchesParamsMap(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	texts := []string{"", "a", "corp-1", "<b>&\"quoted\"</b>", "ünïcode 区域", "line\nbreak\t\u2028\u2029", "\x01ctl"}
	pick := func() string { return texts[rng.IntN(len(texts))] }
	checked := 0
	for checked < 2000 {
		req := randomRequest(rng, pick)
		if req.Validate() != nil {
			continue
		}
		params, err := req.params()
		if err != nil {
			t.Fatal(err)
		}
		want, err := tokencache.KeyOf(params)
		if err != nil {
			t.Fatal(err)
		}
		got, err := RequestKey(req)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("RequestKey(%+v) = %s, the params map gives %s", req, got, want)
		}
		checked++
	}
}

func randomRequest(rng *rand.Rand, pick func() string) *CreateEmbedTokenRequest {
	var req *CreateEmbedTokenRequest
	switch rng.IntN(3) {
	case 0:
		req = NewPageRequest(rng.Uint64N(1<<40)+1, rng.Uint64N(1<<40)+1)
	case 1:
		req = NewDashboardRequest(rng.Uint64() | 1)
	default:
		req = NewChatBIRequest(rng.Uint64N(1000) + 1)
		if rng.IntN(2) == 0 {
			req.Config = clientsetting.NewChatBIConfig(clientsetting.TableFilter("26513", pick()), clientsetting.SQLView(rng.IntN(2) == 0))
		}
	}
	req.Expiry = time.Duration(rng.IntN(241)) * time.Minute
	req.ExtraParam = pick()
	if rng.IntN(4) == 0 {
		req.TicketNum = rng.Int64N(MaxTicketNum) + 1
	}
	switch rng.IntN(4) {
	case 1:
		req.TokenType = TokenTypeNoUser
	case 2:
		req.TokenType, req.UserCorpID, req.UserID = TokenTypeSingleUser, "corp-"+pick(), "user-"+pick()
	case 3:
		req.TokenType, req.UserCorpID, req.UserID, req.TokenNum = TokenTypeMultiUser, "corp", pick()+"u", rng.Int64N(50)+1
	}
	for range rng.IntN(3) {
		req.GlobalParams = append(req.GlobalParams, filtermap.GlobalParam{
			ParamKey: "key" + pick(), JoinType: filtermap.JoinAnd,
			WhereList: []filtermap.Where{{Operator: filtermap.OpIs, Value: []string{pick(), pick()}}, {Operator: filtermap.OpEq, Value: []string{pick()}}},
		})
	}
	return req
}

// BenchmarkRequestKeyInterleaved compares RequestKey (new) with the key of
// params' map through tokencache.KeyOf (old, what RequestKey did before), in
// alternating blocks, without and with a GlobalParam.
func BenchmarkRequestKeyInterleaved(b *testing.B) {
	plain := NewPageRequest(117, 11520)
	plain.Expiry = 30 * time.Minute
	plain.UserCorpID, plain.UserID, plain.TokenType = "corp-1", "user-1", TokenTypeSingleUser
	withParams := *plain
	withParams.GlobalParams = filtermap.GlobalParams{
		{ParamKey: "region", JoinType: filtermap.JoinAnd, WhereList: []filtermap.Where{{Operator: filtermap.OpIs, Value: []string{"East", "North"}}}},
	}
	for name, req := range map[string]*CreateEmbedTokenRequest{"plain": plain, "globalParam": &withParams} {
		b.Run(name, func(b *testing.B) {
			benchtest.Interleave(b, 2000,
				benchtest.Side{Name: "new", Call: func() error { _, err := RequestKey(req); return err }},
				benchtest.Side{Name: "old", Call: func() error {
					if err := req.Validate(); err != nil {
						return err
					}
					params, err := req.params()
					if err != nil {
						return err
					}
					_, err = tokencache.KeyOf(params)
					return err
				}},
			)
		})
	}
}
