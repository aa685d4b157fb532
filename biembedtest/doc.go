// Package biembedtest is package biembed's companion for tests: a manual
// Clock that one test hands to a client, its token cache and a fake at
// once (every clock option of the SDK takes a func() time.Time: pass
// clock.Now), so hours of token life pass in microseconds and every part
// agrees on the time.
//
//	clock := biembedtest.NewClock(time.Now())
//	srv := tencenttest.NewTestServer(t, tencenttest.WithClock(clock.Now))
//	client, _ := tencent.NewClient(..., tencent.WithClock(clock.Now))
//	cache, _ := tencent.NewCache(client, tokencache.Options{Now: clock.Now})
//	clock.Advance(time.Hour) // client, cache and fake all move
//
// The package imports nothing of the SDK, so any test may use it.
package biembedtest
