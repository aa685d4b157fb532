// Package redisstore lets a fleet of replicas share, through one Redis,
// what each would otherwise keep to itself: the embed tokens of the vendor
// caches (tencent.NewCache, youshu.NewCache), the lock that lets one replica
// mint while the others wait, and the vendor's rate budget.
//
// NewFleet returns both halves for one replica: Fleet.Store goes into
// tokencache.Options.Store, Fleet.Limiter into tencent.WithRateLimiter or
// youshu.WithRateLimiter. Every replica passes the same Options.
//
// Tokens in Redis are live credentials: every entry is sealed with AES-GCM
// under Options.SealKey, bound to its key, and key names hold only HMACs.
// Redis failures degrade and never break: every call is bounded by
// Options.Timeout, a failed call turns the replica to a local fallback for
// Options.Cooldown (its own memory, its share of the rate), errors are
// counted (Fleet.Stats) and logged once per episode.
package redisstore
