package redisstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// errCoolingDown is what the fleet calls return while the store keeps to
// its local fallback: the engine then mints on its own.
var errCoolingDown = errors.New("redisstore: Redis failed recently; minting locally")

// releaseScript deletes a lock only if it still holds the token of the
// replica releasing it, so a lock that expired and was taken over is left
// alone.
var releaseScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`)

// Lead tries to become the one replica minting key, for ttl (Options.LockTTL
// if set, else ttl, else DefaultLockTTL). led is false when another replica
// holds the lock. release gives the lock up; it is safe to call once the
// lock has expired or been taken over. Any error means "mint locally".
func (s *Store[T]) Lead(ctx context.Context, key string, ttl time.Duration) (release func(), led bool, err error) {
	ttl = s.lockTTL(ttl)
	if !s.useRedis() {
		return nil, false, errCoolingDown
	}
	token := make([]byte, 16)
	_, _ = rand.Read(token)
	id := hex.EncodeToString(token)
	led, err = bounded(ctx, s.opts.Timeout, s.direct, func(ctx context.Context) (bool, error) {
		return s.rdb.SetNX(ctx, s.lockKey(key), id, ttl).Result()
	})
	if err != nil {
		s.fail(ctx, err)
		return nil, false, fmt.Errorf("redisstore: lock: %w", err)
	}
	s.recovered()
	if !led {
		return nil, false, nil
	}
	s.forget(key) // the leader's next Load must see what the last lead saved
	return func() {
		base := context.WithoutCancel(ctx)
		_, err := bounded(base, s.opts.Timeout, s.direct, func(ctx context.Context) (any, error) {
			return nil, releaseScript.Run(ctx, s.rdb, []string{s.lockKey(key)}, id).Err()
		})
		if err != nil {
			s.fail(base, err) // the lock then expires by itself
		}
	}, true, nil
}

// Follow waits until the lock on key is gone (released, or expired after
// its holder died), or until the lock it first saw would have expired, or
// ctx ends. It polls with a backoff from 1ms to 50ms, never sleeping past
// the lock's expiry. A Redis error means "mint locally".
func (s *Store[T]) Follow(ctx context.Context, key string) error {
	defer s.forget(key) // the follower's next Load must see what the lead saved
	if !s.useRedis() {
		return errCoolingDown
	}
	left, err := s.lockLeft(ctx, key)
	if err != nil || left <= 0 {
		return err
	}
	until := time.Now().Add(left + s.opts.Timeout)
	for delay := time.Millisecond; ; delay = min(2*delay, 50*time.Millisecond) {
		wait := min(delay, left, time.Until(until))
		if wait <= 0 {
			return nil // the lock seen first has expired: the caller looks again
		}
		if err := sleep(ctx, wait); err != nil {
			return fmt.Errorf("redisstore: waiting for another replica's mint: %w", err)
		}
		if left, err = s.lockLeft(ctx, key); err != nil || left <= 0 {
			return err
		}
	}
}

// lockLeft returns how long the lock on key still lasts; 0 if it is gone.
func (s *Store[T]) lockLeft(ctx context.Context, key string) (time.Duration, error) {
	left, err := bounded(ctx, s.opts.Timeout, s.direct, func(ctx context.Context) (time.Duration, error) {
		return s.rdb.PTTL(ctx, s.lockKey(key)).Result()
	})
	if err != nil {
		s.fail(ctx, err)
		return 0, fmt.Errorf("redisstore: lock: %w", err)
	}
	s.recovered()
	if left < 0 {
		return 0, nil // -2: no lock; -1 (no expiry) cannot happen with SET PX
	}
	return max(left, time.Millisecond), nil
}

// lockTTL picks the lock's lifetime: Options.LockTTL, else the engine's
// wish, else DefaultLockTTL.
func (s *Store[T]) lockTTL(engine time.Duration) time.Duration {
	switch {
	case s.opts.LockTTL > 0:
		return s.opts.LockTTL
	case engine > 0:
		return engine
	}
	return DefaultLockTTL
}
