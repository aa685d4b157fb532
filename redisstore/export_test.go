package redisstore

import (
	"context"
	"time"

	"github.com/biembed/biembed-go/biembed"
	"github.com/biembed/biembed-go/tokencache"
)

// SetSleep makes f's limiter sleep with fn (a virtual clock's) instead of a
// timer.
func SetSleep(f *Fleet, fn func(ctx context.Context, d time.Duration) error) {
	f.Limiter.(*limiter).sleep = fn
}

// Names returns the Redis names f gives key's entry, key's counter,
// tag's counter, tag's index set and key's lock.
func Names(f *Fleet, key, tag string) (entry, keyEpoch, tagEpoch, tagIndex, lock string) {
	s := f.Store.(*store)
	kh, th := s.c.hash(domainKey, key), s.c.hash(domainTag, tag)
	return s.c.name("e:", kh), s.c.name("ck:", kh), s.c.name("ct:", th), s.c.name("x:", th), s.c.name("l:", kh)
}

// RateKey returns the Redis name of action's GCRA key.
func RateKey(f *Fleet, action string) string { return f.c.o.Prefix + "r:" + action }

// NilStore and NilLimiter are the unexported types' nil pointers, as a
// caller could never make them but a bug could.
func NilStore() tokencache.Store      { return (*store)(nil) }
func NilLimiter() biembed.RateLimiter { return (*limiter)(nil) }
