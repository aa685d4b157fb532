// Package tokencache is the engine behind the typed token caches of the
// tencent and youshu packages: a cache in front of a function that mints BI
// embed tokens, so that a live token is reused until it nears expiry.
//
// A Cache serves a token for a caller-chosen key (tenant, user, resource; or
// KeyOf the request) and mints only when needed:
//
//   - Refresh-ahead: a token inside its refresh margin is still served while
//     one background mint replaces it. The margin is RefreshFraction of the
//     token's lifetime (ExpiresAt − IssuedAt), at least MinRefreshMargin, and
//     never more than half the lifetime.
//   - Skew: a token is never served once the time is past ExpiresAt − Skew;
//     the caller waits for a new one instead.
//   - Single-flight: concurrent Gets for one key share one mint. A failed mint
//     is returned to every waiter and not cached. A waiter whose context ends
//     stops waiting, but the mint carries on for the others.
//   - Bypass: tokens that must not be shared (single-use, ticket-limited) are
//     minted for every Get, never cached and never shared between callers.
//   - Bounded: at most MaxEntries tokens are kept; tokens that can no longer
//     be served go first, then the ones that expire soonest.
//   - Fingerprints: an entry keeps the fingerprint of the request it was
//     minted for (Config.Fingerprint) and is served only to Gets whose
//     request has the same; GetFor derives the key from it.
//   - Revocation: Invalidate drops a key, InvalidateValue drops a token by its
//     identity (Config.ID), InvalidateTag every token saved with a tag
//     (Config.Tags). Each goes through Store.Invalidate, which also voids
//     the save of a mint running for what it invalidates (Store.Epoch,
//     ErrStale): a token revoked while it was minted is handed to the Gets
//     that waited for it but never cached.
//   - Robust: a panic in Mint, Lifetime, ID, Tags, Bypass, Fingerprint,
//     OnEvent or a Store method is recovered and becomes an ErrPanicked
//     error (to the Gets that needed the call, and as an EventError); every
//     flight lands, so later Gets and Close never hang. A background refresh
//     that fails waits 1s, doubling up to 30s, before a hit tries again.
//   - Prompt counts: a mint's counter and event are recorded before its
//     waiters are released, so Stats is current when Get returns.
//
// Defaults: RefreshFraction 0.2, MinRefreshMargin 30s, Skew 30s,
// MaxEntries 10,000, no MintTimeout, an in-memory Store and the system clock.
//
// The cache never prints a token: Event carries the kind and key only, and
// Cache and Entry format without their values.
package tokencache
