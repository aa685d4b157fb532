// Package youshutest is an in-process fake of the NetEase Youshu BI token
// endpoints, for tests of code that uses package youshu. It listens on
// loopback (httptest) and serves:
//
//   - POST /api/dash/util/genToken: authenticates the userPassword, tokenKey
//     or custom (SSO) credential against its accounts, applies the super
//     admin, project admin and domain owner rules, checks reportDataFilters
//     against its data models, and mints a token;
//   - GET /api/dash/util/rmToken and /api/dash/util/renewToken: remove or
//     renew token t with a deleteToken or updateToken helper token;
//   - GET the integration pages, /dash/integration/{projectId},
//     /dash/screenIntegration/{projectId}?sid=, /dash/newScreen/integration/view/{sid},
//     /dash/cockpitIntegration and the ChatBI route chatbi/dialogIntegration
//     (under /dash/ or at the root), with ?token=T, and GET /dash/status,
//     which an open page polls: see Integration pages.
//
// It decodes genToken bodies with youshu.GenTokenRequest and checks them with
// its Validate method, so the SDK and the fake cannot drift apart unnoticed.
// It records requests (Requests, Count), runs on a clock of your choosing
// (WithClock: share one biembedtest.Clock with youshu.WithClock and the
// cache) so expiry needs no sleeping, and injects faults (Inject).
//
//	clock := biembedtest.NewClock(time.Now())
//	srv := youshutest.NewTestServer(t, youshutest.WithClock(clock.Now))
//	client, err := youshu.NewClient(srv.URL(), youshu.WithInsecureHTTP(),
//		youshu.WithCredential(youshutest.AdminCredential()), youshu.WithClock(clock.Now))
//
// # Responses
//
// The API endpoints answer HTTP 200 with a JSON envelope, like the real
// product; the code says what happened:
//
//	200  success: {"code":200,"result":"<token>"} or {"code":200,"result":"ok"}
//	400  body not JSON, not a genToken body, or failing GenTokenRequest.Validate
//	401  (401) credential missing or wrong; helper token
//	     unknown, expired or removed
//	403  (403) not allowed: another account's token or a helper
//	     token without super admin rights, applyScope Project without being
//	     that project's admin, applyScope Domain without being a domain owner,
//	     a helper token of the wrong useType
//	404  authUniqueId or authUserId names no account; token t unknown,
//	     expired or removed
//	743  (743) reportDataFilters names a data model
//	     not given to WithDataModels
//
// A wrong method gets HTTP 405 (code 405); an unknown path HTTP 404 (code
// 404). These codes are this fake's choices; real deployments may differ.
//
// # Integration pages
//
// A page checks its token as the product does. A refusal is an HTML page
// <section id="error" data-reason="..."> with status 401 (unknown or
// removed token: reason unknown; expired; missing-token), 403 (a once token
// already used: used-up; a helper token: wrong-page) or 404 (a path the fake
// does not serve: not-found). Otherwise the page shows what the token grants
// in <section id="grant">: #grant-user, #grant-scope, #grant-target,
// #grant-expires, and lists of li.row-filter (filterMap and row
// reportDataFilters, each as text: "province in Hubei, Hunan (orders,
// connection 1)"), li.column-mask (columnFilterMap and column
// reportDataFilters: "orders.phone masked in view, export (connection 1)"),
// li.display-setting (clientSetting and the watermark, one "path: value"
// each) and li.page-param (the URL's other query parameters). Every value
// is HTML-escaped. The URLs Token.URL builds (youshu.Report, Screen,
// NewScreen, Cockpit, ChatBI, Path) open these pages when the client's base
// URL is srv.URL().
//
// Like the product's page, an open page stops working when its token does:
// its script asks GET /dash/status?token=T every 250 ms of real time, which
// answers from the fake's clock ({"state":"live"|"expired","reason",
// "expires"}; no visit, counted as EndpointStatus), and shows it in
// <section id="state" data-state="live|expired" data-reason="..."> and
// #grant-expires. renewToken moves the expiry, so a renewed page goes on;
// a removed one says expired (reason removed). An <input id="probe"> keeps
// whatever a test types in it, so a test can tell an iframe that kept its
// page from one that was reloaded. With the manual clock a browser test
// runs hours of page life in seconds.
//
// # Bounded memory
//
// Requests returns the last DefaultRequestLog requests (WithRequestLog);
// Count counts all of them. The token table drops expired and removed
// tokens, then the oldest, when it grows: it never holds more than
// max(1024, 1.25*WithTokenLimit) tokens (DefaultTokenLimit 10,000).
//
// # Same API as tencenttest
//
// Both fakes have the same shape and meaning; only vendor names differ:
//
//	youshutest                                  tencenttest
//	NewServer(opts...), NewTestServer(t, ...)   same
//	Close()                                     Close()
//	URL(): youshu.NewClient                     URL(): WithEndpoint, WithEmbedHost
//	(no host:port form)                         Endpoint(): host:port for common
//	Count(endpoint); "" counts all              Count(action); "" counts all
//	Requests(): last N, oldest first            Requests()
//	ResetRequests()                             ResetRequests()
//	Inject(Fault), ClearFaults()                Inject(Fault), ClearFaults()
//	Fault.Endpoint                              Fault.Action
//	Fault.Code int (JSON code)                  Fault.Code string (error code)
//	Lookup(value) (IssuedToken, bool)           Lookup(value) (IssuedToken, bool)
//	Request.GenToken                            Request.CreateEmbedToken
//	youshu.Endpoint*, EndpointIntegration       Action* constants, EmbedPage
//	EndpointStatus (GET /dash/status)           EmbedStatus (GET /page/status)
//	WithClock(clock.Now)                        WithClock(clock.Now)
//	WithRequestLog(n), WithTokenLimit(n)        WithRequestLog(n), WithTokenLimit(n)
//	WithAccount(a)                              WithSecret(id, key)
//	WithDataModels, WithDefaultExpiry, WithTLS  WithRateLimit, WithDeterministicTokens
//
// # Token rules
//
// A token expires after its expiryTime, or WithDefaultExpiry (24 hours) when
// the request had none. A once token works for one integration page visit.
// An autoRenew token's expiry moves to now + autoRenew.expiryTime on each
// visit, when that is later than its current expiry. renewToken moves the
// expiry to now + the token's original lifetime. A removed token can be
// neither used nor renewed.
package youshutest
