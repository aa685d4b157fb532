// Package youshu mints embed tokens for NetEase Youshu BI through its
// /api/dash/util endpoints (genToken, rmToken, renewToken) and builds the
// integration URLs that carry them.
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
// Requests are checked before any network call: bad input gets a
// *biembed.ValidationError naming the wire field. Failures after that are
// an *Error. Passwords travel in the request body, so the base URL must be
// https unless WithInsecureHTTP is given. The client retries what is safe
// to retry (see WithRetries), never follows a redirect, keeps resty's
// logging and debug dumps off, and logs nothing but allow-listed metadata;
// every secret is a biembed.Secret, and error text holds none. Package
// tencent has the same shape, options and sentinels; NewCache builds a
// tokencache over the client, and youshutest is the fake to test against.
package youshu
