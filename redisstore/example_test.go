package redisstore_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/biembed/biembed-go/biembed"
	"github.com/biembed/biembed-go/internal/testkit/redistest"
	"github.com/biembed/biembed-go/redisstore"
	"github.com/biembed/biembed-go/tencent"
	"github.com/biembed/biembed-go/tencent/tencenttest"
	"github.com/biembed/biembed-go/tokencache"
)

// Every replica builds one Fleet on the shared Redis and wires its two
// halves: the Store into its cache, the Limiter into its client. (Here a
// throwaway redis-server and the Tencent fake stand in for yours; without
// redis-server installed the same code still serves, from the replica's
// local fallback.)
func Example() {
	addr := "127.0.0.1:1" // nothing listens: the fleet degrades, it does not break
	if srv, err := redistest.New(); err == nil {
		defer srv.Close()
		addr = srv.Addr()
	}
	rdb := redis.NewClient(&redis.Options{Addr: addr, ContextTimeoutEnabled: true}) // required
	defer rdb.Close()

	sealKey := biembed.NewSecret(strings.Repeat("k", 32)) // in production: 32 random bytes from your secret store
	fleet, err := redisstore.NewFleet(rdb, redisstore.Options{Prefix: "myapp:", SealKey: sealKey, Replicas: 4})
	if err != nil {
		fmt.Println(err)
		return
	}

	fake := tencenttest.NewServer()
	defer fake.Close()
	client, err := tencent.NewClient(tencent.WithSecret(tencenttest.SecretID, tencenttest.SecretKey),
		tencent.WithEndpoint(fake.URL()), tencent.WithRateLimiter(fleet.Limiter))
	if err != nil {
		fmt.Println(err)
		return
	}
	cache, err := tencent.NewCache(client, tokencache.Options{Store: fleet.Store})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer cache.Close()

	ctx := context.Background()
	first, err := cache.Get(ctx, tencent.NewPageRequest(7, 8))
	if err != nil {
		fmt.Println(err)
		return
	}
	again, err := cache.Get(ctx, tencent.NewPageRequest(7, 8))
	fmt.Println("served again:", err == nil && again.Value == first.Value)
	fmt.Println("mints:", fake.Count("CreateEmbedToken"))

	// Mistakes are caught at start-up, naming the field, never its value.
	_, err = redisstore.NewFleet(rdb, redisstore.Options{Prefix: "myapp:", SealKey: biembed.NewSecret("too short")})
	fmt.Println(err)
	// Output:
	// served again: true
	// mints: 1
	// invalid SealKey: must be 16, 24 or 32 bytes (AES-128, -192 or -256): e.g. `openssl rand -hex 32`, hex-decoded
}
