package tencent_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/biembed/biembed-go/biembed"
	"github.com/biembed/biembed-go/biembedtest"
	"github.com/biembed/biembed-go/tencent"
	"github.com/biembed/biembed-go/tencent/tencenttest"
)

func TestApplyEmbedIntervalExtendsToken(t *testing.T) {
	t.Parallel()
	clock := biembedtest.NewClock(time.Now())
	client, srv := setup(t, []tencenttest.Option{tencenttest.WithClock(clock.Now)}, tencent.WithClock(clock.Now))
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
	if got := reqs[len(reqs)-1]; got.Action != "ApplyEmbedInterval" || !reflect.DeepEqual(got.Params, want) {
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
		ProjectID: 1, PageID: 2, BIToken: biembed.NewSecret(unknown), Intention: tencent.IntentionEmbed, Scope: tencent.ScopePage,
	})
	e := asError(t, err)
	if !errors.Is(err, tencent.ErrInvalidParameter) || e.Code != "InvalidParameter.Embed" {
		t.Fatalf("error = %v, want InvalidParameter.Embed", err)
	}
	for _, text := range []string{err.Error(), e.Message, fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
		if strings.Contains(text, unknown) {
			t.Errorf("error text reveals the token: %s", text)
		}
	}
	if !strings.Contains(e.Message, "***") || !strings.Contains(e.Message, "does not exist") {
		t.Errorf("Message %q should mark where the token was", e.Message)
	}
}

func TestApplyEmbedIntervalResultFalse(t *testing.T) {
	t.Parallel()
	client, srv := setup(t, nil)
	srv.Inject(tencenttest.Fault{Body: []byte(`{"Response":{"Data":{"Result":false},"RequestId":"rid-1"}}`)})
	err := client.ApplyEmbedInterval(context.Background(), &tencent.ApplyEmbedIntervalRequest{
		ProjectID: 1, BIToken: biembed.NewSecret("t"), Intention: tencent.IntentionEmbed, Scope: tencent.ScopePanel,
	})
	e := asError(t, err)
	checkSentinels(t, err, tencent.ErrFailedOperation)
	if !strings.HasPrefix(e.Code, "ClientError.") || e.RequestID != "rid-1" || e.HTTPStatus != 200 {
		t.Errorf("error = %#v, want ResultFalse with the request id", e)
	}
}

func TestApplyEmbedIntervalValidation(t *testing.T) {
	t.Parallel()
	valid := func() *tencent.ApplyEmbedIntervalRequest {
		return &tencent.ApplyEmbedIntervalRequest{ProjectID: 1, PageID: 2, BIToken: biembed.NewSecret("t"), Intention: tencent.IntentionEmbed, Scope: tencent.ScopePage}
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
		{"no token", edit(func(r *tencent.ApplyEmbedIntervalRequest) { r.BIToken = biembed.Secret{} }), "ApplyEmbedIntervalRequest.BIToken"},
		{"no intention", edit(func(r *tencent.ApplyEmbedIntervalRequest) { r.Intention = "" }), "ApplyEmbedIntervalRequest.Intention"},
		{"page without page id", edit(func(r *tencent.ApplyEmbedIntervalRequest) { r.PageID = 0 }), "ApplyEmbedIntervalRequest.PageID"},
		{"ChatBI with page scope", edit(func(r *tencent.ApplyEmbedIntervalRequest) { r.Intention = tencent.IntentionChatBI }), "ApplyEmbedIntervalRequest.Scope"},
	}
	client, srv := setup(t, nil)
	for _, c := range cases {
		err := client.ApplyEmbedInterval(context.Background(), c.req)
		var ve *biembed.ValidationError
		if !errors.As(err, &ve) || ve.Field != c.field {
			t.Errorf("%s: error = %v, want a validation error on %s", c.name, err, c.field)
		}
	}
	if n := srv.Count("ApplyEmbedInterval"); n != 0 {
		t.Errorf("%d requests reached the server, want 0", n)
	}
}

// TestApplyEmbedIntervalRequestMasksToken: the token to extend is a
// biembed.Secret, so printing the request, with any verb or slog handler,
// shows it masked.
func TestApplyEmbedIntervalRequestMasksToken(t *testing.T) {
	t.Parallel()
	const value = "300cf2a4-cfb8-47b8-9bc0-4a1f1f74bc1d"
	r := tencent.ApplyEmbedIntervalRequest{ProjectID: 1, BIToken: biembed.NewSecret(value)}
	var logs strings.Builder
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("m", "req", r, "ptr", &r)
	slog.New(slog.NewTextHandler(&logs, nil)).Info("m", "req", r)
	outputs := []string{logs.String()}
	for _, verb := range verbs {
		outputs = append(outputs, fmt.Sprintf(verb, r), fmt.Sprintf(verb, &r))
	}
	for _, s := range outputs {
		if strings.Contains(s, value) || strings.Contains(s, "300cf2a4") {
			t.Errorf("printed form %q shows the token", s)
		}
	}
	if s := fmt.Sprintf("%+v", r); !strings.Contains(s, "BIToken:"+r.BIToken.String()) || !strings.HasPrefix(r.BIToken.String(), "***#") {
		t.Errorf("%%+v = %s, want the token's mask", s)
	}
}
