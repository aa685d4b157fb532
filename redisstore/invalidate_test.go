package redisstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/biembed/biembed-go/internal/testkit/redistest"
	"github.com/biembed/biembed-go/redisstore"
	"github.com/biembed/biembed-go/tencent"
	"github.com/biembed/biembed-go/tokencache"
	"github.com/biembed/biembed-go/youshu"
	"github.com/biembed/biembed-go/youshu/youshutest"
)

// ClearEmbedToken through replica A drops the token replica B minted for
// that user and page, in every replica.
func TestFleetClearEmbedTokenReachesAll(t *testing.T) {
	f := newReplicas(t, 2, fleetConfig{})
	a, b := f.replicas[0], f.replicas[1]
	ctx := context.Background()
	req := userRequest(1)
	req.TokenType, req.UserCorpID, req.UserID = tencent.TokenTypeSingleUser, "corp-1", "user-1"
	first, err := b.cache.Get(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if shared, err := a.cache.Get(ctx, req); err != nil || shared.Value != first.Value {
		t.Fatalf("A did not share B's token: %v", err)
	}
	if err := a.client.ClearEmbedToken(ctx, &tencent.ClearEmbedTokenRequest{ProjectID: first.ProjectID, UserCorpID: first.UserCorpID, Scope: first.Scope, PageID: first.PageID}); err != nil {
		t.Fatalf("ClearEmbedToken: %v", err)
	}
	for name, r := range map[string]*replica{"A": a, "B": b} {
		tok, err := r.cache.Get(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if tok.Value == first.Value {
			t.Fatalf("replica %s served the cleared token", name)
		}
	}
	if f.mints() != 2 {
		t.Fatalf("mints = %d, want 2 (one before the clear, one after for both replicas)", f.mints())
	}
}

// RevokeUser through replica A revokes, at the vendor, the token replica B
// minted: Invalidate hands back what it dropped from Redis.
func TestFleetRevokeUserReachesAll(t *testing.T) {
	f := newReplicas(t, 2, fleetConfig{})
	a, b := f.replicas[0], f.replicas[1]
	ctx := context.Background()
	req := userRequest(1)
	req.TokenType, req.UserCorpID, req.UserID = tencent.TokenTypeSingleUser, "corp-1", "user-1"
	first, err := b.cache.Get(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.cache.RevokeUser(ctx, req); err != nil {
		t.Fatalf("RevokeUser on A: %v", err)
	}
	if n := f.fake.Count("ClearEmbedToken"); n != 1 {
		t.Fatalf("ClearEmbedToken calls = %d, want 1 (A revoked B's token)", n)
	}
	if tok, err := b.cache.Get(ctx, req); err != nil || tok.Value == first.Value {
		t.Fatalf("B after A's RevokeUser: err %v, same token %v", err, tok != nil && tok.Value == first.Value)
	}
}

// RemoveToken through replica A drops the token from every replica: the
// next Get on B mints anew.
func TestFleetRemoveTokenReachesAll(t *testing.T) {
	fake := youshutest.NewTestServer(t)
	srv := redistest.Start(t)
	var caches []*youshu.Cache
	var clients []*youshu.Client
	for range 2 {
		client, err := youshu.NewClient(fake.URL(), youshu.WithInsecureHTTP(), youshu.WithTransport(transport(t)),
			youshu.WithCredential(youshutest.AdminCredential()), youshu.WithRateLimiter(unlimited()))
		if err != nil {
			t.Fatal(err)
		}
		fl := newFleet(t, srv.Client(), redisstore.Options{Prefix: "ys:"})
		cache, err := youshu.NewCache(client, tokencache.Options{Store: fl.Store})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cache.Close() })
		caches, clients = append(caches, cache), append(clients, client)
	}
	ctx := context.Background()
	req := &youshu.GenTokenRequest{Expiry: time.Hour}
	first, err := caches[1].Get(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if shared, err := caches[0].Get(ctx, req); err != nil || shared.Value != first.Value {
		t.Fatalf("A did not share B's token: %v", err)
	}
	if err := clients[0].RemoveToken(ctx, first.Value.Reveal()); err != nil {
		t.Fatalf("RemoveToken: %v", err)
	}
	again, err := caches[1].Get(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if again.Value == first.Value {
		t.Fatal("replica B served the token removed through replica A")
	}
	mints := 0
	for _, r := range fake.Requests() {
		if r.GenToken != nil && r.GenToken.UseType == "" {
			mints++ // not the helper token RemoveToken mints for itself
		}
	}
	if mints != 2 {
		t.Fatalf("embed tokens minted = %d, want 2", mints)
	}
}
