package tokencache

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestEventsAreRecordedBeforeTheFlightLands pins hardening item 17: the
// mint's counter and event come before the flight lands, so a Get that
// returns its token always finds Stats().Mints counting it.
func TestEventsAreRecordedBeforeTheFlightLands(t *testing.T) {
	t.Parallel()
	for _, fail := range []bool{false, true} {
		m := newMinter()
		if fail {
			m.setFail(errors.New("mint failed"))
		}
		var c *Cache[req, token]
		landedFirst := make(chan bool, 1)
		c = newCache(t, m, func(cfg *Config[req, token]) {
			cfg.OnEvent = func(e Event) {
				if e.Kind != EventMint && e.Kind != EventError {
					return
				}
				c.mu.Lock()
				landedFirst <- len(c.flights) == 0
				c.mu.Unlock()
			}
		})
		_, err := c.Get(context.Background(), req{Name: "k"})
		assert.Equal(t, fail, err != nil)
		assert.False(t, <-landedFirst, "the flight landed before its event was recorded")
		s := c.Stats()
		assert.Equal(t, uint64(1), s.Mints+s.Errors, "counted before Get returned")
	}
}

// TestFailingRefreshBacksOff: a background refresh that keeps failing is not
// retried on every hit, but after a growing pause.
func TestFailingRefreshBacksOff(t *testing.T) {
	t.Parallel()
	m := newMinter()
	refreshes := watch(EventRefresh)
	c := newCache(t, m, func(cfg *Config[req, token]) { cfg.OnEvent = refreshes.hook })
	tok := mustGet(t, c, req{Name: "k"})
	m.setFail(errors.New("vendor down"))
	m.clock.Advance(50 * time.Minute) // inside the refresh margin (12 min of 60)

	// hit serves the cached token; it reports whether it started a refresh,
	// and waits for that refresh to land.
	hit := func() bool {
		t.Helper()
		before := c.Stats().Refreshes
		require.Equal(t, tok, mustGet(t, c, req{Name: "k"}))
		if c.Stats().Refreshes == before {
			return false
		}
		refreshes.next()
		c.mu.Lock()
		f := c.flights["k:k||"]
		c.mu.Unlock()
		if f != nil {
			<-f.done
		}
		return true
	}
	require.True(t, hit(), "the first hit in the margin refreshes")
	assert.False(t, hit(), "a hit right after a failure does not")
	assert.False(t, hit())
	m.clock.Advance(time.Second)
	assert.True(t, hit(), "after the first pause (1s) it tries again")
	m.clock.Advance(time.Second)
	assert.False(t, hit(), "the pause has doubled")
	m.clock.Advance(time.Second)
	assert.True(t, hit())

	m.setFail(nil)
	m.clock.Advance(4 * time.Second)
	assert.True(t, hit(), "this refresh succeeds")
	assert.NotEqual(t, tok.ID, mustGet(t, c, req{Name: "k"}).ID, "the new token is served")
	c.mu.Lock()
	defer c.mu.Unlock()
	assert.Empty(t, c.retry, "a success forgets the failures")
}
