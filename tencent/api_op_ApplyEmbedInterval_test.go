package tencent_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/biembed/biembed-go/biembedtest"
	"github.com/biembed/biembed-go/internal/validate"
	"github.com/biembed/biembed-go/tencent"
	"github.com/biembed/biembed-go/tencent/tencenttest"
)

func TestApplyEmbedIntervalExtendsToken(t *testing.T) {
	t.Parallel()
	clock := biembedtest.NewClock(time.Now())
	client, srv := setup(t, []tencenttest.Option{tencenttest.WithClock(clock)}, tencent.WithClock(clock))
	req := tencent.NewPageRequest(117, 11520)
	req.Expiry = 30 * time.Minute
	req.ExtraParam = "x"
	tok := mint(t, client, req)
	before, _ := srv.Lookup(tok.Value.Reveal())

	clock.Advance(4 * time.Minute)
	if err := client.ApplyEmbedInterval(context.Background(), tencent.ExtendRequestFor(tok)); err != nil {
		t.Fatalf("ApplyEmbedInterval: %v", err)
	}
	after, _ := srv.Lookup(tok.Value.Reveal())
	if got := after.ExpiresAt.Sub(before.ExpiresAt); got != 4*time.Minute {
		t.Errorf("the fake moved the expiry by %v, want 4m", got)
	}
	reqs := srv.Requests()
	want := map[string]any{
		"ProjectId": json.Number("117"), "PageId": json.Number("11520"), "BIToken": tok.Value.Reveal(),
		"ExtraParam": "x", "Intention": "embed", "Scope": "page",
	}
	if got := reqs[len(reqs)-1]; got.Action != tencent.ActionApplyEmbedInterval || !reflect.DeepEqual(got.Params, want) {
		t.Errorf("wire request %s %#v, want %#v", got.Action, got.Params, want)
	}
}

func TestApplyEmbedIntervalChatBISendsNoPageID(t *testing.T) {
	t.Parallel()
	client, srv := setup(t, nil)
	req := tencent.NewChatBIRequest(5)
	req.TokenType, req.UserCorpID, req.UserID = tencent.TokenTypeSingleUser, "c", "u"
	tok := mint(t, client, req)
	if err := client.ApplyEmbedInterval(context.Background(), tencent.ExtendRequestFor(tok)); err != nil {
		t.Fatalf("ApplyEmbedInterval: %v", err)
	}
	reqs := srv.Requests()
	if _, ok := reqs[len(reqs)-1].Params["PageId"]; ok {
		t.Errorf("ChatBI extension sent a PageId: %#v", reqs[len(reqs)-1].Params)
	}
}

func TestApplyEmbedIntervalScrubsTokenFromServerMessage(t *testing.T) {
	t.Parallel()
	client, _ := setup(t, nil)
	const unknown = "unknown-token-0123456789abcdef"
	err := client.ApplyEmbedInterval(context.Background(), &tencent.ApplyEmbedIntervalRequest{
		ProjectID: 1, PageID: 2, BIToken: unknown, Intention: tencent.IntentionEmbed, Scope: tencent.ScopePage,
	})
	e := asError(t, err)
	if !errors.Is(err, tencent.ErrInvalidParameter) || e.Code != tencent.CodeInvalidParameterEmbed {
		t.Fatalf("error = %v, want InvalidParameter.Embed", err)
	}
	for _, text := range []string{err.Error(), e.Message, fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
		if strings.Contains(text, unknown) {
			t.Errorf("error text reveals the token: %s", text)
		}
	}
	if !strings.Contains(e.Message, "***") {
		t.Errorf("Message %q should mark where the token was", e.Message)
	}
}

func TestApplyEmbedIntervalResultFalse(t *testing.T) {
	t.Parallel()
	client, srv := setup(t, nil)
	srv.Inject(tencenttest.Fault{Body: []byte(`{"Response":{"Data":{"Result":false},"RequestId":"rid-1"}}`)})
	err := client.ApplyEmbedInterval(context.Background(), &tencent.ApplyEmbedIntervalRequest{
		ProjectID: 1, BIToken: "t", Intention: tencent.IntentionEmbed, Scope: tencent.ScopePanel,
	})
	e := asError(t, err)
	if !errors.Is(err, tencent.ErrFailedOperation) || e.Code != tencent.CodeResultFalse || e.RequestID != "rid-1" {
		t.Errorf("error = %#v, want ResultFalse with the request id", e)
	}
}

func TestApplyEmbedIntervalValidation(t *testing.T) {
	t.Parallel()
	valid := func() *tencent.ApplyEmbedIntervalRequest {
		return &tencent.ApplyEmbedIntervalRequest{ProjectID: 1, PageID: 2, BIToken: "t", Intention: tencent.IntentionEmbed, Scope: tencent.ScopePage}
	}
	edit := func(f func(*tencent.ApplyEmbedIntervalRequest)) *tencent.ApplyEmbedIntervalRequest {
		r := valid()
		f(r)
		return r
	}
	cases := []struct {
		name  string
		req   *tencent.ApplyEmbedIntervalRequest
		field string
	}{
		{"nil", nil, "ApplyEmbedIntervalRequest"},
		{"nil token for ExtendRequestFor", tencent.ExtendRequestFor(nil), "ApplyEmbedIntervalRequest"},
		{"no project", edit(func(r *tencent.ApplyEmbedIntervalRequest) { r.ProjectID = 0 }), "ApplyEmbedIntervalRequest.ProjectID"},
		{"no token", edit(func(r *tencent.ApplyEmbedIntervalRequest) { r.BIToken = "" }), "ApplyEmbedIntervalRequest.BIToken"},
		{"no intention", edit(func(r *tencent.ApplyEmbedIntervalRequest) { r.Intention = "" }), "ApplyEmbedIntervalRequest.Intention"},
		{"page without page id", edit(func(r *tencent.ApplyEmbedIntervalRequest) { r.PageID = 0 }), "ApplyEmbedIntervalRequest.PageID"},
		{"ChatBI with page scope", edit(func(r *tencent.ApplyEmbedIntervalRequest) { r.Intention = tencent.IntentionChatBI }), "ApplyEmbedIntervalRequest.Scope"},
	}
	client, srv := setup(t, nil)
	for _, c := range cases {
		err := client.ApplyEmbedInterval(context.Background(), c.req)
		var ve *validate.Error
		if !errors.As(err, &ve) || ve.Field != c.field {
			t.Errorf("%s: error = %v, want a validation error on %s", c.name, err, c.field)
		}
	}
	if n := srv.Count(tencent.ActionApplyEmbedInterval); n != 0 {
		t.Errorf("%d requests reached the server, want 0", n)
	}
}

func TestApplyEmbedIntervalRequestMasksToken(t *testing.T) {
	t.Parallel()
	const value = "300cf2a4-cfb8-47b8-9bc0-4a1f1f74bc1d"
	r := tencent.ApplyEmbedIntervalRequest{ProjectID: 1, BIToken: value}
	for _, s := range []string{fmt.Sprint(r), fmt.Sprintf("%+v", &r), fmt.Sprintf("%#v", r), r.String()} {
		if strings.Contains(s, value) || !strings.Contains(s, "300c…") {
			t.Errorf("printed form %q must show the token masked", s)
		}
	}
}
