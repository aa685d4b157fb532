// Package storetest checks that an implementation of tokencache.Store keeps
// the Store contract: epochs that void stale saves, invalidation by key, tag
// and identity that returns what it dropped, and a lead per key. Every Store
// (the in-memory one, the Redis one) runs Run in its tests.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/biembed/biembed-go/biembed"
	"github.com/biembed/biembed-go/tokencache"
)

// Run checks the Store contract on stores made by newStore, one per subtest.
func Run(t *testing.T, newStore func(t *testing.T) tokencache.Store) {
	t.Helper()
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) { c.fn(t, newStore(t)) })
	}
}

// Check runs the same checks as Run outside a test and returns the first
// breach of the contract, naming the check, or nil.
func Check(newStore func() tokencache.Store) error {
	for _, c := range checks {
		if err := checkOne(c, newStore()); err != nil {
			return err
		}
	}
	return nil
}

// fatal is what a checker panics with to stop its check.
type fatal struct{ err error }

// checker reports a breach by panicking with fatal.
type checker struct{}

func (checker) Helper() {}

func (checker) Fatalf(format string, args ...any) { panic(fatal{fmt.Errorf(format, args...)}) }

func checkOne(c check, s tokencache.Store) (err error) {
	defer func() {
		if r := recover(); r != nil {
			f, ok := r.(fatal)
			if !ok {
				panic(r)
			}
			err = fmt.Errorf("storetest: %s: %w", c.name, f.err)
		}
	}()
	c.fn(checker{}, s)
	return nil
}

// T is the part of *testing.T the checks use.
type T interface {
	Helper()
	Fatalf(format string, args ...any)
}

type check struct {
	name string
	fn   func(t T, s tokencache.Store)
}

var checks = []check{
	{"SaveLoadRoundTrip", saveLoadRoundTrip},
	{"SaveReplaces", saveReplaces},
	{"InvalidateKeyVoidsMintInFlight", invalidateKeyVoidsMint},
	{"InvalidateTagVoidsMintInFlight", invalidateTagVoidsMint},
	{"InvalidateTagDropsTaggedEntries", invalidateTagDrops},
	{"InvalidateIDDropsThatEntry", invalidateIDDrops},
	{"ReplacedEntryLeavesItsOldLinks", replacedEntryUnlinks},
	{"LeadIsOnePerKey", leadIsOnePerKey},
}

var t0 = time.Now().Truncate(time.Second).UTC()

// mint plays the cache: it reads the epoch, then returns the entry to save.
func mint(t T, s tokencache.Store, key, value string, tags ...string) tokencache.Entry {
	t.Helper()
	epoch, err := s.Epoch(context.Background(), key, tags)
	if err != nil {
		t.Fatalf("Epoch(%q): %v", key, err)
	}
	return tokencache.Entry{Token: biembed.NewSecret(value), IssuedAt: t0, ExpiresAt: t0.Add(time.Hour),
		ID: "id-" + value, Tags: tags, Epoch: epoch}
}

func save(t T, s tokencache.Store, key string, e tokencache.Entry) {
	t.Helper()
	if err := s.Save(context.Background(), key, e); err != nil {
		t.Fatalf("Save(%q): %v", key, err)
	}
}

func saveStale(t T, s tokencache.Store, key string, e tokencache.Entry) {
	t.Helper()
	if err := s.Save(context.Background(), key, e); !errors.Is(err, tokencache.ErrStale) {
		t.Fatalf("Save(%q) after an invalidation = %v, want ErrStale", key, err)
	}
	if _, ok := load(t, s, key); ok {
		t.Fatalf("a stale Save(%q) stored the entry", key)
	}
}

// invalidate invalidates and checks that exactly the tokens want were
// returned as dropped.
func invalidate(t T, s tokencache.Store, keys, tags []string, want ...string) {
	t.Helper()
	dropped, err := s.Invalidate(context.Background(), keys, tags)
	if err != nil {
		t.Fatalf("Invalidate(%q, %q): %v", keys, tags, err)
	}
	var got []string
	for _, e := range dropped {
		if e.Key == "" {
			t.Fatalf("Invalidate returned an entry without its Key")
		}
		got = append(got, e.Token.Reveal())
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("Invalidate(%q, %q) dropped %d entries, want %d", keys, tags, len(got), len(want))
	}
}

func load(t T, s tokencache.Store, key string) (tokencache.Entry, bool) {
	t.Helper()
	e, ok, err := s.Load(context.Background(), key)
	if err != nil {
		t.Fatalf("Load(%q): %v", key, err)
	}
	return e, ok
}

func wantValue(t T, s tokencache.Store, key, value string) {
	t.Helper()
	e, ok := load(t, s, key)
	switch {
	case value == "" && ok:
		t.Fatalf("Load(%q) found an entry, want none", key)
	case value != "" && (!ok || e.Token.Reveal() != value):
		t.Fatalf("Load(%q) = %v, %v; want another value", key, e.Token, ok)
	}
}

func saveLoadRoundTrip(t T, s tokencache.Store) {
	wantValue(t, s, "k", "")
	e := mint(t, s, "k", "v1", "tag-a", "tag-b")
	save(t, s, "k", e)
	got, ok := load(t, s, "k")
	if !ok || got.Token.Reveal() != "v1" || got.ID != e.ID || got.Epoch != e.Epoch || len(got.Tags) != 2 ||
		!got.IssuedAt.Equal(e.IssuedAt) || !got.ExpiresAt.Equal(e.ExpiresAt) {
		t.Fatalf("Load after Save = %+v (ok %v), fields differ from what was saved", got, ok)
	}
}

func saveReplaces(t T, s tokencache.Store) {
	save(t, s, "k", mint(t, s, "k", "v1"))
	save(t, s, "k", mint(t, s, "k", "v2"))
	wantValue(t, s, "k", "v2")
}

func invalidateKeyVoidsMint(t T, s tokencache.Store) {
	save(t, s, "k", mint(t, s, "k", "old"))
	inFlight := mint(t, s, "k", "new")
	other := mint(t, s, "other", "o")
	invalidate(t, s, []string{"k"}, nil, "old")
	wantValue(t, s, "k", "")
	saveStale(t, s, "k", inFlight)
	save(t, s, "other", other) // another key's mint is not voided
	save(t, s, "k", mint(t, s, "k", "after"))
	wantValue(t, s, "k", "after")
}

func invalidateTagVoidsMint(t T, s tokencache.Store) {
	inFlight := mint(t, s, "k", "new", "user-1")
	untagged := mint(t, s, "k2", "u")
	invalidate(t, s, nil, []string{"user-1"})
	saveStale(t, s, "k", inFlight)
	save(t, s, "k2", untagged)
	save(t, s, "k", mint(t, s, "k", "after", "user-1"))
	wantValue(t, s, "k", "after")
}

func invalidateTagDrops(t T, s tokencache.Store) {
	save(t, s, "a", mint(t, s, "a", "va", "user-1", "page-1"))
	save(t, s, "b", mint(t, s, "b", "vb", "user-1"))
	save(t, s, "c", mint(t, s, "c", "vc", "user-2"))
	invalidate(t, s, nil, []string{"user-1"}, "va", "vb")
	wantValue(t, s, "a", "")
	wantValue(t, s, "b", "")
	wantValue(t, s, "c", "vc")
	invalidate(t, s, nil, []string{"never-used"})
	wantValue(t, s, "c", "vc")
}

func invalidateIDDrops(t T, s tokencache.Store) {
	save(t, s, "a", mint(t, s, "a", "va"))
	save(t, s, "b", mint(t, s, "b", "vb"))
	invalidate(t, s, nil, []string{"id-va", "id-unknown"}, "va")
	wantValue(t, s, "a", "")
	wantValue(t, s, "b", "vb")
}

func replacedEntryUnlinks(t T, s tokencache.Store) {
	save(t, s, "k", mint(t, s, "k", "v1", "old-tag"))
	save(t, s, "k", mint(t, s, "k", "v2", "new-tag"))
	invalidate(t, s, nil, []string{"old-tag", "id-v1"})
	wantValue(t, s, "k", "v2")
	invalidate(t, s, nil, []string{"new-tag"}, "v2")
	wantValue(t, s, "k", "")
}

func leadIsOnePerKey(t T, s tokencache.Store) {
	ctx := context.Background()
	release, led, err := s.Lead(ctx, "k", time.Minute)
	if err != nil || !led {
		t.Fatalf("the first Lead(k) = %v, %v; want led", led, err)
	}
	if _, led2, err := s.Lead(ctx, "k2", time.Minute); err != nil || !led2 {
		t.Fatalf("Lead of another key = %v, %v; want led", led2, err)
	}
	release()
	if _, led, err := s.Lead(ctx, "k", time.Minute); err != nil || !led {
		t.Fatalf("Lead(k) after release = %v, %v; want led", led, err)
	}
}
