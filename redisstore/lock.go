package redisstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"
)

// leadScript takes the lock KEYS[1] for ARGV[2] ms with the token ARGV[1]
// unless another replica holds it. A lock no replica could have set
// (another type, or no expiry: every replica sets one) is taken over.
var leadScript = redis.NewScript(`
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
if redis.call('TYPE', KEYS[1]).ok ~= 'string' or redis.call('PTTL', KEYS[1]) == -1 then
  redis.call('DEL', KEYS[1])
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
`)

// releaseScript deletes a lock only if it still holds the token of the
// replica releasing it: a lock that expired and was taken over, or was
// stolen, is left alone.
var releaseScript = redis.NewScript(`
if redis.pcall('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`)

// holderScript returns the token of the lock KEYS[1], nil when there is
// none, or "" for what no replica sets (another type: Lead takes it over).
var holderScript = redis.NewScript(`
local v = redis.pcall('GET', KEYS[1])
if type(v) == 'table' then return '' end
return v
`)

// Lead tries to make this replica the one that mints key, for LockTTL
// (the ttl a cache asks for is its mint timeout; the fleet's lock lasts
// the same LockTTL on every replica, which is what bounds Follow). led is
// false when another replica holds the lock. While the store keeps to its
// local fallback it always leads (the cache's own single-flight is then all
// there is).
func (s *store) Lead(ctx context.Context, key string, _ time.Duration) (release func(), led bool, err error) {
	if err := s.check(ctx, key); err != nil {
		return nil, false, err
	}
	if s.b.open() {
		return func() {}, true, nil
	}
	lock := s.lockKey(s.c.hash(domainKey, key))
	token := make([]byte, 16)
	_, _ = rand.Read(token)
	id := hex.EncodeToString(token)
	err = s.c.call(ctx, &s.b, "lock", func(ctx context.Context) error {
		n, err := leadScript.Run(ctx, s.c.rdb, []string{lock}, id, s.c.o.LockTTL.Milliseconds()).Int64()
		led = n == 1
		return err
	})
	if err != nil || !led {
		return nil, false, err
	}
	base := context.WithoutCancel(ctx)
	return func() {
		_ = s.c.call(base, &s.b, "unlock", func(ctx context.Context) error {
			return releaseScript.Run(ctx, s.c.rdb, []string{lock}, id).Err()
		})
	}, true, nil
}

// errFollowTimeout is Follow's error when the lead outlasts LockTTL.
var errFollowTimeout = errors.New("redisstore: another replica's mint lock outlasted LockTTL; minting here")

// Follow waits until the lead on key ends (its lock is gone or changed
// hands) or ctx ends, polling with a backoff from 1ms to 50ms. It waits at
// most LockTTL plus Timeout, whatever the lock's own TTL says (a lock
// planted with a long one holds no one longer), then returns an error: the
// cache mints itself and logs it.
func (s *store) Follow(ctx context.Context, key string) error {
	if err := s.check(ctx, key); err != nil {
		return err
	}
	if s.b.open() {
		return nil
	}
	lock := s.lockKey(s.c.hash(domainKey, key))
	first, held, err := s.holder(ctx, lock)
	if err != nil || !held {
		return err
	}
	deadline := time.Now().Add(s.c.o.LockTTL + s.c.o.Timeout)
	for delay := time.Millisecond; ; delay = min(2*delay, 50*time.Millisecond) {
		left := time.Until(deadline)
		if left <= 0 {
			return errFollowTimeout
		}
		if err := sleep(ctx, min(delay, left)); err != nil {
			return err
		}
		now, held, err := s.holder(ctx, lock)
		if err != nil || !held || now != first {
			return err
		}
	}
}

// holder returns the token of the lock, and whether there is one.
func (s *store) holder(ctx context.Context, lock string) (token string, held bool, err error) {
	err = s.c.call(ctx, &s.b, "lock", func(ctx context.Context) error {
		var err error
		token, err = holderScript.Run(ctx, s.c.rdb, []string{lock}).Text()
		held = err == nil
		if errors.Is(err, redis.Nil) {
			err = nil
		}
		return err
	})
	return token, held && err == nil, err
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
