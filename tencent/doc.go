// Package tencent mints and manages Tencent Cloud BI strong-auth embed
// tokens: CreateEmbedToken, ApplyEmbedInterval (extend a token) and
// ClearEmbedToken (clear an enterprise id's tokens), and builds the embed
// URLs of pages, dashboards and ChatBI.
//
//	client, err := tencent.NewClient(tencent.WithSecret(id, key))
//	if err != nil { ... }
//	req := tencent.NewPageRequest(projectID, pageID)
//	req.Expiry = 30 * time.Minute
//	req.TokenType, req.UserCorpID, req.UserID = tencent.TokenTypeSingleUser, corpID, userID
//	tok, err := client.CreateEmbedToken(ctx, req)
//	if err != nil { ... }
//	link, err := tok.URL(tencent.WithPageParam("province", "Hubei"))
//
// The client is built on tencentcloud/common, which signs requests
// (TC3-HMAC-SHA256). Requests are typed and checked before any network
// call: bad input gets a *biembed.ValidationError naming the field.
// Failures after that are an *Error, matched with errors.Is against the
// Err* sentinels and the context's errors; biembed.Retryable says whether
// one is worth trying again. The client keeps under the service's rate
// limit (20 requests a second per action), retries what is safe to retry
// with full-jitter backoff (a mint only where the service cannot have
// acted on it), never follows a redirect, and logs nothing but
// allow-listed metadata.
//
// Package youshu has the same shape: NewClient with the same options
// (WithCredential, WithTransport, WithTimeout, WithRetries, WithBackoff,
// WithLogger, WithRateLimiter, WithClock), a token type with URL, an *Error
// with the same sentinels, NewCache over package tokencache, and a fake
// for tests (tencenttest, youshutest).
package tencent
