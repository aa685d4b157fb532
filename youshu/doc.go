// Package youshu mints embed tokens for NetEase Youshu BI through its
// /api/dash/util endpoints (genToken, rmToken, renewToken) and builds the
// integration URLs that carry them.
//
// A Client talks to one Youshu host:
//
//	client, err := youshu.NewClient("https://bi.example.com",
//		youshu.WithCredential(youshu.TokenKey(os.Getenv("YOUSHU_TOKEN_KEY"))))
//	if err != nil { ... }
//	tok, err := client.GenToken(ctx, &youshu.GenTokenRequest{
//		AuthUniqueID: "alice",
//		FilterMap:    rows, // filtermap.FilterMap
//		Expiry:       time.Hour,
//	})
//	if err != nil { ... }
//	link, err := tok.URL(youshu.Report(projectID))
//
// Package tencent has the same shape: NewClient with the same options
// (WithCredential, WithTransport, WithTimeout, WithRetries, WithBackoff,
// WithLogger, WithRateLimiter, WithClock), a token type with URL, an *Error
// with the same sentinels, NewCache over package tokencache, and a fake
// for tests (youshutest, tencenttest).
//
// # Errors
//
// Bad input gets a *biembed.ValidationError naming the wire field and the
// rule before anything is sent. Failures after that are an *Error carrying
// the endpoint, the HTTP status and the envelope's code, matched with
// errors.Is: ErrRateLimited, ErrUnauthorized, ErrNotFound,
// ErrReportDataFilters, ErrServer, ErrNetwork, ErrTimeout, ErrHTTPStatus,
// ErrMalformedResponse, ErrResponseTooLarge, and the
// context's errors. biembed.Retryable says whether one is worth trying
// again. Error text never holds a password, key, integrate token, helper
// token or minted token, and transport errors lose their URL's query.
//
// # Retries
//
// genToken mints, so it is retried only when the server cannot have acted
// on it: the connection failed before sending, HTTP 429 or 503. rmToken and
// renewToken are also retried after timeouts, cut connections and HTTP 500,
// 502 and 504. Retries wait with full-jitter exponential backoff; none
// starts once the context is done.
//
// # Security
//
// Passwords travel in the request body, so the base URL must be https
// unless WithInsecureHTTP is given. Every secret is a biembed.Secret, which
// no fmt verb, slog handler or json.Marshal shows; GenTokenRequest marshals
// without its credential. Redirects are never followed. resty's own logging
// and debug dumps stay off; WithLogger's lines carry allow-listed metadata
// only.
package youshu
