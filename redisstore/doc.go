// Package redisstore lets a fleet of replicas share, through one Redis, what
// each would otherwise keep to itself: the embed tokens of tencent.Cache and
// youshu.Cache (Store), the lock that lets one replica mint while the others
// wait (Store implements the cache engine's fleet single-flight), and the
// vendor's rate budget (RateLimiter).
//
// Tokens in Redis are live credentials: pass a SealKey and every entry is
// sealed with AES-GCM, bound to its key. Redis failures degrade and never
// break: every call is bounded by a short timeout, a failed call makes the
// caller fall back to its own process (local single-flight, local limiter),
// errors are counted, and the next call tries Redis again.
//
// All keys live under a Prefix. Multi-key scripts need every key in one hash
// slot on Redis Cluster: there, give a Prefix with a hash tag, such as
// "{biembed}:".
package redisstore

import (
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/biembed/biembed-go/internal/validate"
)

// ValidationError is the error bad input gets, naming the field.
type ValidationError = validate.Error

// DefaultTimeout bounds each Redis call unless the options say otherwise.
// A Redis that answers slower than this counts as down for that call.
const DefaultTimeout = 100 * time.Millisecond

// Clock tells the time; tests pass a manual clock.
type Clock interface{ Now() time.Time }

// checkClient rejects a nil client, including a typed nil pointer.
func checkClient(rdb redis.UniversalClient) error {
	switch c := rdb.(type) {
	case nil:
		return validate.Fieldf("rdb", "must not be nil")
	case *redis.Client:
		if c == nil {
			return validate.Fieldf("rdb", "must not be nil")
		}
	case *redis.ClusterClient:
		if c == nil {
			return validate.Fieldf("rdb", "must not be nil")
		}
	}
	return nil
}

// checkPrefix rejects an empty prefix: keys without one collide with
// whatever else lives in the Redis.
func checkPrefix(prefix string) error {
	if prefix == "" {
		return validate.Fieldf("Prefix", "must not be empty (it keeps these keys apart from the rest of the Redis)")
	}
	return nil
}
