package tencent_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/biembed/biembed-go/biembed"
	"github.com/biembed/biembed-go/clientsetting"
	"github.com/biembed/biembed-go/filtermap"
	"github.com/biembed/biembed-go/internal/testkit/seeds"
	"github.com/biembed/biembed-go/tencent"
	"github.com/biembed/biembed-go/tencent/tencenttest"
)

var seedGlobalParams = filtermap.GlobalParams{{
	ParamKey: "province", JoinType: "AND",
	WhereList: []filtermap.Where{{Operator: filtermap.OpIs, Value: []string{"Hubei", "Hunan"}}},
}}

func TestCreateEmbedTokenWireParams(t *testing.T) {
	t.Parallel()
	page := tencent.NewPageRequest(117, 11520)
	page.Expiry = 30 * time.Minute
	page.ExtraParam = "extra"
	page.TicketNum = 10
	page.GlobalParams = seedGlobalParams
	page.TokenType = tencent.TokenTypeSingleUser
	page.UserCorpID, page.UserID = "1120", "219301"

	multi := tencent.NewDashboardRequest(117)
	multi.TokenType, multi.TokenNum = tencent.TokenTypeMultiUser, 5
	multi.UserCorpID, multi.UserID = "1120", "219301"

	chat := tencent.NewChatBIRequest(117)
	chat.Config = clientsetting.NewChatBIConfig(clientsetting.TableFilter("26513"), clientsetting.SQLView(false))
	chat.TokenType = tencent.TokenTypeSingleUser
	chat.UserCorpID, chat.UserID = "1120", "219301"

	cases := []struct {
		name string
		req  *tencent.CreateEmbedTokenRequest
		want map[string]any
	}{
		{"page with every option", page, map[string]any{
			"ProjectId": json.Number("117"), "PageId": json.Number("11520"), "Intention": "embed", "Scope": "page",
			"ExpireTime": "30", "ExtraParam": "extra", "TicketNum": json.Number("10"),
			"GlobalParam": `[{"ParamKey":"province","JoinType":"AND","WhereList":[{"Operator":"-is","Value":["Hubei","Hunan"]}]}]`,
			"TokenType":   json.Number("200"), "UserCorpId": "1120", "UserId": "219301",
		}},
		{"dashboard sends PageId 0", tencent.NewDashboardRequest(117), map[string]any{
			"ProjectId": json.Number("117"), "PageId": json.Number("0"), "Intention": "embed", "Scope": "panel",
		}},
		{"multi-user tokens", multi, map[string]any{
			"ProjectId": json.Number("117"), "PageId": json.Number("0"), "Intention": "embed", "Scope": "panel",
			"TokenType": json.Number("300"), "TokenNum": json.Number("5"), "UserCorpId": "1120", "UserId": "219301",
		}},
		{"ChatBI sends no PageId", chat, map[string]any{
			"ProjectId": json.Number("117"), "Intention": "chatBIEmbed", "Scope": "project",
			"ConfigParam": strings.TrimSpace(string(seeds.TencentConfigParam)),
			"TokenType":   json.Number("200"), "UserCorpId": "1120", "UserId": "219301",
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			client, srv := setup(t, nil)
			tok := mint(t, client, c.req)
			reqs := srv.Requests()
			if len(reqs) != 1 || reqs[0].Action != "CreateEmbedToken" {
				t.Fatalf("requests = %+v, want one CreateEmbedToken", reqs)
			}
			if !reflect.DeepEqual(reqs[0].Params, c.want) {
				t.Errorf("wire params\n got %#v\nwant %#v", reqs[0].Params, c.want)
			}
			if tok.Value.Reveal() == "" || tok.ProjectID != 117 || tok.Scope != c.req.Scope || tok.Intention != c.req.Intention {
				t.Errorf("token %v does not echo the request", tok)
			}
		})
	}
}

func TestCreateEmbedTokenDecodesDocumentedAnswer(t *testing.T) {
	t.Parallel()
	sent := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	client, srv := setup(t, nil, tencent.WithClock(func() time.Time { return sent }),
		tencent.WithEmbedHost("https://bi.example.com/tcbi/"))
	srv.Inject(tencenttest.Fault{Body: seeds.TencentCreateEmbedTokenResponse})

	tok := mint(t, client, tencent.NewDashboardRequest(1))

	created := time.Date(2022, 4, 28, 14, 26, 1, 0, time.FixedZone("CST", 8*3600))
	want := tencent.EmbedToken{
		ID: 11, Value: biembed.NewSecret("300cf2a4-cfb8-47b8-9bc0-4a1f1f74bc1d"), ProjectID: 1, Scope: tencent.ScopePanel,
		Intention: tencent.IntentionEmbed, Expiry: 10 * time.Minute, CreatedAt: created, UpdatedAt: created,
		GlobalParams: filtermap.GlobalParams{{ParamKey: "province", JoinType: "and", WhereList: []filtermap.Where{{
			Operator: filtermap.OpIs,
			Value:    []string{"Chongqing City", "Hubei Province", "Hunan Province", "Sichuan Province"},
		}}}},
		RequestID: "adfacf71-c59c-4569-897d-955a1e41ee89", ExpiresAt: sent.Add(10 * time.Minute),
		EmbedHost: "https://bi.example.com/tcbi",
	}
	if !reflect.DeepEqual(*tok, want) {
		t.Errorf("token\n got %+v\nwant %+v", *tok, want)
	}
	if !tok.CreatedAt.Equal(time.Date(2022, 4, 28, 6, 26, 1, 0, time.UTC)) {
		t.Errorf("CreatedAt = %v, want 06:26:01 UTC", tok.CreatedAt)
	}
}

func TestCreateEmbedTokenExpiresAt(t *testing.T) {
	t.Parallel()
	sent := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	answer := func(expire string) []byte {
		return []byte(`{"Response":{"RequestId":"r","Data":{"BIToken":"tok-0123456789abcdef","ProjectId":"1","Scope":"panel","ExpireTime":` + expire + `}}}`)
	}
	cases := []struct {
		name      string
		requested time.Duration
		wire      string
		want      time.Duration
	}{
		{"answer only", 0, "10", 10 * time.Minute},
		{"request shorter than answer", 30 * time.Minute, "240", 30 * time.Minute},
		{"answer shorter than request", 30 * time.Minute, "10", 10 * time.Minute},
		{"neither: the service's maximum", 0, "null", 240 * time.Minute},
		{"answer as string", 0, `"15"`, 15 * time.Minute},
		{"request only", 20 * time.Minute, "0", 20 * time.Minute},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			client, srv := setup(t, nil, tencent.WithClock(func() time.Time { return sent }))
			srv.Inject(tencenttest.Fault{Body: answer(c.wire)})
			req := tencent.NewDashboardRequest(1)
			req.Expiry = c.requested
			tok := mint(t, client, req)
			if got := tok.ExpiresAt.Sub(sent); got != c.want || tok.Expiry != c.want {
				t.Errorf("ExpiresAt - sent = %v, Expiry = %v, want %v", got, tok.Expiry, c.want)
			}
		})
	}
}

func TestCreateEmbedTokenToleratesUnparsableEchoes(t *testing.T) {
	t.Parallel()
	client, srv := setup(t, nil)
	srv.Inject(tencenttest.Fault{Body: []byte(`{"Response":{"RequestId":"r","Data":{"BIToken":"tok-0123456789abcdef",` +
		`"ProjectId":7,"PageId":"9","Scope":"page","GlobalParam":"not json","ConfigParam":"{bad","CreatedAt":"yesterday"}}}`)})
	tok := mint(t, client, tencent.NewPageRequest(7, 9))
	if tok.GlobalParams != nil || tok.Config != nil {
		t.Errorf("echoes: GlobalParams=%v Config=%v, want nil for unparsable ones", tok.GlobalParams, tok.Config)
	}
	if tok.ProjectID != 7 || tok.PageID != 9 || !tok.CreatedAt.IsZero() {
		t.Errorf("ProjectID=%d PageID=%d CreatedAt=%v", tok.ProjectID, tok.PageID, tok.CreatedAt)
	}
}

func TestCreateEmbedTokenValidation(t *testing.T) {
	t.Parallel()
	with := func(base *tencent.CreateEmbedTokenRequest, edit func(*tencent.CreateEmbedTokenRequest)) *tencent.CreateEmbedTokenRequest {
		edit(base)
		return base
	}
	page := func() *tencent.CreateEmbedTokenRequest { return tencent.NewPageRequest(1, 2) }
	users := func(r *tencent.CreateEmbedTokenRequest) { r.UserCorpID, r.UserID = "c", "u" }
	cases := []struct {
		name  string
		req   *tencent.CreateEmbedTokenRequest
		field string
	}{
		{"nil request", nil, "CreateEmbedTokenRequest"},
		{"no project", tencent.NewPageRequest(0, 2), "CreateEmbedTokenRequest.ProjectID"},
		{"page without page id", tencent.NewPageRequest(1, 0), "CreateEmbedTokenRequest.PageID"},
		{"panel with page id", with(tencent.NewDashboardRequest(1), func(r *tencent.CreateEmbedTokenRequest) { r.PageID = 3 }), "CreateEmbedTokenRequest.PageID"},
		{"ChatBI with page id", with(tencent.NewChatBIRequest(1), func(r *tencent.CreateEmbedTokenRequest) { r.PageID = 3 }), "CreateEmbedTokenRequest.PageID"},
		{"ChatBI with page scope", with(tencent.NewChatBIRequest(1), func(r *tencent.CreateEmbedTokenRequest) { r.Scope = tencent.ScopePage }), "CreateEmbedTokenRequest.Scope"},
		{"embed with project scope", with(page(), func(r *tencent.CreateEmbedTokenRequest) { r.Scope = tencent.ScopeProject }), "CreateEmbedTokenRequest.Scope"},
		{"unknown intention", with(page(), func(r *tencent.CreateEmbedTokenRequest) { r.Intention = "view" }), "CreateEmbedTokenRequest.Intention"},
		{"missing intention", &tencent.CreateEmbedTokenRequest{ProjectID: 1, PageID: 2, Scope: tencent.ScopePage}, "CreateEmbedTokenRequest.Intention"},
		{"unknown scope", with(page(), func(r *tencent.CreateEmbedTokenRequest) { r.Scope = "site" }), "CreateEmbedTokenRequest.Scope"},
		{"expiry not whole minutes", with(page(), func(r *tencent.CreateEmbedTokenRequest) { r.Expiry = 90 * time.Second }), "CreateEmbedTokenRequest.Expiry"},
		{"expiry too long", with(page(), func(r *tencent.CreateEmbedTokenRequest) { r.Expiry = 241 * time.Minute }), "CreateEmbedTokenRequest.Expiry"},
		{"expiry negative", with(page(), func(r *tencent.CreateEmbedTokenRequest) { r.Expiry = -time.Minute }), "CreateEmbedTokenRequest.Expiry"},
		{"ticket num negative", with(page(), func(r *tencent.CreateEmbedTokenRequest) { r.TicketNum = -1 }), "CreateEmbedTokenRequest.TicketNum"},
		{"ticket num too high", with(page(), func(r *tencent.CreateEmbedTokenRequest) { r.TicketNum = 100000 }), "CreateEmbedTokenRequest.TicketNum"},
		{"unknown token type", with(page(), func(r *tencent.CreateEmbedTokenRequest) { r.TokenType = 150 }), "CreateEmbedTokenRequest.TokenType"},
		{"single user without corp", with(page(), func(r *tencent.CreateEmbedTokenRequest) {
			r.TokenType, r.UserID = tencent.TokenTypeSingleUser, "u"
		}), "CreateEmbedTokenRequest.UserCorpID"},
		{"multi user without user", with(page(), func(r *tencent.CreateEmbedTokenRequest) {
			r.TokenType, r.UserCorpID, r.TokenNum = tencent.TokenTypeMultiUser, "c", 2
		}), "CreateEmbedTokenRequest.UserID"},
		{"ChatBI with no-user token", with(tencent.NewChatBIRequest(1), func(r *tencent.CreateEmbedTokenRequest) { r.TokenType = tencent.TokenTypeNoUser }), "CreateEmbedTokenRequest.TokenType"},
		{"multi user without token num", with(page(), func(r *tencent.CreateEmbedTokenRequest) {
			users(r)
			r.TokenType = tencent.TokenTypeMultiUser
		}), "CreateEmbedTokenRequest.TokenNum"},
		{"token num without multi user", with(page(), func(r *tencent.CreateEmbedTokenRequest) {
			users(r)
			r.TokenType, r.TokenNum = tencent.TokenTypeSingleUser, 2
		}), "CreateEmbedTokenRequest.TokenNum"},
		{"bad global param", with(page(), func(r *tencent.CreateEmbedTokenRequest) {
			r.GlobalParams = filtermap.GlobalParams{{ParamKey: "", JoinType: "AND"}}
		}), "CreateEmbedTokenRequest.GlobalParam[0].ParamKey"},
		{"bad config", with(tencent.NewChatBIRequest(1), func(r *tencent.CreateEmbedTokenRequest) {
			r.Config = clientsetting.NewChatBIConfig(clientsetting.TableFilter())
		}), "CreateEmbedTokenRequest.Config.ChatBIConfigList[0].ConfigDetails.Values"},
	}
	client, srv := setup(t, nil)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := client.CreateEmbedToken(context.Background(), c.req)
			var ve *biembed.ValidationError
			if !errors.As(err, &ve) || ve.Field != c.field {
				t.Fatalf("error = %v, want a validation error on %s", err, c.field)
			}
			if !errors.Is(err, biembed.ErrInvalid) {
				t.Errorf("%v does not match biembed.ErrInvalid", err)
			}
		})
	}
	//lint:ignore SA1012 a nil ctx must be refused, not panic
	if _, err := client.CreateEmbedToken(nil, page()); !errors.Is(err, biembed.ErrInvalid) {
		t.Errorf("nil ctx: error = %v, want a validation error", err)
	}
	if n := srv.Count("CreateEmbedToken"); n != 0 {
		t.Errorf("%d requests reached the server, want 0", n)
	}
}

func TestCreateEmbedTokenMintsUniqueTokens(t *testing.T) {
	t.Parallel()
	client, srv := setup(t, nil)
	a := mint(t, client, tencent.NewPageRequest(1, 2))
	b := mint(t, client, tencent.NewPageRequest(1, 2))
	if a.Value.Reveal() == b.Value.Reveal() || a.ID == b.ID {
		t.Errorf("two mints gave the same token: %v %v", a, b)
	}
	if _, ok := srv.Lookup(a.Value.Reveal()); !ok {
		t.Error("the fake does not know the first token")
	}
}
