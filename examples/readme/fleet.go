package readme

import (
	"context"
	"encoding/hex"

	"github.com/redis/go-redis/v9"

	"github.com/biembed/biembed-go/biembed"
	"github.com/biembed/biembed-go/redisstore"
)

// Fleet makes one replica's Fleets, one per vendor, on the Redis every
// replica shares, and hands them to wire, which gives each Fleet's Limiter
// to that vendor's client and its Store to that vendor's cache (the fleet
// example shows the whole replica).
func Fleet(ctx context.Context, rdb *redis.Client, sealKeyHex string, wire func(tencentFleet, youshuFleet *redisstore.Fleet) error) error {
	sealKey, err := hex.DecodeString(sealKeyHex) // `openssl rand -hex 32` in your secret store, the same on every replica
	if err != nil {
		return err
	}
	opts := redisstore.Options{Prefix: "myapp:tencent:", SealKey: biembed.NewSecret(string(sealKey))}
	tencentFleet, err := redisstore.NewFleet(rdb, opts)
	if err != nil {
		return err
	}
	opts.Prefix = "myapp:youshu:" // a Fleet per vendor: one Store holds one vendor's tokens
	youshuFleet, err := redisstore.NewFleet(rdb, opts)
	if err != nil {
		return err
	}
	return wire(tencentFleet, youshuFleet) // Limiter: tencent/youshu.WithRateLimiter; Store: tokencache.Options.Store
}
