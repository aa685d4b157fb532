package redisstore

import (
	"sync"

	"github.com/biembed/biembed-go/internal/tokencache"
)

// memoMax bounds the memo; when full it starts over.
const memoMax = 10_000

// memo remembers the last entry decoded for each key with the exact bytes
// it came from. Every Load still reads Redis; only when Redis returns the
// same bytes again is the decoding (JSON, AES-GCM) skipped. So it never
// serves anything Redis no longer holds: it is not a cache in front of Redis.
type memo[T any] struct {
	mu      sync.RWMutex
	entries map[string]memoEntry[T]
}

type memoEntry[T any] struct {
	blob  string
	entry tokencache.Entry[T]
}

func (m *memo[T]) get(key string, blob []byte) (tokencache.Entry[T], bool) {
	m.mu.RLock()
	me, ok := m.entries[key]
	m.mu.RUnlock()
	if !ok || me.blob != string(blob) {
		return tokencache.Entry[T]{}, false
	}
	return me.entry, true
}

func (m *memo[T]) put(key string, blob []byte, e tokencache.Entry[T]) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.entries == nil || len(m.entries) >= memoMax {
		m.entries = make(map[string]memoEntry[T])
	}
	m.entries[key] = memoEntry[T]{blob: string(blob), entry: e}
}
