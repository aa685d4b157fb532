package tokencache

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"slices"
	"sync"
	"time"
)

// Entry is one cached token with the times that govern its reuse and what
// the Store needs to invalidate it.
type Entry[T any] struct {
	Value       T         // the token
	IssuedAt    time.Time // when it was issued; the lifetime starts here
	ExpiresAt   time.Time // when it stops working
	Fingerprint string    // fingerprint of the request the token was minted for (Config.Fingerprint)
	ID          string    // the token's identity (Config.ID), for InvalidateValue
	Tags        []string  // request-derived invalidation tags (Config.Tags)
	Epoch       uint64    // Store.Epoch(key, Tags) read when the mint began
}

// Format prints the entry's times and hides its value and identity, so a
// token cannot reach a log through fmt, whatever the verb.
func (e Entry[T]) Format(f fmt.State, _ rune) {
	fmt.Fprintf(f, "tokencache.Entry{Value: <hidden>, ID: <hidden>, IssuedAt: %s, ExpiresAt: %s, Tags: %d, Epoch: %d}",
		e.IssuedAt.Format(time.RFC3339), e.ExpiresAt.Format(time.RFC3339), len(e.Tags), e.Epoch)
}

// Target names what an invalidation drops.
type Target struct {
	Keys []string // cache keys
	Tags []string // every entry saved with one of these tags
	IDs  []string // the entry whose token has one of these identities
}

// ErrStale is returned by Store.Save when the key or one of the entry's tags
// was invalidated after the mint began (Entry.Epoch): the token may already
// be revoked, so it is not stored.
var ErrStale = errors.New("tokencache: entry invalidated while it was minted")

// Store keeps entries by key. The default keeps them in memory; an
// implementation backed by a shared store (Redis and the like) lets replicas
// reuse each other's tokens. Implementations must be safe for concurrent use
// and fast on Load, which every Get calls.
//
// The Cache treats a Load error as a miss and a Save error as "not cached";
// both are counted in Stats.Errors and the Get goes on. ErrStale from Save is
// counted in Stats.StaleSaves instead.
type Store[T any] interface {
	// Load returns the entry for key and whether there is one.
	Load(ctx context.Context, key string) (Entry[T], bool, error)
	// Epoch returns a number that grows every time key or one of tags is
	// invalidated.
	Epoch(ctx context.Context, key string, tags []string) (uint64, error)
	// Save stores e under key (indexed by e.ID and e.Tags), replacing any
	// entry there, unless Epoch(key, e.Tags) has moved past e.Epoch since
	// the mint began: then it stores nothing and returns ErrStale.
	Save(ctx context.Context, key string, e Entry[T]) error
	// Delete drops key (eviction; no epoch change). A missing key is not an
	// error.
	Delete(ctx context.Context, key string) error
	// Invalidate advances the epoch of every key and tag in t and deletes
	// the entries under t.Keys, those saved with one of t.Tags and those
	// whose ID is in t.IDs.
	Invalidate(ctx context.Context, t Target) error
}

// epochSlots is how many epoch counters the memory store keeps. Keys and tags
// hash onto them, so the memory they take is fixed however many keys are
// invalidated; two names sharing a slot only make a save stale needlessly.
const epochSlots = 4096

// memoryStore is the default Store: a map behind a read-write lock, so hits
// only take the read lock. The Cache bounds its size. Identities are
// indexed; tags are not (an index would cost about 100 bytes an entry):
// invalidating a tag, which is rare (an administrator clears a user's
// tokens), scans the entries.
type memoryStore[T any] struct {
	seed maphash.Seed

	mu      sync.RWMutex
	entries map[string]*memEntry[T] // never changed once stored: replaced
	byID    map[string]string       // token identity -> key
	epochs  [epochSlots]uint64      // invalidation counters, by hash of key or tag
}

// NewMemoryStore returns the in-memory Store a Cache uses by default, for
// wrapping in a Store of one's own.
func NewMemoryStore[T any]() Store[T] { return newMemoryStore[T]() }

func newMemoryStore[T any]() *memoryStore[T] {
	return &memoryStore[T]{
		seed:    maphash.MakeSeed(),
		entries: make(map[string]*memEntry[T]),
		byID:    make(map[string]string),
	}
}

// memEntry is an Entry as the memory store keeps it: times as Unix seconds
// and nanoseconds (UTC on the way out) take 24 bytes instead of 48, and the
// map holds a pointer, which keeps its slots small.
type memEntry[T any] struct {
	value                   T
	fingerprint, id         string
	tags                    []string
	epoch                   uint64
	issuedSec, expiresSec   int64
	issuedNsec, expiresNsec int32
}

func newMemEntry[T any](e Entry[T]) *memEntry[T] {
	return &memEntry[T]{value: e.Value, fingerprint: e.Fingerprint, id: e.ID, tags: e.Tags, epoch: e.Epoch,
		issuedSec: e.IssuedAt.Unix(), issuedNsec: int32(e.IssuedAt.Nanosecond()),
		expiresSec: e.ExpiresAt.Unix(), expiresNsec: int32(e.ExpiresAt.Nanosecond())}
}

func (m *memEntry[T]) entry() Entry[T] {
	return Entry[T]{Value: m.value, Fingerprint: m.fingerprint, ID: m.id, Tags: m.tags, Epoch: m.epoch,
		IssuedAt:  time.Unix(m.issuedSec, int64(m.issuedNsec)).UTC(),
		ExpiresAt: time.Unix(m.expiresSec, int64(m.expiresNsec)).UTC()}
}

func (s *memoryStore[T]) Load(_ context.Context, key string) (Entry[T], bool, error) {
	s.mu.RLock()
	m := s.entries[key]
	s.mu.RUnlock()
	if m == nil {
		return Entry[T]{}, false, nil
	}
	return m.entry(), true, nil
}

func (s *memoryStore[T]) Epoch(_ context.Context, key string, tags []string) (uint64, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.epochLocked(key, tags), nil
}

// epochLocked sums the counters of key and tags: the sum grows whenever one
// of them is invalidated.
func (s *memoryStore[T]) epochLocked(key string, tags []string) uint64 {
	n := s.epochs[s.slot('k', key)]
	for _, t := range tags {
		n += s.epochs[s.slot('t', t)]
	}
	return n
}

// slot is where the counter of a key (kind 'k') or a tag (kind 't') lives.
func (s *memoryStore[T]) slot(kind byte, name string) uint64 {
	var h maphash.Hash
	h.SetSeed(s.seed)
	_ = h.WriteByte(kind)
	_, _ = h.WriteString(name)
	return h.Sum64() % epochSlots
}

func (s *memoryStore[T]) Save(_ context.Context, key string, e Entry[T]) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.epochLocked(key, e.Tags) > e.Epoch {
		return ErrStale
	}
	s.deleteLocked(key)
	s.entries[key] = newMemEntry(e)
	if e.ID != "" {
		s.byID[e.ID] = key
	}
	return nil
}

func (s *memoryStore[T]) Delete(_ context.Context, key string) error {
	s.mu.Lock()
	s.deleteLocked(key)
	s.mu.Unlock()
	return nil
}

func (s *memoryStore[T]) Invalidate(_ context.Context, t Target) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range t.Keys {
		s.epochs[s.slot('k', k)]++
		s.deleteLocked(k)
	}
	for _, tag := range t.Tags {
		s.epochs[s.slot('t', tag)]++
	}
	if len(t.Tags) > 0 {
		for k, m := range s.entries {
			if hasAny(m.tags, t.Tags) {
				s.deleteLocked(k) // deleting while ranging is allowed
			}
		}
	}
	for _, id := range t.IDs {
		if k, ok := s.byID[id]; ok {
			s.deleteLocked(k)
		}
	}
	return nil
}

// deleteLocked drops key and its ID link.
func (s *memoryStore[T]) deleteLocked(key string) {
	m, ok := s.entries[key]
	if !ok {
		return
	}
	delete(s.entries, key)
	if m.id != "" && s.byID[m.id] == key {
		delete(s.byID, m.id)
	}
}

// hasAny reports whether tags holds one of want.
func hasAny(tags, want []string) bool {
	for _, t := range tags {
		if slices.Contains(want, t) {
			return true
		}
	}
	return false
}

func (s *memoryStore[T]) len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.entries)
}
