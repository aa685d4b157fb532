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
// (TC3-HMAC-SHA256). Requests are checked before any network call: bad
// input gets a *biembed.ValidationError naming the field. Failures after
// that are an *Error. The client keeps under the service's rate limit,
// retries what is safe to retry, never follows a redirect, and logs
// nothing but allow-listed metadata. Package youshu has the same shape,
// options and sentinels; NewCache builds a tokencache over the client, and
// tencenttest is the fake to test against.
package tencent
