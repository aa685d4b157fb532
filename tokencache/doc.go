// Package tokencache serves live embed tokens and mints only when needed.
// tencent.NewCache and youshu.NewCache build one over their client; this
// package documents what every cache does and the Store a fleet shares.
//
// A Cache is keyed by the request itself and the host its client talks to:
// Get(ctx, req) serves only a token minted for a request equal to req, at
// that host, so a user whose permissions changed never gets a token minted
// for the old ones, nor one of another deployment sharing the Store (whose
// tokens its revocations never reach either).
//
//   - Refresh-ahead: a token inside its refresh margin (RefreshFraction of
//     its lifetime, at least MinRefreshMargin, at most half the lifetime) is
//     still served while one background mint replaces it; a failing refresh
//     backs off (1s doubling to 30s). Past its expiry less Skew a token is
//     never served.
//   - Single-flight: concurrent Gets for one request share one mint, across
//     a fleet too when the Store is shared (redisstore).
//   - Revocation: Revoke and RevokeUser revoke at the vendor and drop
//     fleet-wide; Forget and ForgetUser only drop. Either voids the save of
//     a mint racing it.
//   - Robust: a panic in a callback, OnEvent or a Store becomes an
//     ErrPanicked error; every flight lands, so Gets and Close never hang.
//   - Observable: Stats and OnEvent see every Event; Logger gets one WARN
//     line when a degraded mode starts and one when it ends.
//
// Tokens never print: an Event holds a kind and a key, an Entry holds the
// token as a biembed.Secret.
package tokencache
