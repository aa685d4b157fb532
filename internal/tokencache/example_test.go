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
