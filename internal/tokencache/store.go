package tokencache

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Entry is one cached token with the times that govern its reuse.
type Entry[T any] struct {
	Value     T         // the token
	IssuedAt  time.Time // when it was issued; the lifetime starts here
	ExpiresAt time.Time // when it stops working
}

// Format prints the entry's times and hides its value, so a token cannot
// reach a log through fmt, whatever the verb.
func (e Entry[T]) Format(f fmt.State, _ rune) {
	fmt.Fprintf(f, "tokencache.Entry{Value: <hidden>, IssuedAt: %s, ExpiresAt: %s}",
		e.IssuedAt.Format(time.RFC3339), e.ExpiresAt.Format(time.RFC3339))
}

// Store keeps entries by key. The default keeps them in memory; an
// implementation backed by a shared store (Redis and the like) lets replicas
// reuse each other's tokens. Implementations must be safe for concurrent use
// and fast on Load, which every Get calls.
//
// The Cache treats a Load error as a miss and a Save error as "not cached";
// both are counted in Stats.Errors and the Get goes on.
type Store[T any] interface {
	// Load returns the entry for key and whether there is one.
	Load(ctx context.Context, key string) (Entry[T], bool, error)
	// Save stores e under key, replacing any entry there.
	Save(ctx context.Context, key string, e Entry[T]) error
	// Delete removes the entry for key; a missing key is not an error.
	Delete(ctx context.Context, key string) error
}

// memoryStore is the default Store: a map behind a read-write lock, so hits
// only take the read lock. The Cache bounds its size.
type memoryStore[T any] struct {
	mu      sync.RWMutex
	entries map[string]Entry[T]
}

func newMemoryStore[T any]() *memoryStore[T] {
	return &memoryStore[T]{entries: make(map[string]Entry[T])}
}

func (s *memoryStore[T]) Load(_ context.Context, key string) (Entry[T], bool, error) {
	s.mu.RLock()
	e, ok := s.entries[key]
	s.mu.RUnlock()
	return e, ok, nil
}

func (s *memoryStore[T]) Save(_ context.Context, key string, e Entry[T]) error {
	s.mu.Lock()
	s.entries[key] = e
	s.mu.Unlock()
	return nil
}

func (s *memoryStore[T]) Delete(_ context.Context, key string) error {
	s.mu.Lock()
	delete(s.entries, key)
	s.mu.Unlock()
	return nil
}

func (s *memoryStore[T]) len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.entries)
}
