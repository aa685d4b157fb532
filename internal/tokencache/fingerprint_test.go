package tokencache

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/biembed/biembed-go/internal/validate"
)

// TestFingerprintMismatchIsAMissAndReplaces pins hardening item 15: a key
// whose request changed (a user's rows shrank) must not be served the token
// minted for the old request.
func TestFingerprintMismatchIsAMissAndReplaces(t *testing.T) {
	t.Parallel()
	m := newMinter()
	c := newCache(t, m, func(cfg *Config[req, token]) { cfg.Fingerprint = rowsFingerprint })

	wide := mustGet(t, c, "tenant/alice", req{Rows: "all provinces"})
	narrow := mustGet(t, c, "tenant/alice", req{Rows: "Zhejiang"})
	assert.Equal(t, "Zhejiang", narrow.Rows, "the narrower request is not served the wider token")
	assert.NotEqual(t, wide.ID, narrow.ID)
	assert.Equal(t, narrow, mustGet(t, c, "tenant/alice", req{Rows: "Zhejiang"}), "the new token replaced the old")

	e, ok, err := c.cfg.Store.Load(context.Background(), "tenant/alice")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, "rows:Zhejiang", e.Fingerprint)
	assert.Equal(t, Stats{Hits: 1, Misses: 2, Mints: 2}, c.Stats())
}

// TestSingleFlightIsPerFingerprint: a Get waiting on a flight for the same
// key but another request must not be handed that flight's token.
func TestSingleFlightIsPerFingerprint(t *testing.T) {
	t.Parallel()
	m := newMinter()
	m.gate = make(chan struct{})
	entered := make(chan struct{}, 2)
	c := newCache(t, m, func(cfg *Config[req, token]) {
		cfg.Fingerprint = rowsFingerprint
		cfg.Mint = func(ctx context.Context, r req) (token, error) {
			entered <- struct{}{}
			return m.Mint(ctx, r)
		}
	})
	got := make(chan token, 2)
	for _, rows := range []string{"wide", "narrow"} {
		go func() { got <- mustGet(t, c, "k", req{Rows: rows}) }()
	}
	<-entered
	<-entered // two mints: one per fingerprint
	close(m.gate)
	for range 2 {
		tok := <-got
		assert.Contains(t, []string{"wide", "narrow"}, tok.Rows)
	}
	assert.EqualValues(t, 2, m.calls.Load())
}

func TestFingerprintErrorFailsTheGetBeforeMinting(t *testing.T) {
	t.Parallel()
	m := newMinter()
	bad := validate.Fieldf("Rows", "must be set")
	c := newCache(t, m, func(cfg *Config[req, token]) {
		cfg.Fingerprint = func(req) (string, error) { return "", bad }
	})
	_, err := c.Get(context.Background(), "k", req{})
	assert.True(t, errors.Is(err, bad))
	_, err = c.GetFor(context.Background(), req{})
	assert.True(t, errors.Is(err, bad))
	assert.Zero(t, m.calls.Load())
}

func TestGetForKeysByFingerprint(t *testing.T) {
	t.Parallel()
	m := newMinter()
	c := newCache(t, m, func(cfg *Config[req, token]) { cfg.Fingerprint = rowsFingerprint })
	ctx := context.Background()
	a, err := c.GetFor(ctx, req{Rows: "a"})
	require.NoError(t, err)
	b, err := c.GetFor(ctx, req{Rows: "b"})
	require.NoError(t, err)
	again, err := c.GetFor(ctx, req{Rows: "a"})
	require.NoError(t, err)
	assert.Equal(t, a, again)
	assert.NotEqual(t, a.ID, b.ID)
	_, ok, _ := c.cfg.Store.Load(ctx, "rows:b")
	assert.True(t, ok, "the key is the fingerprint")

	plain := newCache(t, m, nil)
	_, err = plain.GetFor(ctx, req{})
	var ve *validate.Error
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "Fingerprint", ve.Field)
	empty := newCache(t, m, func(cfg *Config[req, token]) {
		cfg.Fingerprint = func(req) (string, error) { return "", nil }
	})
	_, err = empty.GetFor(ctx, req{})
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "Fingerprint", ve.Field)

	var nilCtx context.Context
	_, err = plain.GetFor(nilCtx, req{})
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "ctx", ve.Field)
}
