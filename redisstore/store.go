package redisstore

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/biembed/biembed-go/biembed"
	"github.com/biembed/biembed-go/internal/validate"
	"github.com/biembed/biembed-go/internal/warn"
	"github.com/biembed/biembed-go/tokencache"
)

// epochTTL is how long an invalidation counter lives after its last bump
// (at least: a Save stretches it to the life of the entries that depend
// on it). It only has to outlast a mint.
const epochTTL = 48 * time.Hour

// store is the Fleet's tokencache.Store. Its names in Redis are listed in
// scripts.go; the key's mint lock is P l:kh.
type store struct {
	c *core
	b breaker

	foreign, unreadableCond warn.Condition // entries that do not open

	mu    sync.Mutex
	local *local // the local fallback
}

func newStore(c *core) *store {
	s := &store{c: c, local: newLocal(c.now, c.o.Cooldown)}
	s.b.c, s.b.onEnd = c, s.dropLocal
	s.b.cond.Msg = "redisstore: Redis unavailable; tokens are cached on this replica only"
	s.foreign.Msg = "redisstore: entries in Redis do not open: another replica seals with a different SealKey"
	s.unreadableCond.Msg = "redisstore: entries in Redis do not open (tampered with, replayed, or written by another version); they are minted again"
	return s
}

// ready refuses a nil or zero store and a nil ctx.
func (s *store) ready(ctx context.Context) error {
	if s == nil {
		return ready(nil, ctx, "Store")
	}
	return ready(s.c, ctx, "Store")
}

// check is ready and checkKey.
func (s *store) check(ctx context.Context, key string) error {
	if err := s.ready(ctx); err != nil {
		return err
	}
	return checkKey("key", key)
}

// Names of the keys under Prefix.
func (s *store) entryKey(kh string) string { return s.c.o.Prefix + "e:" + kh }
func (s *store) keyEpoch(kh string) string { return s.c.o.Prefix + "ck:" + kh }
func (s *store) tagEpoch(th string) string { return s.c.o.Prefix + "ct:" + th }
func (s *store) lockKey(kh string) string  { return s.c.o.Prefix + "l:" + kh }

// fallback returns the local fallback.
func (s *store) fallback() *local {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.local
}

// dropLocal forgets the local fallback once Redis answers again: Redis is
// the truth, and it may have been told of invalidations this replica missed.
func (s *store) dropLocal() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.local = newLocal(s.c.now, s.c.o.Cooldown)
}

// Load returns the entry under key. One Redis call reads the entry with
// the current epoch of its key and tags; the entry is served only if it
// opens under the SealKey, was sealed for key, its meta names exactly the
// sealed tags (stripping one cannot hide it from an invalidation) and its
// sealed epoch is the current one (an entry written back after it was
// invalidated is a replay). Anything else is a miss, counted Unreadable.
func (s *store) Load(ctx context.Context, key string) (tokencache.Entry, bool, error) {
	if err := s.check(ctx, key); err != nil {
		return tokencache.Entry{}, false, err
	}
	if s.b.open() {
		return s.fallback().Load(ctx, key)
	}
	kh := s.c.hash(domainKey, key)
	var reply []any
	err := s.c.call(ctx, &s.b, "load", func(ctx context.Context) error {
		var err error
		reply, err = loadScript.Run(ctx, s.c.rdb, []string{s.entryKey(kh)}, s.c.o.Prefix, 0, kh, maxBlob).Slice()
		return err
	})
	if err != nil {
		return tokencache.Entry{}, false, err
	}
	var status int64
	if len(reply) > 0 {
		status, _ = reply[0].(int64)
	}
	switch {
	case len(reply) == 1 && status == 0:
		return tokencache.Entry{}, false, nil
	case status != 1 || len(reply) != 4:
		return s.unreadable(ctx, "not an entry the store writes (another type, no blob, too large, a bad meta or counter)")
	}
	blob, _ := reply[1].(string)
	meta, _ := reply[2].(string)
	sum, _ := reply[3].(int64)
	w, why := s.c.open(kh, []byte(blob))
	switch {
	case why != "":
		return s.unreadable(ctx, why)
	case w.Key != key:
		return s.unreadable(ctx, "stored under another key")
	case meta != s.meta(w.ID, w.Tags):
		return s.unreadable(ctx, "its meta does not name its sealed tags")
	case sum < 0 || w.Epoch != uint64(sum):
		return s.unreadable(ctx, "its epoch is not the current one (replayed, or its counters were changed)")
	}
	s.opened(ctx)
	return entryOf(w), true, nil
}

// unreadable counts an entry that did not open, logs it (once per
// episode) and answers a miss.
func (s *store) unreadable(ctx context.Context, why string) (tokencache.Entry, bool, error) {
	s.c.unreadable.Add(1)
	if why == whyForeign {
		s.foreign.Set(ctx, s.c.o.Logger, true)
	} else {
		s.unreadableCond.Set(ctx, s.c.o.Logger, true, slog.String("reason", why))
	}
	return tokencache.Entry{}, false, nil
}

// opened ends the episodes of entries that do not open.
func (s *store) opened(ctx context.Context) {
	s.foreign.Set(ctx, s.c.o.Logger, false)
	s.unreadableCond.Set(ctx, s.c.o.Logger, false)
}

func entryOf(w wire) tokencache.Entry {
	return tokencache.Entry{Key: w.Key, Token: biembed.NewSecret(string(w.Token)), IssuedAt: w.IssuedAt, ExpiresAt: w.ExpiresAt,
		ID: w.ID, Tags: w.Tags, Epoch: w.Epoch}
}

// Epoch returns the sum of the invalidation counters of key and tags.
func (s *store) Epoch(ctx context.Context, key string, tags []string) (uint64, error) {
	if err := s.check(ctx, key); err != nil {
		return 0, err
	}
	if err := checkTags("tags", tags, maxEntryTags); err != nil {
		return 0, err
	}
	if s.b.open() {
		return s.fallback().Epoch(ctx, key, tags)
	}
	names := []string{s.keyEpoch(s.c.hash(domainKey, key))}
	for _, t := range tags {
		names = append(names, s.tagEpoch(s.c.hash(domainTag, t)))
	}
	var sum int64
	err := s.c.call(ctx, &s.b, "epoch", func(ctx context.Context) error {
		var err error
		sum, err = epochScript.Run(ctx, s.c.rdb, names, s.c.o.Prefix, epochTTL.Milliseconds()).Int64()
		return err
	})
	if err != nil {
		return 0, err
	}
	return uint64(max(sum, 0)), nil
}

// meta lists the hashed ID (or -) and the hashed tags of an entry.
func (s *store) meta(id string, tags []string) string {
	var b strings.Builder
	if id == "" {
		b.WriteString("-")
	} else {
		b.WriteString(s.c.hash(domainTag, id))
	}
	for _, t := range tags {
		b.WriteString(" ")
		b.WriteString(s.c.hash(domainTag, t))
	}
	return b.String()
}

// Save stores e under key for the rest of its life, unless key or one of
// e.Tags was invalidated after e.Epoch was read: then tokencache.ErrStale.
func (s *store) Save(ctx context.Context, key string, e tokencache.Entry) error {
	if err := s.check(ctx, key); err != nil {
		return err
	}
	if err := checkEntry(e); err != nil {
		return err
	}
	ttl := e.ExpiresAt.Sub(s.c.now())
	if ttl < time.Millisecond {
		return nil // expired: nothing worth keeping
	}
	if s.b.open() {
		return s.fallback().Save(ctx, key, e)
	}
	e.Key = key
	kh := s.c.hash(domainKey, key)
	blob, err := s.c.sealEntry(kh, e)
	if err != nil {
		return err
	}
	if len(blob) > maxBlob {
		return validate.Fieldf("Entry", "must seal to at most %d bytes", maxBlob)
	}
	var reply []int64
	err = s.c.call(ctx, &s.b, "save", func(ctx context.Context) error {
		var err error
		reply, err = saveScript.Run(ctx, s.c.rdb, []string{s.entryKey(kh)}, s.c.o.Prefix, epochTTL.Milliseconds(), kh,
			strconv.FormatUint(e.Epoch, 10), blob, ttl.Milliseconds(), s.meta(e.ID, e.Tags), s.c.keyID()).Int64Slice()
		return err
	})
	if err != nil {
		return err
	}
	if len(reply) == 2 && reply[1] == 1 {
		// The last save before this one was sealed under another key.
		s.foreign.Set(ctx, s.c.o.Logger, true)
	}
	if len(reply) == 0 || reply[0] != 1 {
		return tokencache.ErrStale
	}
	return nil
}

// Invalidate advances the epochs of keys and tags and drops the entries
// under keys or saved with one of tags, in every replica at once, and
// returns them. The local fallback is invalidated too. A Redis failure is
// returned: other replicas may then still serve what was to be dropped.
func (s *store) Invalidate(ctx context.Context, keys, tags []string) ([]tokencache.Entry, error) {
	if err := s.ready(ctx); err != nil {
		return nil, err
	}
	if len(keys) > maxInvalidate {
		return nil, validate.Fieldf("keys", "must be at most %d", maxInvalidate)
	}
	for i, k := range keys {
		if err := checkKey(validate.Index("keys", i), k); err != nil {
			return nil, err
		}
	}
	if err := checkTags("tags", tags, maxInvalidate); err != nil {
		return nil, err
	}
	dropped, _ := s.fallback().Invalidate(ctx, keys, tags)
	args := []any{s.c.o.Prefix, epochTTL.Milliseconds(), len(keys), maxBlob, maxDropped}
	for _, k := range keys {
		args = append(args, s.c.hash(domainKey, k))
	}
	for _, t := range tags {
		args = append(args, s.c.hash(domainTag, t))
	}
	var out []any
	err := s.c.call(ctx, &s.b, "invalidate", func(ctx context.Context) error {
		var err error
		out, err = invalidateScript.Run(ctx, s.c.rdb, nil, args...).Slice()
		return err
	})
	if err != nil {
		return dropped, err
	}
	for i := 0; i+1 < len(out); i += 2 {
		kh, _ := out[i].(string)
		blob, _ := out[i+1].(string)
		w, why := s.c.open(kh, []byte(blob))
		if why != "" {
			_, _, _ = s.unreadable(ctx, why)
			continue
		}
		dropped = append(dropped, entryOf(w))
	}
	return dropped, nil
}
