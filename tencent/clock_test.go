package tencent_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/biembed/biembed-go/biembedtest"
	"github.com/biembed/biembed-go/internal/tokencache"
	"github.com/biembed/biembed-go/tencent"
	"github.com/biembed/biembed-go/tencent/tencenttest"
)

// TestOneClockDrivesAnHourOfClientCacheAndFake shares one manual clock, set
// far from the real time, between the fake, the client and its cache, and
// plays two hours of token life: mint, refresh ahead, expiry, a new mint.
// Every call is signed by the shared clock, so the fake's five-minute
// signature check never fails, and the whole test takes milliseconds.
func TestOneClockDrivesAnHourOfClientCacheAndFake(t *testing.T) {
	t.Parallel()
	start := time.Date(2024, 2, 29, 23, 58, 0, 0, time.UTC) // a leap day, two minutes before the date turns
	clock := biembedtest.NewClock(start)
	srv := tencenttest.NewTestServer(t, tencenttest.WithClock(clock))
	client, err := tencent.NewClient(tencent.WithSecret(tencenttest.SecretID, tencenttest.SecretKey),
		tencent.WithEndpoint(srv.URL()), tencent.WithClock(clock))
	require.NoError(t, err)
	t.Cleanup(client.CloseIdleConnections)
	mints := make(chan struct{}, 8)
	cache, err := tencent.NewCache(client, tencent.CacheOptions{Clock: clock, OnEvent: func(e tencent.CacheEvent) {
		if e.Kind == tokencache.EventMint {
			mints <- struct{}{}
		}
	}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = cache.Close() })
	ctx := context.Background()
	req := tencent.NewPageRequest(7, 8)
	req.Expiry = time.Hour

	first, err := cache.Get(ctx, "alice", req)
	require.NoError(t, err, "the first mint")
	<-mints
	assert.Equal(t, start.Add(time.Hour), first.ExpiresAt, "ExpiresAt follows the shared clock")
	stored, ok := srv.Lookup(first.Value.Reveal())
	require.True(t, ok)
	assert.Equal(t, start.Add(time.Hour), stored.ExpiresAt, "the fake's expiry follows the shared clock")

	clock.Advance(50 * time.Minute) // inside the 12-minute refresh margin
	served, err := cache.Get(ctx, "alice", req)
	require.NoError(t, err)
	assert.Equal(t, first.Value, served.Value, "the old token is served while the refresh runs")
	<-mints
	second, err := cache.Get(ctx, "alice", req)
	require.NoError(t, err)
	assert.NotEqual(t, first.Value, second.Value, "the refresh ahead replaced the token")
	assert.Equal(t, start.Add(110*time.Minute), second.ExpiresAt)

	clock.Advance(15 * time.Minute) // the first token is past its hour
	err = client.ApplyEmbedInterval(ctx, tencent.ExtendRequestFor(first))
	assert.Equal(t, "InvalidParameter.Embed", asError(t, err).Code, "the fake saw the first token expire")

	clock.Advance(time.Hour) // the second token expired too
	third, err := cache.Get(ctx, "alice", req)
	require.NoError(t, err, "a mint two hours later")
	assert.NotEqual(t, second.Value, third.Value)
	assert.Equal(t, start.Add(125*time.Minute+time.Hour), third.ExpiresAt)
	assert.Equal(t, 3, srv.Count(tencent.ActionCreateEmbedToken))
}
