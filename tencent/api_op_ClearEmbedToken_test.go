package tencent_test

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/biembed/biembed-go/biembed"
	"github.com/biembed/biembed-go/tencent"
	"github.com/biembed/biembed-go/tencent/tencenttest"
)

func TestClearEmbedTokenClearsAndSendsStrings(t *testing.T) {
	t.Parallel()
	client, srv := setup(t, nil)
	req := tencent.NewPageRequest(117, 11520)
	req.TokenType, req.UserCorpID, req.UserID = tencent.TokenTypeSingleUser, "1120", "219301"
	tok := mint(t, client, req)
	other := mint(t, client, tencent.NewPageRequest(117, 11520)) // no user: not cleared

	if err := client.ClearEmbedToken(context.Background(), clearFor(tok)); err != nil {
		t.Fatalf("ClearEmbedToken: %v", err)
	}
	if _, ok := srv.Lookup(tok.Value.Reveal()); ok {
		t.Error("the user's token is still there")
	}
	if _, ok := srv.Lookup(other.Value.Reveal()); !ok {
		t.Error("a token of no user was cleared too")
	}
	reqs := srv.Requests()
	want := map[string]any{"ProjectId": "117", "UserCorpId": "1120", "Scope": "page", "PageId": "11520"}
	if got := reqs[len(reqs)-1]; got.Action != "ClearEmbedToken" || !reflect.DeepEqual(got.Params, want) {
		t.Errorf("wire request %s %#v, want %#v", got.Action, got.Params, want)
	}
}

func TestClearEmbedTokenPanelOmitsPageID(t *testing.T) {
	t.Parallel()
	client, srv := setup(t, nil)
	err := client.ClearEmbedToken(context.Background(), &tencent.ClearEmbedTokenRequest{ProjectID: 3, UserCorpID: "c", Scope: tencent.ScopePanel})
	if err != nil {
		t.Fatalf("ClearEmbedToken: %v", err)
	}
	want := map[string]any{"ProjectId": "3", "UserCorpId": "c", "Scope": "panel"}
	if got := srv.Requests()[0].Params; !reflect.DeepEqual(got, want) {
		t.Errorf("wire params %#v, want %#v", got, want)
	}
}

func TestClearEmbedTokenFalseAndEmpty(t *testing.T) {
	t.Parallel()
	cases := []struct {
		body string
		want error
		code string
	}{
		{`{"Response":{"Data":false,"RequestId":"r"}}`, tencent.ErrFailedOperation, "ClientError.ResultFalse"},
		{`{"Response":{"Data":null,"RequestId":"r"}}`, tencent.ErrMalformedResponse, "ClientError.EmptyResponse"},
		{`{"Response":{"RequestId":"r"}}`, tencent.ErrMalformedResponse, "ClientError.EmptyResponse"},
	}
	for _, c := range cases {
		client, srv := setup(t, nil)
		srv.Inject(tencenttest.Fault{Body: []byte(c.body)})
		err := client.ClearEmbedToken(context.Background(), &tencent.ClearEmbedTokenRequest{ProjectID: 3, UserCorpID: "c", Scope: tencent.ScopePanel})
		if e := asError(t, err); !errors.Is(err, c.want) || e.Code != c.code || e.RequestID != "r" {
			t.Errorf("%s: error = %#v, want %v", c.body, e, c.want)
		}
	}
}

func TestClearEmbedTokenValidation(t *testing.T) {
	t.Parallel()
	cases := []struct {
		req   *tencent.ClearEmbedTokenRequest
		field string
	}{
		{nil, "ClearEmbedTokenRequest"},
		{&tencent.ClearEmbedTokenRequest{UserCorpID: "c", Scope: tencent.ScopePanel}, "ClearEmbedTokenRequest.ProjectID"},
		{&tencent.ClearEmbedTokenRequest{ProjectID: 1, Scope: tencent.ScopePanel}, "ClearEmbedTokenRequest.UserCorpID"},
		{&tencent.ClearEmbedTokenRequest{ProjectID: 1, UserCorpID: "c", Scope: tencent.ScopeProject}, "ClearEmbedTokenRequest.Scope"},
		{&tencent.ClearEmbedTokenRequest{ProjectID: 1, UserCorpID: "c", Scope: tencent.ScopePage}, "ClearEmbedTokenRequest.PageID"},
		{&tencent.ClearEmbedTokenRequest{ProjectID: 1, UserCorpID: "c", Scope: tencent.ScopePanel, PageID: 4}, "ClearEmbedTokenRequest.PageID"},
	}
	client, srv := setup(t, nil)
	for _, c := range cases {
		err := client.ClearEmbedToken(context.Background(), c.req)
		var ve *biembed.ValidationError
		if !errors.As(err, &ve) || ve.Field != c.field {
			t.Errorf("%+v: error = %v, want a validation error on %s", c.req, err, c.field)
		}
	}
	if n := srv.Count("ClearEmbedToken"); n != 0 {
		t.Errorf("%d requests reached the server, want 0", n)
	}
}
