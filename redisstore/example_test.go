package redisstore_test

import (
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/biembed/biembed-go/redisstore"
	"github.com/biembed/biembed-go/tencent"
)

// Every replica wires the same three things to one Redis: the store (shared
// tokens and mint lock) into its Cache, and the rate budget into its Client.
// examples/fleet runs this against a real redis-server.
func Example() {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379", ContextTimeoutEnabled: true}) // connects on first use
	defer rdb.Close()
	sealKey := make([]byte, 32) // in production: 32 random bytes from your secret store, the same on every replica

	budget, err := redisstore.NewRateLimiter(rdb, redisstore.LimiterOptions{Prefix: "myapp:"})
	if err != nil {
		fmt.Println(err)
		return
	}
	client, err := tencent.NewClient(tencent.WithSecret("AKID...", "..."), tencent.WithRateLimiter(budget))
	if err != nil {
		fmt.Println(err)
		return
	}
	store, err := redisstore.NewTencentStore(rdb, redisstore.Options{Prefix: "myapp:", SealKey: sealKey})
	if err != nil {
		fmt.Println(err)
		return
	}
	cache, err := tencent.NewCache(client, tencent.CacheOptions{Store: store})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer cache.Close()
	fmt.Println("replica ready")

	// A wrong-size sealing key is refused before any Redis call.
	_, err = redisstore.NewTencentStore(rdb, redisstore.Options{Prefix: "myapp:", SealKey: []byte("too short")})
	fmt.Println(err)
	// Output:
	// replica ready
	// invalid SealKey: must be 16, 24 or 32 bytes long (AES-128, -192 or -256), not 9
}
