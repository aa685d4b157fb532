package redisstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/biembed/biembed-go/internal/testkit/redistest"
	"github.com/biembed/biembed-go/redisstore"
	"github.com/biembed/biembed-go/tencent"
	"github.com/biembed/biembed-go/youshu"
	"github.com/biembed/biembed-go/youshu/youshutest"
)

// ClearEmbedToken through replica A drops the token replica B minted for
// that user and page, in every replica.
func TestFleetClearEmbedTokenReachesAll(t *testing.T) {
	f := newFleet(t, 2, fleetConfig{})
	a, b := f.replicas[0], f.replicas[1]
	ctx := context.Background()
	req := userRequest(1)
	req.TokenType, req.UserCorpID, req.UserID = tencent.TokenTypeSingleUser, "corp-1", "user-1"
	first, err := b.cache.Get(ctx, "user-1", req)
	if err != nil {
		t.Fatal(err)
	}
	if shared, err := a.cache.Get(ctx, "user-1", req); err != nil || shared.Value != first.Value {
		t.Fatalf("A did not share B's token: %v", err)
	}
	if err := a.client.ClearEmbedToken(ctx, tencent.ClearRequestFor(first)); err != nil {
		t.Fatalf("ClearEmbedToken: %v", err)
	}
	for name, r := range map[string]*replica{"A": a, "B": b} {
		tok, err := r.cache.Get(ctx, "user-1", req)
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

// RemoveToken through replica A drops the token from every replica: the
// next Get on B mints anew.
func TestFleetRemoveTokenReachesAll(t *testing.T) {
	fake := youshutest.NewTestServer(t)
	srv := redistest.Start(t)
	var caches []*youshu.Cache
	var clients []*youshu.Client
	for range 2 {
		client, err := youshu.NewClient(fake.URL(), youshu.WithInsecureHTTP(), youshu.WithCredential(youshutest.AdminCredential()))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(client.CloseIdleConnections)
		store, err := redisstore.NewYoushuStore(srv.Client(), redisstore.Options{Prefix: "ys:", SealKey: testKey(), Timeout: 10 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		cache, err := youshu.NewCache(client, youshu.CacheOptions{Store: store})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cache.Close() })
		caches, clients = append(caches, cache), append(clients, client)
	}
	ctx := context.Background()
	req := &youshu.GenTokenRequest{Expiry: time.Hour}
	first, err := caches[1].Get(ctx, "alice", req)
	if err != nil {
		t.Fatal(err)
	}
	if shared, err := caches[0].Get(ctx, "alice", req); err != nil || shared.Value != first.Value {
		t.Fatalf("A did not share B's token: %v", err)
	}
	if err := clients[0].RemoveToken(ctx, string(first.Value)); err != nil {
		t.Fatalf("RemoveToken: %v", err)
	}
	again, err := caches[1].Get(ctx, "alice", req)
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
