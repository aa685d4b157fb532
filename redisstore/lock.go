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

// releaseScript deletes a lock only if it still holds the token of the
// replica releasing it: a lock that expired and was taken over, or was
// stolen, is left alone.
var releaseScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`)

// Lead tries to make this replica the one that mints key, for LockTTL. led
// is false when another replica holds the lock. While the store keeps to
// its local fallback it always leads (the cache's own single-flight is
// then all there is).
func (s *store) Lead(ctx context.Context, key string, _ time.Duration) (release func(), led bool, err error) {
	if err := s.check(ctx, key); err != nil {
		return nil, false, err
	}
	if s.b.open() {
		return func() {}, true, nil
	}
	kh := s.c.hash(domainKey, key)
	token := make([]byte, 16)
	_, _ = rand.Read(token)
	id := hex.EncodeToString(token)
	err = s.c.call(ctx, &s.b, "lock", func(ctx context.Context) error {
		var err error
		led, err = s.c.rdb.SetNX(ctx, s.lockKey(kh), id, s.c.o.LockTTL).Result()
		return err
	})
	if err != nil {
		return nil, false, err
	}
	if !led {
		return nil, false, nil
	}
	return func() {
		base := context.WithoutCancel(ctx)
		_ = s.c.call(base, &s.b, "unlock", func(ctx context.Context) error {
			return releaseScript.Run(ctx, s.c.rdb, []string{s.lockKey(kh)}, id).Err()
		})
	}, true, nil
}

// Follow waits until the lock on key is gone (released, or expired after
// its holder died), or until the lock it first saw would have expired, or
// ctx ends. It polls with a backoff from 1ms to 50ms.
func (s *store) Follow(ctx context.Context, key string) error {
	if err := s.check(ctx, key); err != nil {
		return err
	}
	if s.b.open() {
		return nil
	}
	kh := s.c.hash(domainKey, key)
	left, err := s.lockLeft(ctx, kh)
	if err != nil || left <= 0 {
		return err
	}
	until := time.Now().Add(left + s.c.o.Timeout)
	for delay := time.Millisecond; ; delay = min(2*delay, 50*time.Millisecond) {
		wait := min(delay, left, time.Until(until))
		if wait <= 0 {
			return nil
		}
		if err := sleep(ctx, wait); err != nil {
			return fmt.Errorf("redisstore: waiting for another replica's mint: %w", err)
		}
		if left, err = s.lockLeft(ctx, kh); err != nil || left <= 0 {
			return err
		}
	}
}

// lockLeft returns how long the lock still lasts; 0 if it is gone.
func (s *store) lockLeft(ctx context.Context, kh string) (time.Duration, error) {
	var left time.Duration
	err := s.c.call(ctx, &s.b, "lock", func(ctx context.Context) error {
		var err error
		left, err = s.c.rdb.PTTL(ctx, s.lockKey(kh)).Result()
		if errors.Is(err, redis.Nil) {
			left, err = 0, nil
		}
		return err
	})
	if err != nil || left < 0 {
		return 0, err
	}
	return max(left, time.Millisecond), nil
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
