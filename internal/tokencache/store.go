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

// memoryStore is the default Store: tables behind a read-write lock, so
// hits only take the read lock. The Cache bounds its size. Identities are
// indexed; tags are not (an index would cost about 100 bytes an entry):
// invalidating a tag, which is rare (an administrator clears a user's
// tokens), scans the entries.
//
// A hit at scale costs cache misses, not instructions. Keys of RequestKey's
// form ("sha256:" + 64 lower-case hex digits) are kept by their 32-byte
// digest in a digestTable, whose slot holds the digest and what a hit reads
// (memHot) in one cache line: the slot is found and compared without reading
// a key string or following a pointer. No hash stands in for a key: the
// digest is the key itself, decoded losslessly (only lower-case digits are
// accepted, so no two keys decode alike), and every other key stays a
// string in a map of its own. The table compares the whole digest, the map
// the whole string, and a fingerprint is matched exactly too (matches), so
// no collision can serve a token.
type memoryStore[T any] struct {
	seed maphash.Seed

	mu      sync.RWMutex
	digests digestTable[T]         // entries under keys of RequestKey's form
	named   map[string]memEntry[T] // entries under any other key
	byID    map[string]string      // token identity -> key
	epochs  [epochSlots]uint64     // invalidation counters, by hash of key or tag
}

// NewMemoryStore returns the in-memory Store a Cache uses by default, for
// wrapping in a Store of one's own.
func NewMemoryStore[T any]() Store[T] { return newMemoryStore[T]() }

func newMemoryStore[T any]() *memoryStore[T] {
	return &memoryStore[T]{
		seed:    maphash.MakeSeed(),
		digests: newDigestTable[T](),
		named:   make(map[string]memEntry[T]),
		byID:    make(map[string]string),
	}
}

// fpForm says how a memEntry's fingerprint is compared on a hit.
type fpForm uint8

const (
	fpString fpForm = iota // as a string (fingerprint)
	fpIsKey                // it equals the key: compare the Get's fingerprint with the Get's key
	fpEmpty                // it is empty (a Cache without Config.Fingerprint)
)

// memEntry is an Entry as the memory store keeps it, in two parts: hot,
// what a hit reads, and cold, the rest. In the digest table the hot part
// sits beside its key in the slot and the cold part in a slice of its own,
// so a hit reads one 64-byte cache line for a pointer-sized T.
type memEntry[T any] struct {
	hot  memHot[T]
	cold memCold
}

// memHot is what a hit reads: the times as Unix seconds and nanoseconds
// (UTC on the way out), the fingerprint's form in the top bits of
// issuedNsec (nanoseconds need 30), and the value. With its 32-byte digest
// it is 64 bytes for a pointer-sized T (TestMemEntryHotPartFillsOneLine).
//
// A fingerprint equal to the key (GetFor, where the key is RequestKey) is
// matched without reading it; any other fingerprint is compared as a
// string, from the cold part.
type memHot[T any] struct {
	issuedSec, expiresSec int64
	issuedNsec            uint32 // the nanoseconds, and form << formShift
	expiresNsec           int32
	value                 T
}

// memCold is what only saves, deletes, invalidations and Load read, and a
// hit whose fingerprint is not its key.
type memCold struct {
	fingerprint, id string
	tags            []string
	epoch           uint64
}

const formShift = 30

func newMemEntry[T any](key string, e Entry[T]) memEntry[T] {
	form := fpString
	switch e.Fingerprint {
	case key:
		form = fpIsKey
	case "":
		form = fpEmpty
	}
	return memEntry[T]{
		hot: memHot[T]{value: e.Value,
			issuedSec: e.IssuedAt.Unix(), issuedNsec: uint32(e.IssuedAt.Nanosecond()) | uint32(form)<<formShift,
			expiresSec: e.ExpiresAt.Unix(), expiresNsec: int32(e.ExpiresAt.Nanosecond())},
		cold: memCold{fingerprint: e.Fingerprint, id: e.ID, tags: e.Tags, epoch: e.Epoch},
	}
}

func (m *memHot[T]) form() fpForm { return fpForm(m.issuedNsec >> formShift) }

func (m *memEntry[T]) entry() Entry[T] {
	return Entry[T]{Value: m.hot.value, Fingerprint: m.cold.fingerprint, ID: m.cold.id, Tags: m.cold.tags,
		Epoch: m.cold.epoch, IssuedAt: m.hot.issuedAt(), ExpiresAt: m.hot.expiresAt()}
}

func (m *memHot[T]) issuedAt() time.Time {
	return time.Unix(m.issuedSec, int64(m.issuedNsec&(1<<formShift-1))).UTC()
}

func (m *memHot[T]) expiresAt() time.Time {
	return time.Unix(m.expiresSec, int64(m.expiresNsec)).UTC()
}

// matches reports whether the entry (hot and cold), found under key, may be
// served to a Get whose request has fingerprint fp. It agrees exactly with
// cold.fingerprint == fp: an fpIsKey entry was saved with fingerprint key,
// and it is found only under that very key (digests are lossless), so the
// Get's own strings decide without reading cold at all; so does an fpEmpty
// entry's empty fingerprint.
func matches[T any](hot *memHot[T], cold *memCold, key, fp string) bool {
	switch hot.form() {
	case fpIsKey:
		return fp == key
	case fpEmpty:
		return fp == ""
	}
	return fp == cold.fingerprint
}

// tableKey returns the digest a key is kept under in s.digests, if it has
// one: the key has RequestKey's form and does not decode to the zero digest,
// which marks an empty slot there. Every other key is kept in s.named.
func tableKey(key string) (digest, bool) {
	d, ok := digestOf(key)
	return d, ok && d != digest{}
}

// get returns (a copy of) the entry under key.
func (s *memoryStore[T]) get(key string) (memEntry[T], bool) {
	if d, ok := tableKey(key); ok {
		if i, found := s.digests.find(&d); found {
			return memEntry[T]{hot: s.digests.slots[i].hot, cold: s.digests.cold[i]}, true
		}
		return memEntry[T]{}, false
	}
	m, found := s.named[key]
	return m, found
}

func (s *memoryStore[T]) Load(_ context.Context, key string) (Entry[T], bool, error) {
	s.mu.RLock()
	m, ok := s.get(key)
	s.mu.RUnlock()
	if !ok {
		return Entry[T]{}, false, nil
	}
	return m.entry(), true, nil
}

// loadFor is the Cache's hit path: the entry under key if there is one and
// it was saved for fingerprint fp (ok), without reading the entry's
// fingerprint string when it is the key.
func (s *memoryStore[T]) loadFor(key, fp string) (h hit[T], ok bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var hot *memHot[T]
	var cold *memCold // read only when the fingerprint is not the key
	if d, isDigest := tableKey(key); isDigest {
		i, found := s.digests.find(&d)
		if !found {
			return h, false
		}
		hot, cold = &s.digests.slots[i].hot, &s.digests.cold[i]
	} else {
		m, found := s.named[key]
		if !found {
			return h, false
		}
		hot, cold = &m.hot, &m.cold
	}
	if !matches(hot, cold, key, fp) {
		return h, false
	}
	return hit[T]{value: hot.value, issuedAt: hot.issuedAt(), expiresAt: hot.expiresAt()}, true
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
	m := newMemEntry(key, e)
	if d, ok := tableKey(key); ok {
		s.digests.put(&d, m)
	} else {
		s.named[key] = m
	}
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
		s.deleteTagged(t.Tags)
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
	m, ok := s.get(key)
	if !ok {
		return
	}
	if d, isDigest := tableKey(key); isDigest {
		s.digests.delete(&d)
	} else {
		delete(s.named, key)
	}
	s.unlinkID(m.cold.id, key)
}

// unlinkID drops the ID link of the entry under key.
func (s *memoryStore[T]) unlinkID(id, key string) {
	if id != "" && s.byID[id] == key {
		delete(s.byID, id)
	}
}

// deleteTagged drops every entry saved with one of tags (deleting while
// ranging is allowed).
func (s *memoryStore[T]) deleteTagged(tags []string) {
	var drop []digest // the table cannot change while it is ranged over
	s.digests.all(func(d *digest, m *memCold) bool {
		if hasAny(m.tags, tags) {
			drop = append(drop, *d)
			if linked, ok := tableKey(s.byID[m.id]); ok && linked == *d {
				delete(s.byID, m.id)
			}
		}
		return true
	})
	for i := range drop {
		s.digests.delete(&drop[i])
	}
	for k, m := range s.named {
		if hasAny(m.cold.tags, tags) {
			delete(s.named, k)
			s.unlinkID(m.cold.id, k)
		}
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
	return s.digests.used + len(s.named)
}
