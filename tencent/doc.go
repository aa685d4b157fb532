// Package tencent mints and manages Tencent Cloud BI strong-auth embed
// tokens: CreateEmbedToken, ApplyEmbedInterval (extend a token) and
// ClearEmbedToken (enterprise admins), plus the embed URLs of pages,
// dashboards and ChatBI.
//
// The client is built on tencentcloud/common, which signs requests
// (TC3-HMAC-SHA256). Requests are Go-typed and checked before any network
// call; bad input is a *ValidationError naming the field. Call failures are
// an *Error matched with errors.Is against the Err* sentinels. The client
// keeps itself under the service's rate limit (20 requests a second per
// action by default), retries only RequestLimitExceeded (with jittered
// exponential backoff, never after ctx is done) and logs, when given a
// logger, only allow-listed metadata and masked tokens.
//
// Usage:
//
//	client, err := tencent.NewClient(tencent.WithSecret(id, key))
//	if err != nil { ... }
//	req := tencent.NewPageRequest(projectID, pageID)
//	req.Expiry = 30 * time.Minute
//	tok, err := client.CreateEmbedToken(ctx, req)
//	if err != nil { ... }
//	embedURL, err := tok.URL(tencent.WithPageParam("province", "Hubei"))
//
// Package tencenttest is a fake of the service for tests.
package tencent
