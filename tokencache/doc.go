// Package tokencache serves live embed tokens and mints only when needed.
// tencent.NewCache and youshu.NewCache build one over their client; this
// package documents what every cache does and the Store a fleet shares.
//
// A Cache is keyed by the request itself: Get(ctx, req) serves a token
// minted for a request equal to req (the vendor's fingerprint of its wire
// form), so a user whose permissions changed never gets a token minted for
// the old ones.
//
//   - Refresh-ahead: a token inside its refresh margin is still served while
//     one background mint replaces it. The margin is RefreshFraction of the
//     token's lifetime, at least MinRefreshMargin, never more than half the
//     lifetime. A failing refresh backs off (1s doubling to 30s) per key.
//   - Skew: a token is never served once the time is past its expiry less
//     Skew; the caller waits for a new one.
//   - Single-flight: concurrent Gets for one request share one mint, across
//     a fleet too when the Store is shared (redisstore). A failure reaches
//     every waiter and is not cached; a waiter whose ctx ends stops waiting
//     while the mint goes on for the others.
//   - Never shared: single-use and ticket-limited tokens bypass the cache.
//   - Revocation: Revoke and RevokeUser revoke at the vendor and drop the
//     tokens fleet-wide; Forget and ForgetUser only drop them from the
//     cache (the vendor still honours them until they expire). Either voids
//     the save of a mint racing it: that token reaches the Gets that waited
//     for it but is never cached. With RevokeSuperseded, a mint for a
//     request that differs from a user's earlier ones revokes those at the
//     vendor (where the vendor can revoke one token alone).
//   - Robust: a panic in a callback, OnEvent or a Store is recovered and
//     becomes an ErrPanicked error; every flight lands, so later Gets and
//     Close never hang. Close cancels background mints and waits for them.
//   - Observable: Stats counts every Event; OnEvent sees each as it happens;
//     Logger gets one WARN line when a degraded mode starts (refreshes
//     failing, a fleet lock wait timing out) and one when it ends.
//
// Tokens never print: Event carries the kind and key only, and Entry holds
// the token as a biembed.Secret.
package tokencache
