package readme

import (
	"encoding/hex"
	"errors"

	"github.com/redis/go-redis/v9"

	"github.com/biembed/biembed-go/biembed"
	"github.com/biembed/biembed-go/redisstore"
	"github.com/biembed/biembed-go/tencent"
	"github.com/biembed/biembed-go/tokencache"
	"github.com/biembed/biembed-go/youshu"
)

// Replica is what one replica serves tokens from: both vendors' caches,
// sharing one Fleet.
type Replica struct {
	Tencent *tencent.Cache
	Youshu  *youshu.Cache
}

// Fleet builds one replica's caches on the Redis every replica shares: one
// Fleet gives both clients its rate budget and both caches its Store.
// tencentOpts and youshuOpts are the clients' other options (credentials,
// endpoint).
func Fleet(rdb *redis.Client, sealKeyHex string, tencentOpts []tencent.Option, youshuURL string, youshuOpts []youshu.Option, r *Replica) error {
	sealKey, err := hex.DecodeString(sealKeyHex) // `openssl rand -hex 32` in your secret store, the same on every replica
	if err != nil {
		return err
	}
	fleet, err := redisstore.NewFleet(rdb, redisstore.Options{Prefix: "myapp:", SealKey: biembed.NewSecret(string(sealKey))})
	if err != nil {
		return err
	}
	tencentClient, err1 := tencent.NewClient(append(tencentOpts, tencent.WithRateLimiter(fleet.Limiter))...)
	youshuClient, err2 := youshu.NewClient(youshuURL, append(youshuOpts, youshu.WithRateLimiter(fleet.Limiter))...)
	if err := errors.Join(err1, err2); err != nil {
		return err
	}
	r.Tencent, err1 = tencent.NewCache(tencentClient, tokencache.Options{Store: fleet.Store})
	r.Youshu, err2 = youshu.NewCache(youshuClient, tokencache.Options{Store: fleet.Store})
	return errors.Join(err1, err2)
}
