package tokencache_test

import (
	"context"
	"fmt"
	"time"

	"github.com/biembed/biembed-go/tokencache"
	"github.com/biembed/biembed-go/youshu"
	"github.com/biembed/biembed-go/youshu/youshutest"
)

// A cache serves one token per request and counts what it did; Revoke
// revokes at the vendor, Forget only drops from the cache.
func Example() {
	srv := youshutest.NewServer()
	defer srv.Close()
	client, err := youshu.NewClient(srv.URL(), youshu.WithInsecureHTTP(),
		youshu.WithCredential(youshutest.AdminCredential()))
	if err != nil {
		fmt.Println(err)
		return
	}
	cache, err := youshu.NewCache(client, tokencache.Options{}) // tencent.NewCache alike
	if err != nil {
		fmt.Println(err)
		return
	}
	defer cache.Close()

	ctx := context.Background()
	req := &youshu.GenTokenRequest{AuthUniqueID: youshutest.User().UniqueID, Expiry: time.Hour}
	first, _ := cache.Get(ctx, req)
	again, _ := cache.Get(ctx, req) // a hit: no call to Youshu
	fmt.Println("same token:", first.Value == again.Value)

	if err := cache.Revoke(ctx, req); err != nil { // rmToken, and dropped in every replica
		fmt.Println(err)
	}
	old, _ := srv.Lookup(first.Value.Reveal())
	fresh, _ := cache.Get(ctx, req)
	fmt.Println("old token removed at Youshu:", old.Removed, "new token:", fresh.Value != first.Value)

	s := cache.Stats()
	fmt.Printf("hits %d, mints %d, revokes %d\n", s.Hits, s.Mints, s.Revokes)
	// Output:
	// same token: true
	// old token removed at Youshu: true new token: true
	// hits 1, mints 2, revokes 1
}
