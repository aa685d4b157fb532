package tokencache_test

import (
	"context"
	"fmt"
	"time"

	"github.com/biembed/biembed-go/internal/tokencache"
)

// A cache in front of a mint: three Gets for one user cost one mint.
func Example() {
	mints := 0
	cache, err := tokencache.New(tokencache.Config[string, string]{
		Mint: func(_ context.Context, user string) (string, error) {
			mints++
			return "token-for-" + user, nil
		},
		Lifetime: func(string) (issuedAt, expiresAt time.Time) {
			now := time.Now()
			return now, now.Add(time.Hour)
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer cache.Close()

	key, err := tokencache.KeyOf(map[string]string{"tenant": "acme", "user": "alice"})
	if err != nil {
		fmt.Println(err)
		return
	}
	for range 3 {
		token, err := cache.Get(context.Background(), key, "alice")
		fmt.Println(token, err)
	}
	s := cache.Stats()
	fmt.Println("mints:", mints, "hits:", s.Hits, "misses:", s.Misses)
	// Output:
	// token-for-alice <nil>
	// token-for-alice <nil>
	// token-for-alice <nil>
	// mints: 1 hits: 2 misses: 1
}

// KeyOf hashes a request into a key; map keys are sorted first.
func ExampleKeyOf() {
	a, _ := tokencache.KeyOf(map[string]string{"tenant": "acme", "user": "alice"})
	b, _ := tokencache.KeyOf(map[string]string{"user": "alice", "tenant": "acme"})
	fmt.Println(a == b, a[:7], len(a))
	// Output: true sha256: 71
}

// A fingerprint keeps a token to the request it was minted for, and a tag
// lets one call drop every token of a user, even one still being minted.
func ExampleCache_InvalidateTag() {
	type request struct{ User, Rows string }
	mints := 0
	cache, err := tokencache.New(tokencache.Config[request, string]{
		Mint: func(_ context.Context, r request) (string, error) {
			mints++
			return fmt.Sprintf("token-%d-for-%s-%s", mints, r.User, r.Rows), nil
		},
		Lifetime: func(string) (issuedAt, expiresAt time.Time) {
			now := time.Now()
			return now, now.Add(time.Hour)
		},
		Fingerprint: func(r request) (string, error) { return r.User + "|" + r.Rows, nil },
		Tags:        func(r request) []string { return []string{"user:" + r.User} },
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer cache.Close()
	ctx := context.Background()

	wide, _ := cache.GetFor(ctx, request{"alice", "all"})
	narrow, _ := cache.GetFor(ctx, request{"alice", "east"})
	again, _ := cache.GetFor(ctx, request{"alice", "east"})
	fmt.Println(wide, narrow, again)

	_ = cache.InvalidateTag(ctx, "user:alice") // alice's permissions changed
	fresh, _ := cache.GetFor(ctx, request{"alice", "east"})
	fmt.Println(fresh)
	// Output:
	// token-1-for-alice-all token-2-for-alice-east token-2-for-alice-east
	// token-3-for-alice-east
}
