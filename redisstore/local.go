package redisstore

import (
	"context"
	"sync"
	"time"

	"github.com/biembed/biembed-go/tokencache"
)

// local is the store's fallback while Redis is unavailable:
// tokencache.NewMemoryStore(0, Cooldown), which forgets an entry Cooldown
// after it was saved. It keeps the save times on the Fleet's clock too, so
// that the bound holds on Options.Now as well (tests): a replica cut off
// from Redis serves what it saved itself for at most Cooldown, whatever was
// invalidated meanwhile elsewhere.
type local struct {
	now    func() time.Time
	maxAge time.Duration
	mem    tokencache.Store

	mu    sync.Mutex
	saved map[string]time.Time // key -> when it was saved (now)
}

func newLocal(now func() time.Time, maxAge time.Duration) *local {
	return &local{now: now, maxAge: maxAge, mem: tokencache.NewMemoryStore(0, maxAge), saved: map[string]time.Time{}}
}

// maxSaved bounds the save times kept: twice what the memory store keeps.
const maxSaved = 2 * 10_000

func (l *local) Load(ctx context.Context, key string) (tokencache.Entry, bool, error) {
	l.mu.Lock()
	at, ok := l.saved[key]
	l.mu.Unlock()
	if !ok || !l.now().Before(at.Add(l.maxAge)) {
		return tokencache.Entry{}, false, nil
	}
	return l.mem.Load(ctx, key)
}

func (l *local) Epoch(ctx context.Context, key string, tags []string) (uint64, error) {
	return l.mem.Epoch(ctx, key, tags)
}

func (l *local) Save(ctx context.Context, key string, e tokencache.Entry) error {
	if err := l.mem.Save(ctx, key, e); err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.saved) >= maxSaved {
		clear(l.saved) // forgetting a save time only makes its entry a miss
	}
	l.saved[key] = l.now()
	return nil
}

func (l *local) Invalidate(ctx context.Context, keys, tags []string) ([]tokencache.Entry, error) {
	dropped, err := l.mem.Invalidate(ctx, keys, tags)
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, k := range keys {
		delete(l.saved, k)
	}
	for _, e := range dropped {
		delete(l.saved, e.Key)
	}
	return dropped, err
}
