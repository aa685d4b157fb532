package tokencache

import (
	"context"
	"errors"
	"hash/maphash"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/biembed/biembed-go/biembed"
)

// ErrStale is what Store.Save returns when the key or one of the entry's
// tags was invalidated after Epoch was read for the mint: the token may
// already be revoked, so it is not stored.
var ErrStale = errors.New("tokencache: entry invalidated while it was minted")

// Entry is one token as a Store keeps it.
type Entry struct {
	Key       string         // the key it is saved under (set on what Invalidate returns)
	Token     biembed.Secret // the encoded token: a live credential
	IssuedAt  time.Time      // when it was issued; its lifetime starts here
	ExpiresAt time.Time      // when it stops working
	ID        string         // a hash of the token's value, never the value
	Tags      []string       // the groups it belongs to (its user, what a vendor revocation reaches)
	Epoch     uint64         // Store.Epoch(key, Tags) read when its mint began
}

// Store keeps a Cache's entries where several replicas can share them
// (package redisstore keeps them in Redis). Without one a Cache keeps its
// tokens in memory. Implementations must be safe for concurrent use and
// protect entries as the live credentials they are.
//
// A Cache treats a Load error as a miss and a Save error as "not cached",
// counts both (EventError) and goes on; Invalidate's error is returned to
// the caller, since other replicas may then still serve what was dropped.
type Store interface {
	// Load returns the entry under key and whether there is one.
	Load(ctx context.Context, key string) (Entry, bool, error)
	// Epoch returns a number that grows every time key or one of tags is
	// invalidated.
	Epoch(ctx context.Context, key string, tags []string) (uint64, error)
	// Save stores e under key, replacing any entry there, unless
	// Epoch(key, e.Tags) has moved past e.Epoch: then it stores nothing and
	// returns ErrStale.
	Save(ctx context.Context, key string, e Entry) error
	// Invalidate advances the epochs of keys and tags and deletes the
	// entries under keys or saved with one of tags (an entry's ID counts as
	// a tag here), returning what it deleted.
	Invalidate(ctx context.Context, keys, tags []string) ([]Entry, error)
	// Lead tries to make this replica the one that mints key, for ttl.
	// led is false when another replica leads; release ends the lead.
	Lead(ctx context.Context, key string, ttl time.Duration) (release func(), led bool, err error)
	// Follow waits until the lead on key ends or ctx does.
	Follow(ctx context.Context, key string) error
}

// NewMemoryStore returns a Store in this process's memory: the one a Cache
// uses by default, offered for fallbacks and tests. It keeps at most
// maxEntries entries (dropping expired ones, then those that expire
// soonest; 0 means defaultMaxEntries), and with maxAge > 0 it forgets an
// entry maxAge after it was saved. Lead always leads.
func NewMemoryStore(maxEntries int, maxAge time.Duration) Store {
	return memoryStore{newMemStore[biembed.Secret](maxEntries, maxAge, time.Now)}
}

// record is an entry with its token as the cache or a store keeps it.
type record[T any] struct {
	value               T
	issuedAt, expiresAt time.Time
	id                  string
	tags                []string
	epoch               uint64
	savedAt             time.Time
}

// backend is what a Cache keeps its records in: memStore, or a Store
// behind shared.
type backend[T any] interface {
	load(ctx context.Context, key string) (record[T], bool, error)
	epoch(ctx context.Context, key string, tags []string) (uint64, error)
	save(ctx context.Context, key string, r record[T]) error
	invalidate(ctx context.Context, keys, tags []string) ([]keyed[T], error)
	lead(ctx context.Context, key string, ttl time.Duration) (func(), bool, error)
	follow(ctx context.Context, key string) error
}

// keyed is a record with the key it was saved under.
type keyed[T any] struct {
	key string
	record[T]
}

// epochSlots is how many invalidation counters a memStore keeps. Keys and
// tags hash onto them, so their memory is fixed however much is
// invalidated; two names sharing a slot only make a save stale needlessly.
const epochSlots = 4096

// memStore keeps records in a map under a read-write lock.
type memStore[T any] struct {
	max    int
	maxAge time.Duration
	now    func() time.Time
	seed   maphash.Seed

	mu     sync.RWMutex
	m      map[string]record[T]
	epochs [epochSlots]uint64
}

func newMemStore[T any](max int, maxAge time.Duration, now func() time.Time) *memStore[T] {
	if max <= 0 {
		max = defaultMaxEntries
	}
	return &memStore[T]{max: max, maxAge: maxAge, now: now, seed: maphash.MakeSeed(), m: map[string]record[T]{}}
}

func (s *memStore[T]) load(_ context.Context, key string) (record[T], bool, error) {
	s.mu.RLock()
	r, ok := s.m[key]
	s.mu.RUnlock()
	if ok && s.maxAge > 0 && s.now().Sub(r.savedAt) >= s.maxAge {
		return record[T]{}, false, nil
	}
	return r, ok, nil
}

func (s *memStore[T]) epoch(_ context.Context, key string, tags []string) (uint64, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.sum(key, tags), nil
}

// sum adds the counters of key and tags; it grows whenever one of them is
// invalidated.
func (s *memStore[T]) sum(key string, tags []string) uint64 {
	n := s.epochs[s.slot(key)]
	for _, t := range tags {
		n += s.epochs[s.slot("\x00"+t)]
	}
	return n
}

func (s *memStore[T]) slot(name string) uint64 { return maphash.String(s.seed, name) % epochSlots }

func (s *memStore[T]) save(_ context.Context, key string, r record[T]) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sum(key, r.tags) != r.epoch {
		return ErrStale
	}
	r.savedAt = s.now()
	if _, replace := s.m[key]; !replace && len(s.m) >= s.max {
		s.evict(r.savedAt)
	}
	s.m[key] = r
	return nil
}

// evict makes room for one record: it drops every expired one, and if none
// was, the one that expires soonest.
func (s *memStore[T]) evict(now time.Time) {
	soonest, first := "", time.Time{}
	n := len(s.m)
	for k, r := range s.m {
		if !now.Before(r.expiresAt) {
			delete(s.m, k)
		} else if first.IsZero() || r.expiresAt.Before(first) {
			soonest, first = k, r.expiresAt
		}
	}
	if len(s.m) == n {
		delete(s.m, soonest)
	}
}

func (s *memStore[T]) invalidate(_ context.Context, keys, tags []string) ([]keyed[T], error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var dropped []keyed[T]
	for _, k := range keys {
		s.epochs[s.slot(k)]++
		if r, ok := s.m[k]; ok {
			dropped = append(dropped, keyed[T]{k, r})
			delete(s.m, k)
		}
	}
	for _, t := range tags {
		s.epochs[s.slot("\x00"+t)]++
	}
	if len(tags) > 0 { // rare (a user revoked): a scan, not an index
		for k, r := range s.m {
			if slices.Contains(tags, r.id) || slices.ContainsFunc(r.tags, func(t string) bool { return slices.Contains(tags, t) }) {
				dropped = append(dropped, keyed[T]{k, r})
				delete(s.m, k)
			}
		}
	}
	return dropped, nil
}

func (s *memStore[T]) lead(context.Context, string, time.Duration) (func(), bool, error) {
	return func() {}, true, nil
}

func (s *memStore[T]) follow(context.Context, string) error { return nil }

// memoryStore is NewMemoryStore's Store.
type memoryStore struct{ s *memStore[biembed.Secret] }

func (m memoryStore) Load(ctx context.Context, key string) (Entry, bool, error) {
	r, ok, err := m.s.load(ctx, key)
	return entryOf(key, r), ok, err
}

func (m memoryStore) Epoch(ctx context.Context, key string, tags []string) (uint64, error) {
	return m.s.epoch(ctx, key, tags)
}

func (m memoryStore) Save(ctx context.Context, key string, e Entry) error {
	return m.s.save(ctx, key, recordOf(e, e.Token))
}

func (m memoryStore) Invalidate(ctx context.Context, keys, tags []string) ([]Entry, error) {
	dropped, err := m.s.invalidate(ctx, keys, tags)
	out := make([]Entry, len(dropped))
	for i, d := range dropped {
		out[i] = entryOf(d.key, d.record)
	}
	return out, err
}

func (m memoryStore) Lead(ctx context.Context, key string, ttl time.Duration) (func(), bool, error) {
	return m.s.lead(ctx, key, ttl)
}

func (m memoryStore) Follow(ctx context.Context, key string) error { return m.s.follow(ctx, key) }

func entryOf(key string, r record[biembed.Secret]) Entry {
	return Entry{Key: key, Token: r.value, IssuedAt: r.issuedAt, ExpiresAt: r.expiresAt, ID: r.id, Tags: r.tags, Epoch: r.epoch}
}

func recordOf[T any](e Entry, v T) record[T] {
	return record[T]{value: v, issuedAt: e.IssuedAt, expiresAt: e.ExpiresAt, id: e.ID, tags: e.Tags, epoch: e.Epoch}
}

// shared is a Store seen as a backend of T: tokens are encoded on the way
// in and decoded on the way out; every call's panic becomes ErrPanicked.
type shared[T any] struct {
	store  Store
	ns     string // Config.Namespace: entries under other keys are another vendor's
	encode func(T) ([]byte, error)
	decode func([]byte) (T, error)
}

func (s shared[T]) load(ctx context.Context, key string) (r record[T], ok bool, err error) {
	defer recoverAs("Store.Load", &err)
	e, ok, err := s.store.Load(ctx, key)
	if err != nil || !ok {
		return r, false, err
	}
	v, err := s.decode([]byte(e.Token.Reveal()))
	if err != nil {
		return r, false, errors.New("tokencache: a stored token does not decode")
	}
	return recordOf(e, v), true, nil
}

func (s shared[T]) epoch(ctx context.Context, key string, tags []string) (n uint64, err error) {
	defer recoverAs("Store.Epoch", &err)
	return s.store.Epoch(ctx, key, tags)
}

func (s shared[T]) save(ctx context.Context, key string, r record[T]) (err error) {
	defer recoverAs("Store.Save", &err)
	b, err := s.encode(r.value)
	if err != nil {
		return err
	}
	return s.store.Save(ctx, key, entryOf(key, record[biembed.Secret]{value: biembed.NewSecret(string(b)),
		issuedAt: r.issuedAt, expiresAt: r.expiresAt, id: r.id, tags: r.tags, epoch: r.epoch}))
}

func (s shared[T]) invalidate(ctx context.Context, keys, tags []string) (out []keyed[T], err error) {
	defer recoverAs("Store.Invalidate", &err)
	dropped, err := s.store.Invalidate(ctx, keys, tags)
	for _, e := range dropped {
		if !strings.HasPrefix(e.Key, s.ns) {
			continue
		}
		if v, derr := s.decode([]byte(e.Token.Reveal())); derr == nil {
			out = append(out, keyed[T]{e.Key, recordOf(e, v)})
		}
	}
	return out, err
}

func (s shared[T]) lead(ctx context.Context, key string, ttl time.Duration) (release func(), led bool, err error) {
	defer recoverAs("Store.Lead", &err)
	release, led, err = s.store.Lead(ctx, key, ttl)
	if led && release == nil {
		release = func() {}
	}
	return release, led, err
}

func (s shared[T]) follow(ctx context.Context, key string) (err error) {
	defer recoverAs("Store.Follow", &err)
	return s.store.Follow(ctx, key)
}
