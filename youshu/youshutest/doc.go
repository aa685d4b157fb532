// Package youshutest is an in-process fake of the NetEase Youshu BI token
// endpoints and integration pages, for tests. It serves, on a loopback
// port:
//
//   - POST /api/dash/util/genToken: authenticates the password, tokenKey or
//     custom (SSO) credential against its accounts (Admin, User,
//     WithAccount), applies the super admin, project admin and domain owner
//     rules, checks the body with youshu.GenTokenRequest.Validate (so SDK
//     and fake cannot drift apart) and its data models (WithDataModels),
//     and mints a token;
//   - GET /api/dash/util/rmToken and renewToken: remove or renew token t
//     with a deleteToken or updateToken helper token;
//   - the integration pages /dash/integration/{projectId},
//     /dash/screenIntegration/{projectId}?sid=,
//     /dash/newScreen/integration/view/{sid}, /dash/cockpitIntegration and
//     chatbi/dialogIntegration (under /dash/ or at the root), with ?token=T.
//
// It records requests (Requests, Count), looks tokens up (Lookup) and
// injects faults (Inject). Package tencenttest is the same fake for
// Tencent Cloud BI, with the same names.
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
// # Tokens and pages
//
// A token expires after its expiryTime (24 hours without one) on the
// fake's clock; share one manual clock's Now with the client and the cache
// to run hours of token life in seconds. A once token opens one page; an
// autoRenew token's expiry moves to now + autoRenew.expiryTime on each
// visit; renewToken moves it to now + the token's lifetime.
//
// A page refuses a token as the product does, with <section id="error"
// data-reason="unknown|expired|missing-token|used-up|wrong-page|not-found">
// and a 4xx status. Otherwise <section id="grant"> shows #grant-user,
// #grant-scope, #grant-target, #grant-expires and the lists li.row-filter
// ("province in Hubei, Hunan (orders, connection 1)"), li.column-mask,
// li.display-setting (clientSetting and the watermark, "path: value") and
// li.page-param, every value HTML-escaped. An open page polls GET
// /dash/status?token=T every 250 ms of real time, answered from the fake's
// clock, and shows the answer in <section id="state"
// data-state="live|expired" data-reason>: a renewed page goes on, a
// removed one says expired (reason removed). <input id="probe"> keeps what
// a test types, so a test can tell a kept page from a reloaded one.
//
// Requests keeps the last 1,000 requests and Count counts all; the token
// table drops expired and removed tokens, then the oldest, as it grows
// past about 10,000.
package youshutest
