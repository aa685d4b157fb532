// Package youshutest is an in-process fake of the NetEase Youshu BI token
// endpoints and integration pages, for tests; package tencenttest is the
// same fake for Tencent Cloud BI, with the same names. On a loopback port
// it serves:
//
//   - POST /api/dash/util/genToken: authenticates the password, tokenKey or
//     custom (SSO) credential against its accounts (Admin, User,
//     WithAccount), applies the super admin, project admin and domain owner
//     rules, checks the body with youshu.GenTokenRequest.Validate and its
//     data models (WithDataModels), and mints a token;
//   - GET /api/dash/util/rmToken and renewToken: remove or renew token t
//     with a deleteToken or updateToken helper token;
//   - the integration pages /dash/integration/{projectId},
//     /dash/screenIntegration/{projectId}?sid=,
//     /dash/newScreen/integration/view/{sid}, /dash/cockpitIntegration and
//     chatbi/dialogIntegration (under /dash/ or at the root), with ?token=T.
//
// Usage:
//
//	clock := biembedtest.NewClock(time.Now())
//	srv := youshutest.NewTestServer(t, youshutest.WithClock(clock.Now))
//	client, err := youshu.NewClient(srv.URL(), youshu.WithInsecureHTTP(),
//		youshu.WithCredential(youshutest.AdminCredential()), youshu.WithClock(clock.Now))
//
// The API answers HTTP 200 with {"code":200,"result":...} or
// {"code":N,"message":...}: 400 for a body that is no valid genToken
// request, 401 for a wrong credential or a dead helper token, 403 for what
// the caller may not do, 404 for an unknown account or token t, 743 for an
// unknown data model. A wrong method gets HTTP 405, an unknown path HTTP
// 404. These codes are this fake's choices; real deployments may differ.
//
// A token expires after its expiryTime (24 hours without one) on the
// fake's clock. A once token opens one page; an autoRenew token's expiry
// moves to now + autoRenew.expiryTime on each visit; renewToken moves it
// to now + the token's lifetime. Pages and their status polls (GET
// /dash/status) work as in tencenttest; pages add li.column-mask, a
// removed token's page says expired (reason removed), and an unknown path
// is refused with reason not-found.
package youshutest
