package redisstore

import (
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/biembed/biembed-go/biembed"
	"github.com/biembed/biembed-go/internal/validate"
	"github.com/biembed/biembed-go/internal/warn"
	"github.com/biembed/biembed-go/tokencache"
)

// epochTTL is how long an invalidation counter lives after its last bump (a
// Save stretches it to the life of the entries that depend on it).
const epochTTL = 48 * time.Hour

// store is the Fleet's tokencache.Store; scripts.go lists its Redis names.
type store struct {
	c     *core
	b     breaker
	local atomic.Pointer[local] // the fallback

	foreign, unreadableCond warn.Condition // entries that do not open
}

func newStore(c *core) *store {
	s := &store{c: c, b: breaker{c: c, cond: warn.Condition{Msg: "redisstore: Redis unavailable; tokens are cached on this replica only"}},
		foreign:        warn.Condition{Msg: "redisstore: entries in Redis do not open: another replica seals with a different SealKey"},
		unreadableCond: warn.Condition{Msg: "redisstore: entries in Redis do not open (tampered with, replayed, or written by another version); they are minted again"}}
	// The fallback is new whenever Redis answers again: Redis may have been
	// told of invalidations this replica missed.
	s.b.onStart, s.b.onEnd = func() {}, func() { s.local.Store(newLocal(c)) }
	s.b.onEnd()
	return s
}

func (s *store) check(ctx context.Context, key string) error {
	return cmp.Or(ready(s == nil || s.c == nil, ctx, "Store"), checkKey("key", key))
}

// name is the Redis name of kind (scripts.go) for the hash h.
func (c *core) name(kind, h string) string { return c.o.Prefix + kind + h }

// Load returns the entry under key, read by one script with the epoch of its
// key and tags. It is served only if it opens under the SealKey for key, its
// meta names exactly its sealed tags (stripping one cannot hide it from an
// invalidation) and its sealed epoch is current (else it is a replay).
// Anything else is a miss, counted Unreadable.
func (s *store) Load(ctx context.Context, key string) (tokencache.Entry, bool, error) {
	if err := s.check(ctx, key); err != nil {
		return tokencache.Entry{}, false, err
	}
	if s.b.open() {
		return s.local.Load().Load(ctx, key)
	}
	kh := s.c.hash(domainKey, key)
	reply, err := eval(ctx, &s.b, "load", (*redis.Cmd).Slice, loadScript, []string{s.c.name("e:", kh)}, s.c.o.Prefix, 0, kh, maxBlob)
	if err != nil || len(reply) == 1 && reply[0] == any(int64(0)) {
		return tokencache.Entry{}, false, err
	}
	if len(reply) != 4 || reply[0] != any(int64(1)) {
		return s.unreadable(ctx, "not an entry the store writes (another type, no blob, too large, a bad meta or counter)")
	}
	blob, _ := reply[1].(string)
	meta, _ := reply[2].(string)
	sum, _ := reply[3].(int64)
	w, why := s.c.open(kh, []byte(blob))
	switch {
	case why != "":
	case meta != s.meta(w.ID, w.Tags):
		why = "its meta does not name its sealed tags"
	case sum < 0 || w.Epoch != uint64(sum):
		why = "its epoch is not the current one (replayed, or its counters were changed)"
	}
	if why != "" {
		return s.unreadable(ctx, why)
	}
	s.foreign.Set(ctx, s.c.o.Logger, false)
	s.unreadableCond.Set(ctx, s.c.o.Logger, false)
	return w.entry(), true, nil
}

// unreadable counts and logs an entry that did not open, and answers a miss.
func (s *store) unreadable(ctx context.Context, why string) (tokencache.Entry, bool, error) {
	s.c.unreadable.Add(1)
	if why == whyForeign {
		s.foreign.Set(ctx, s.c.o.Logger, true)
	} else {
		s.unreadableCond.Set(ctx, s.c.o.Logger, true, slog.String("reason", why))
	}
	return tokencache.Entry{}, false, nil
}

// Epoch returns the sum of the invalidation counters of key and tags.
func (s *store) Epoch(ctx context.Context, key string, tags []string) (uint64, error) {
	if err := cmp.Or(s.check(ctx, key), checkEach("tags", tags, maxEntryTags, checkTag)); err != nil {
		return 0, err
	}
	if s.b.open() {
		return s.local.Load().Epoch(ctx, key, tags)
	}
	names := []string{s.c.name("ck:", s.c.hash(domainKey, key))}
	for _, t := range tags {
		names = append(names, s.c.name("ct:", s.c.hash(domainTag, t)))
	}
	sum, err := eval(ctx, &s.b, "epoch", (*redis.Cmd).Int64, epochScript, names, s.c.o.Prefix, epochTTL.Milliseconds())
	return uint64(max(sum, 0)), err
}

// meta lists the hashed ID (or -) and the hashed tags of an entry.
func (s *store) meta(id string, tags []string) string {
	m := "-"
	if id != "" {
		m = s.c.hash(domainTag, id)
	}
	for _, t := range tags {
		m += " " + s.c.hash(domainTag, t)
	}
	return m
}

// Save stores e under key for the rest of its life, unless key or one of
// e.Tags was invalidated after e.Epoch was read: then tokencache.ErrStale.
func (s *store) Save(ctx context.Context, key string, e tokencache.Entry) error {
	if err := cmp.Or(s.check(ctx, key), checkEntry(e)); err != nil {
		return err
	}
	ttl := e.ExpiresAt.Sub(s.c.now())
	if ttl < time.Millisecond {
		return nil // expired: nothing worth keeping
	}
	if s.b.open() {
		return s.local.Load().Save(ctx, key, e)
	}
	e.Key = key
	kh := s.c.hash(domainKey, key)
	blob, err := s.c.sealEntry(kh, e)
	if err != nil {
		return err
	}
	reply, err := eval(ctx, &s.b, "save", (*redis.Cmd).Int64Slice, saveScript, []string{s.c.name("e:", kh)}, s.c.o.Prefix,
		epochTTL.Milliseconds(), kh, strconv.FormatUint(e.Epoch, 10), blob, ttl.Milliseconds(), s.meta(e.ID, e.Tags), s.c.kid)
	if len(reply) == 2 && reply[1] == 1 { // the save before was sealed under another key
		s.foreign.Set(ctx, s.c.o.Logger, true)
	}
	if err == nil && (len(reply) == 0 || reply[0] != 1) {
		return tokencache.ErrStale
	}
	return err
}

func checkEntry(e tokencache.Entry) error {
	if n := len(e.Token.Reveal()); n == 0 || n > maxToken {
		return validate.Fieldf("Entry.Token", "must be 1 byte to %d KiB", maxToken>>10)
	}
	return cmp.Or(validate.Text("Entry.ID", e.ID, maxTag), checkEach("Entry.Tags", e.Tags, maxEntryTags, checkTag))
}

// Invalidate advances the epochs of keys and tags and drops, in Redis and
// the local fallback, the entries under keys or saved with one of tags, and
// returns them. After a Redis failure other replicas may still serve them.
func (s *store) Invalidate(ctx context.Context, keys, tags []string) ([]tokencache.Entry, error) {
	if err := cmp.Or(ready(s == nil || s.c == nil, ctx, "Store"), checkEach("keys", keys, maxInvalidate, checkKey),
		checkEach("tags", tags, maxInvalidate, checkTag)); err != nil {
		return nil, err
	}
	dropped, _ := s.local.Load().Invalidate(ctx, keys, tags)
	args := []any{s.c.o.Prefix, epochTTL.Milliseconds(), len(keys), maxBlob, maxDropped}
	for _, k := range keys {
		args = append(args, s.c.hash(domainKey, k))
	}
	for _, t := range tags {
		args = append(args, s.c.hash(domainTag, t))
	}
	out, err := eval(ctx, &s.b, "invalidate", (*redis.Cmd).Slice, invalidateScript, nil, args...)
	for i := 0; i+1 < len(out); i += 2 { // out is nil after an error
		kh, _ := out[i].(string)
		blob, _ := out[i+1].(string)
		if w, why := s.c.open(kh, []byte(blob)); why != "" {
			_, _, _ = s.unreadable(ctx, why)
		} else {
			dropped = append(dropped, w.entry())
		}
	}
	return dropped, err
}

// Lead tries to make this replica the one that mints key, for LockTTL (not
// ttl: the same LockTTL everywhere bounds Follow). led is false when another
// replica holds the lock. In the local fallback it always leads.
func (s *store) Lead(ctx context.Context, key string, _ time.Duration) (release func(), led bool, err error) {
	if err := s.check(ctx, key); err != nil {
		return nil, false, err
	}
	if s.b.open() {
		return func() {}, true, nil
	}
	lock, token := []string{s.c.name("l:", s.c.hash(domainKey, key))}, rand.Text()
	n, err := eval(ctx, &s.b, "lock", (*redis.Cmd).Int64, lockScript, lock, "lead", token, s.c.o.LockTTL.Milliseconds())
	if err != nil || n != 1 {
		return nil, false, err
	}
	return func() {
		_, _ = eval(context.WithoutCancel(ctx), &s.b, "unlock", (*redis.Cmd).Result, lockScript, lock, "release", token)
	}, true, nil
}

var errFollowTimeout = errors.New("redisstore: another replica's mint lock outlasted LockTTL; minting here")

// Follow waits until the lead on key ends (its lock is gone or changed
// hands) or ctx ends, polling with a backoff from 1ms to 50ms, for at most
// LockTTL plus Timeout whatever TTL the lock claims: then the cache mints.
func (s *store) Follow(ctx context.Context, key string) error {
	if err := s.check(ctx, key); err != nil || s.b.open() {
		return err
	}
	lock, held := []string{s.c.name("l:", s.c.hash(domainKey, key))}, false
	holder := func(c *redis.Cmd) (string, error) { // the lock's token, and whether there is one
		token, err := c.Text()
		if held = err == nil; errors.Is(err, redis.Nil) {
			err = nil
		}
		return token, err
	}
	first, err := eval(ctx, &s.b, "lock", holder, lockScript, lock, "holder")
	deadline := time.Now().Add(s.c.o.LockTTL + s.c.o.Timeout)
	for token, delay := first, time.Millisecond; err == nil && held && token == first; delay = min(2*delay, 50*time.Millisecond) {
		left := time.Until(deadline)
		if left <= 0 {
			return errFollowTimeout
		}
		if err := sleep(ctx, min(delay, left)); err != nil {
			return err
		}
		token, err = eval(ctx, &s.b, "lock", holder, lockScript, lock, "holder")
	}
	return err
}

func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// local is the store's fallback while Redis is unavailable: a memory store
// that serves an entry for at most Cooldown after its save (on the Fleet's
// clock), whatever was invalidated meanwhile elsewhere.
type local struct {
	tokencache.Store
	c *core

	mu    sync.Mutex
	saved map[string]time.Time // key -> when it was saved (c.now)
}

func newLocal(c *core) *local {
	return &local{Store: tokencache.NewMemoryStore(0, c.o.Cooldown), c: c, saved: map[string]time.Time{}}
}

func (l *local) Load(ctx context.Context, key string) (tokencache.Entry, bool, error) {
	l.mu.Lock()
	at, ok := l.saved[key]
	l.mu.Unlock()
	if !ok || !l.c.now().Before(at.Add(l.c.o.Cooldown)) {
		return tokencache.Entry{}, false, nil
	}
	return l.Store.Load(ctx, key)
}

func (l *local) Save(ctx context.Context, key string, e tokencache.Entry) error {
	if err := l.Store.Save(ctx, key, e); err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.saved) >= 2*10_000 { // twice what the memory store keeps
		clear(l.saved) // forgetting a save time only makes its entry a miss
	}
	l.saved[key] = l.c.now()
	return nil
}

const (
	formatPlain, formatSealed byte = 'p', 's' // a blob's first byte
	domainKey, domainTag      byte = 'k', 't' // keys and tags never share a name
	whyForeign                     = "sealed with another SealKey"
)

// hash names a key or tag in Redis without showing it: 16 bytes of
// HMAC-SHA256 under the SealKey (SHA-256 in Plaintext mode), in hex.
func (c *core) hash(domain byte, name string) string {
	h := sha256.New()
	if c.aead != nil {
		h = hmac.New(sha256.New, c.names)
	}
	h.Write(append([]byte{domain}, name...))
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// aad binds a sealed blob to its key and Prefix.
func (c *core) aad(kh string) []byte {
	return []byte("biembed-redisstore-v2\x00" + c.o.Prefix + "\x00" + kh)
}

// wire is an entry as its blob holds it: formatPlain and its JSON, or
// formatSealed, kid, a random nonce (12 bytes) and the AES-GCM of its JSON.
type wire struct {
	tokencache.Entry
	Token []byte // in the clear, where Entry.Token marshals masked
}

func (w wire) entry() tokencache.Entry {
	w.Entry.Token = biembed.NewSecret(string(w.Token))
	return w.Entry
}

// sealEntry makes the blob stored for e under the key whose hash is kh.
func (c *core) sealEntry(kh string, e tokencache.Entry) ([]byte, error) {
	blob, err := json.Marshal(wire{e, []byte(e.Token.Reveal())})
	switch {
	case err != nil:
		return nil, err
	case c.aead == nil:
		blob = append([]byte{formatPlain}, blob...)
	default:
		blob = c.aead.Seal(append([]byte{formatSealed}, c.kid...), nil, blob, c.aad(kh))
	}
	if len(blob) > maxBlob {
		return nil, validate.Fieldf("Entry", "must seal to at most %d bytes", maxBlob)
	}
	return blob, nil
}

// open reads the blob stored under the key whose hash is kh. why is empty
// when it opened, else what was wrong (never the content).
func (c *core) open(kh string, blob []byte) (w wire, why string) {
	if len(blob) == 0 {
		return w, "empty"
	}
	body := blob[1:]
	switch {
	case blob[0] == formatSealed && c.aead == nil:
		return w, "sealed entry in Plaintext mode"
	case blob[0] == formatPlain && c.aead != nil:
		return w, "plain entry where a seal is required"
	case blob[0] == formatSealed:
		if len(body) < len(c.kid)+12 { // the key id and the nonce
			return w, "seal cut short"
		}
		if string(body[:len(c.kid)]) != c.kid {
			return w, whyForeign
		}
		var err error
		if body, err = c.aead.Open(nil, nil, body[len(c.kid):], c.aad(kh)); err != nil {
			return w, "does not open (tampered with, or moved from another key)"
		}
	case blob[0] != formatPlain:
		return w, "unknown format"
	}
	if err := json.Unmarshal(body, &w); err != nil || c.hash(domainKey, w.Key) != kh {
		return wire{}, "does not decode, or is stored under another key"
	}
	return w, ""
}
