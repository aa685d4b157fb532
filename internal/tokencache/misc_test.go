package tokencache

import (
	"context"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/biembed/biembed-go/internal/testkit/secrettest"
	"github.com/biembed/biembed-go/internal/validate"
)

func TestIndexEvictOrder(t *testing.T) {
	t.Parallel()
	at := func(h int) time.Time { return t0.Add(time.Duration(h) * time.Hour) }
	cases := []struct {
		name   string
		cutoff time.Time
		limit  int
		want   []string
	}{
		{"nothing to do", at(0), 5, nil},
		{"expired first, soonest first", at(2), 5, []string{"h1", "h2"}},
		{"over the limit", at(0), 2, []string{"h1", "h2", "h3"}},
		{"both", at(1), 3, []string{"h1", "h2"}},
		{"limit zero", at(0), 0, []string{"h1", "h2", "h3", "h4", "h5"}},
	}
	for _, tc := range cases {
		ix := newIndex()
		for _, h := range []int{4, 2, 5, 1, 3} {
			key := fmt.Sprintf("h%d", h)
			ix.add(key, at(h))
		}
		assert.Equal(t, tc.want, ix.evict(tc.cutoff, tc.limit), tc.name)
		assert.Equal(t, 5-len(tc.want), ix.len(), tc.name)
	}
}

func TestNothingPrintsTheToken(t *testing.T) {
	t.Parallel()
	const tok = secrettest.IntegrateToken
	var mu sync.Mutex
	var seen []string
	c, err := New(Config[string, string]{
		Mint: func(context.Context, string) (string, error) { return tok, nil },
		Lifetime: func(string) (time.Time, time.Time) {
			return t0, t0.Add(time.Hour)
		},
		ID:    func(v string) string { return v },
		Clock: NewFakeClock(t0),
		OnEvent: func(e Event) {
			mu.Lock()
			defer mu.Unlock()
			seen = append(seen, fmt.Sprintf("%+v %#v", e, e))
		},
	})
	require.NoError(t, err)
	defer func() { require.NoError(t, c.Close()) }()
	got, err := c.Get(context.Background(), "k", "")
	require.NoError(t, err)
	require.Equal(t, tok, got)
	_, _ = c.Get(context.Background(), "k", "")
	require.NoError(t, c.InvalidateValue(context.Background(), tok))

	entry := Entry[string]{Value: tok, IssuedAt: t0, ExpiresAt: t0}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
		for _, v := range []any{c, entry, &entry} {
			out := fmt.Sprintf(verb, v)
			assert.NotContains(t, out, tok, verb)
			assert.NotContains(t, out, fmt.Sprintf("%x", tok), verb)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	assert.NotContains(t, strings.Join(seen, "\n"), tok)
	assert.Len(t, seen, 4, "miss, mint, hit, invalidate")
}

func TestKeyOf(t *testing.T) {
	t.Parallel()
	type request struct {
		Tenant string
		User   string
		Params map[string]string
	}
	a := request{"acme", "alice", map[string]string{"x": "1", "y": "2", "z": "3"}}
	b := request{"acme", "alice", map[string]string{"z": "3", "y": "2", "x": "1"}}
	c := request{"acme", "bob", a.Params}

	ka, err := KeyOf(a)
	require.NoError(t, err)
	kb, _ := KeyOf(b)
	kc, _ := KeyOf(c)
	assert.Equal(t, ka, kb, "map order does not matter")
	assert.NotEqual(t, ka, kc)
	assert.True(t, strings.HasPrefix(ka, "sha256:"))
	assert.Len(t, ka, len("sha256:")+64)

	secret, _ := KeyOf(map[string]string{"password": secrettest.Password})
	assert.NotContains(t, secret, secrettest.Password)

	for _, bad := range []any{make(chan int), math.NaN(), func() {}} {
		_, err := KeyOf(bad)
		var ve *validate.Error
		require.ErrorAs(t, err, &ve, "%T", bad)
		assert.Equal(t, "v", ve.Field)
	}
}

func TestFakeClock(t *testing.T) {
	t.Parallel()
	c := NewFakeClock(t0)
	assert.Equal(t, t0, c.Now())
	var wg sync.WaitGroup
	for range 100 {
		wg.Add(1)
		go func() { defer wg.Done(); c.Advance(time.Second) }()
	}
	wg.Wait()
	assert.Equal(t, t0.Add(100*time.Second), c.Now())
	c.Set(t0)
	assert.Equal(t, t0, c.Now())
	var zero FakeClock
	assert.True(t, zero.Now().IsZero())
}

func TestEventKindString(t *testing.T) {
	t.Parallel()
	names := map[string]bool{}
	for k := EventHit; k <= EventStale; k++ {
		names[k.String()] = true
	}
	assert.Len(t, names, numKinds)
	assert.NotContains(t, names, "unknown")
	assert.Equal(t, "unknown", EventKind(0).String())
}
