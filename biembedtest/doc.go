// Package biembedtest holds the test helpers that both in-process fakes,
// tencent/tencenttest and youshu/youshutest, share: a manual Clock that one
// test can hand to a client, its token cache and a fake at once, so an hour
// of token lifetime passes in microseconds and every part of the system
// agrees on the time.
//
// Every clock option of the SDK takes an interface{ Now() time.Time }:
// tencent.WithClock, youshu.WithClock, the Clock field of both
// CacheOptions, tencenttest.WithClock and youshutest.WithClock. *Clock
// satisfies it, and ClockFunc adapts a plain function.
//
//	clock := biembedtest.NewClock(time.Now())
//	srv := tencenttest.NewTestServer(t, tencenttest.WithClock(clock))
//	client, _ := tencent.NewClient(..., tencent.WithClock(clock))
//	cache, _ := tencent.NewCache(client, tencent.CacheOptions{Clock: clock})
//	clock.Advance(time.Hour) // client, cache and fake all move
//
// The package imports nothing of the SDK, so any test may use it.
package biembedtest
