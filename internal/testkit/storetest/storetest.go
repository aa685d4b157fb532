// Package storetest checks that an implementation of tokencache.Store keeps
// the Store contract: epochs that void stale saves, invalidation by key, tag
// and identity that returns what it dropped, and a lead per key.
package storetest

import (
	"context"
	"errors"
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

// T is the part of *testing.T the checks use.
type T interface {
	Helper()
	Fatalf(format string, args ...any)
}

var checks = []struct {
	name string
	fn   func(t T, s tokencache.Store)
}{
	{"SaveLoadRoundTrip", func(t T, s tokencache.Store) {
		want(t, s, "k", "")
		e := mint(t, s, "k", "v1", "tag-a", "tag-b")
		save(t, s, "k", e, nil)
		got, ok, err := s.Load(context.Background(), "k")
		if err != nil || !ok || got.Token.Reveal() != "v1" || got.ID != e.ID || got.Epoch != e.Epoch || len(got.Tags) != 2 ||
			!got.IssuedAt.Equal(e.IssuedAt) || !got.ExpiresAt.Equal(e.ExpiresAt) {
			t.Fatalf("Load after Save = %+v, %v, %v; fields differ from what was saved", got, ok, err)
		}
	}},
	{"SaveReplaces", func(t T, s tokencache.Store) {
		save(t, s, "k", mint(t, s, "k", "v1"), nil)
		save(t, s, "k", mint(t, s, "k", "v2"), nil)
		want(t, s, "k", "v2")
	}},
	{"InvalidateKeyVoidsMintInFlight", func(t T, s tokencache.Store) {
		save(t, s, "k", mint(t, s, "k", "old"), nil)
		inFlight, other := mint(t, s, "k", "new"), mint(t, s, "other", "o")
		invalidate(t, s, []string{"k"}, nil, "old")
		want(t, s, "k", "")
		save(t, s, "k", inFlight, tokencache.ErrStale)
		save(t, s, "other", other, nil) // another key's mint is not voided
		save(t, s, "k", mint(t, s, "k", "after"), nil)
		want(t, s, "k", "after")
	}},
	{"InvalidateTagVoidsMintInFlight", func(t T, s tokencache.Store) {
		inFlight, untagged := mint(t, s, "k", "new", "user-1"), mint(t, s, "k2", "u")
		invalidate(t, s, nil, []string{"user-1"})
		save(t, s, "k", inFlight, tokencache.ErrStale)
		save(t, s, "k2", untagged, nil)
		save(t, s, "k", mint(t, s, "k", "after", "user-1"), nil)
		want(t, s, "k", "after")
	}},
	{"InvalidateTagDropsTaggedEntries", func(t T, s tokencache.Store) {
		save(t, s, "a", mint(t, s, "a", "va", "user-1", "page-1"), nil)
		save(t, s, "b", mint(t, s, "b", "vb", "user-1"), nil)
		save(t, s, "c", mint(t, s, "c", "vc", "user-2"), nil)
		invalidate(t, s, nil, []string{"user-1"}, "va", "vb")
		want(t, s, "a", "", "b", "", "c", "vc")
		invalidate(t, s, nil, []string{"never-used"})
		want(t, s, "c", "vc")
	}},
	{"InvalidateIDDropsThatEntry", func(t T, s tokencache.Store) {
		save(t, s, "a", mint(t, s, "a", "va"), nil)
		save(t, s, "b", mint(t, s, "b", "vb"), nil)
		invalidate(t, s, nil, []string{"id-va", "id-unknown"}, "va")
		want(t, s, "a", "", "b", "vb")
	}},
	{"ReplacedEntryLeavesItsOldLinks", func(t T, s tokencache.Store) {
		save(t, s, "k", mint(t, s, "k", "v1", "old-tag"), nil)
		save(t, s, "k", mint(t, s, "k", "v2", "new-tag"), nil)
		invalidate(t, s, nil, []string{"old-tag", "id-v1"})
		want(t, s, "k", "v2")
		invalidate(t, s, nil, []string{"new-tag"}, "v2")
		want(t, s, "k", "")
	}},
	{"LeadIsOnePerKey", func(t T, s tokencache.Store) {
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
	}},
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

// save saves e under key and checks the error is wantErr; a stale save
// (wantErr ErrStale) must store nothing.
func save(t T, s tokencache.Store, key string, e tokencache.Entry, wantErr error) {
	t.Helper()
	if err := s.Save(context.Background(), key, e); !errors.Is(err, wantErr) {
		t.Fatalf("Save(%q) = %v, want %v", key, err, wantErr)
	}
	if wantErr != nil {
		want(t, s, key, "")
	}
}

// invalidate invalidates and checks that exactly tokens were returned as
// dropped.
func invalidate(t T, s tokencache.Store, keys, tags []string, tokens ...string) {
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
	slices.Sort(tokens)
	if !slices.Equal(got, tokens) {
		t.Fatalf("Invalidate(%q, %q) dropped %d entries, want %d", keys, tags, len(got), len(tokens))
	}
}

// want checks, for each key and value in keyValues, that key holds value
// ("" for none).
func want(t T, s tokencache.Store, keyValues ...string) {
	t.Helper()
	for i := 0; i+1 < len(keyValues); i += 2 {
		key, value := keyValues[i], keyValues[i+1]
		switch e, ok, err := s.Load(context.Background(), key); {
		case err != nil:
			t.Fatalf("Load(%q): %v", key, err)
		case value == "" && ok:
			t.Fatalf("Load(%q) found an entry, want none", key)
		case value != "" && (!ok || e.Token.Reveal() != value):
			t.Fatalf("Load(%q) = %v, %v; want another value", key, e.Token, ok)
		}
	}
}
