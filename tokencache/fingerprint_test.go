package tokencache

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/biembed/biembed-go/internal/validate"
)

// TestCacheNeverServesATokenMintedForAnotherRequest: a user whose rows
// shrank asks with a new request; it is a miss and never gets the token
// minted for the wider one.
func TestCacheNeverServesATokenMintedForAnotherRequest(t *testing.T) {
	t.Parallel()
	m := newMinter()
	c := newCache(t, m, nil)
	wide := mustGet(t, c, req{Name: "tenant/alice", Rows: "all provinces"})
	narrow := mustGet(t, c, req{Name: "tenant/alice", Rows: "Zhejiang"})
	assert.Equal(t, "Zhejiang", narrow.Rows, "the narrower request is not served the wider token")
	assert.NotEqual(t, wide.ID, narrow.ID)
	assert.Equal(t, narrow, mustGet(t, c, req{Name: "tenant/alice", Rows: "Zhejiang"}))
	assert.Equal(t, Stats{Hits: 1, Misses: 2, Mints: 2}, c.Stats())
}

// TestSingleFlightIsPerRequest: a Get waiting on a flight for another
// request of the same user must not be handed that flight's token.
func TestSingleFlightIsPerRequest(t *testing.T) {
	t.Parallel()
	m := newMinter()
	m.gate = make(chan struct{})
	entered := make(chan struct{}, 2)
	c := newCache(t, m, func(cfg *Config[req, token]) {
		cfg.Mint = func(ctx context.Context, r req) (token, error) {
			entered <- struct{}{}
			return m.Mint(ctx, r)
		}
	})
	got := make(chan token, 2)
	for _, rows := range []string{"wide", "narrow"} {
		go func() { got <- mustGet(t, c, req{Name: "k", Rows: rows}) }()
	}
	<-entered
	<-entered // two mints: one per request
	close(m.gate)
	for range 2 {
		assert.Contains(t, []string{"wide", "narrow"}, (<-got).Rows)
	}
	assert.EqualValues(t, 2, m.calls.Load())
}

func TestKeyErrorFailsTheGetBeforeMinting(t *testing.T) {
	t.Parallel()
	m := newMinter()
	bad := validate.Fieldf("Rows", "must be set")
	c := newCache(t, m, func(cfg *Config[req, token]) {
		cfg.Key = func(req) (string, error) { return "", bad }
	})
	_, err := c.Get(context.Background(), req{Name: "k"})
	assert.True(t, errors.Is(err, bad))
	assert.Zero(t, m.calls.Load())
}
