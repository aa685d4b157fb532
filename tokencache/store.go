package tokencache

import (
	"cmp"
	"context"
	"errors"
	"hash/maphash"
	"slices"
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

	decoded any // the Cache's own token (a T), kept by the memory store so that a hit decodes nothing
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

// NewMemoryStore returns a Store in this process's memory, a Cache's default,
// for fallbacks and tests. It keeps at most maxEntries (0: 10,000), evicting
// expired entries, else the one that expires soonest; with maxAge > 0 it
// forgets an entry maxAge after it was saved. Lead always leads.
func NewMemoryStore(maxEntries int, maxAge time.Duration) Store {
	return newMemStore(maxEntries, maxAge, time.Now)
}

// epochSlots is how many invalidation counters a memStore keeps. Keys and
// tags hash onto them, so their memory is fixed however much is
// invalidated; two names sharing a slot only make a save stale needlessly.
const epochSlots = 4096

// memStore keeps entries in a map under a read-write lock.
type memStore struct {
	max    int
	maxAge time.Duration
	now    func() time.Time
	seed   maphash.Seed

	mu     sync.RWMutex
	m      map[string]kept
	ages   map[string]time.Time // when each entry was saved; only with maxAge
	epochs [epochSlots]uint64
}

// kept is an Entry without its key: 128 bytes, so the map holds it in its
// own slots and a hit reads no further memory.
type kept struct {
	token           biembed.Secret
	issued, expires time.Time
	id              string
	tags            []string
	epoch           uint64
	decoded         any
}

func (k kept) entry(key string) Entry {
	return Entry{key, k.token, k.issued, k.expires, k.id, k.tags, k.epoch, k.decoded}
}

func newMemStore(max int, maxAge time.Duration, now func() time.Time) *memStore {
	s := &memStore{max: cmp.Or(max, defaultMaxEntries), maxAge: maxAge, now: now, seed: maphash.MakeSeed(), m: map[string]kept{}}
	if maxAge > 0 {
		s.ages = map[string]time.Time{}
	}
	return s
}

func (s *memStore) Load(_ context.Context, key string) (Entry, bool, error) {
	s.mu.RLock()
	k, ok := s.m[key]
	at := s.ages[key]
	s.mu.RUnlock()
	if !ok || s.maxAge > 0 && s.now().Sub(at) >= s.maxAge {
		return Entry{}, false, nil
	}
	return k.entry(key), true, nil
}

func (s *memStore) Epoch(_ context.Context, key string, tags []string) (uint64, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.sum(key, tags), nil
}

// sum adds the counters of key and tags; it grows whenever one of them is
// invalidated.
func (s *memStore) sum(key string, tags []string) uint64 {
	n := s.epochs[s.slot(key)]
	for _, t := range tags {
		n += s.epochs[s.slot("\x00"+t)]
	}
	return n
}

func (s *memStore) slot(name string) uint64 { return maphash.String(s.seed, name) % epochSlots }

func (s *memStore) Save(_ context.Context, key string, e Entry) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sum(key, e.Tags) != e.Epoch {
		return ErrStale
	}
	now := s.now()
	if _, replace := s.m[key]; !replace && len(s.m) >= s.max {
		s.evict(now)
	}
	s.m[key] = kept{e.Token, e.IssuedAt, e.ExpiresAt, e.ID, e.Tags, e.Epoch, e.decoded}
	if s.ages != nil {
		s.ages[key] = now
	}
	return nil
}

// evict makes room for one entry: it drops every expired one, and if none
// was, the one that expires soonest.
func (s *memStore) evict(now time.Time) {
	soonest, first := "", time.Time{}
	n := len(s.m)
	for key, k := range s.m {
		if !now.Before(k.expires) {
			s.drop(key)
		} else if first.IsZero() || k.expires.Before(first) {
			soonest, first = key, k.expires
		}
	}
	if len(s.m) == n {
		s.drop(soonest)
	}
}

func (s *memStore) drop(key string) {
	delete(s.m, key)
	delete(s.ages, key)
}

func (s *memStore) Invalidate(_ context.Context, keys, tags []string) ([]Entry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var dropped []Entry
	for _, key := range keys {
		s.epochs[s.slot(key)]++
		if k, ok := s.m[key]; ok {
			dropped = append(dropped, k.entry(key))
			s.drop(key)
		}
	}
	for _, t := range tags {
		s.epochs[s.slot("\x00"+t)]++
	}
	if len(tags) > 0 { // rare (a user revoked): a scan, not an index
		for key, k := range s.m {
			if slices.Contains(tags, k.id) || slices.ContainsFunc(k.tags, func(t string) bool { return slices.Contains(tags, t) }) {
				dropped = append(dropped, k.entry(key))
				s.drop(key)
			}
		}
	}
	return dropped, nil
}

func (s *memStore) Lead(context.Context, string, time.Duration) (func(), bool, error) {
	return func() {}, true, nil
}

func (s *memStore) Follow(context.Context, string) error { return nil }
