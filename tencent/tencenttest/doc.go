// Package tencenttest is an in-process fake of the Tencent Cloud BI embed API
// (CreateEmbedToken, ApplyEmbedInterval, ClearEmbedToken) and of its
// strong-auth embed pages, for tests. It speaks the wire protocol of the
// real service on a loopback httptest server: POST / with a JSON body, the
// X-TC-* headers and a TC3-HMAC-SHA256 Authorization header that it verifies
// with its own verifier (VerifyTC3). Answers are HTTP 200 with
// {"Response":{...,"RequestId":"..."}}, errors are
// {"Response":{"Error":{"Code","Message"},"RequestId"}}, exactly as the real
// service sends them.
//
// The fake checks parameters as the documentation describes, mints unique
// tokens and keeps them with their expiry, records requests for assertions
// (Requests, Count), enforces an optional per-action rate limit and injects
// faults (Inject): error codes, HTTP 5xx, delays, malformed or oversized
// bodies and connections closed mid-body.
//
//	clock := biembedtest.NewClock(time.Now())
//	srv := tencenttest.NewTestServer(t, tencenttest.WithClock(clock.Now))
//	client, err := tencent.NewClient(
//		tencent.WithSecret(tencenttest.SecretID, tencenttest.SecretKey),
//		tencent.WithEndpoint(srv.URL()), tencent.WithEmbedHost(srv.URL()),
//		tencent.WithClock(clock.Now))
//	...
//	srv.Inject(tencenttest.Fault{Code: "InternalError", Times: 1})
//
// # One clock
//
// Give the fake, the client (tencent.WithClock) and the cache
// (tokencache.Options.Now) the same manual clock's Now (biembedtest.Clock):
// token lifetimes follow it, so a test runs hours of token life in
// seconds. Signatures do not: the client signs with the system clock (as
// tencentcloud/common does), and the fake checks their five-minute window
// (AuthFailure.SignatureExpire) against the system clock too, as the real
// service checks real time.
//
// # Embed pages
//
// GET /page/embed and /page/chat-bi-embed check the token as the real pages
// do: authType=strong, a token the fake minted, not expired, tickets left
// (TicketNum), the URL's project, scope and page matching the token's, and
// a ChatBI token only on the ChatBI page. A refusal is an HTML page
// <section id="error" data-reason="..."> with status 401 (unknown, expired,
// missing-token), 403 (used-up, wrong-page), 400 or 405. Otherwise the page
// shows what the token grants in <section id="grant">: #grant-user,
// #grant-scope, #grant-target, #grant-expires, and lists of li.row-filter
// (each GlobalParam as text, "province in Hubei, Hunan"), li.column-mask
// (Tencent has none), li.display-setting (ChatBI ConfigParam) and
// li.page-param (the URL's params[]). Each page shown uses one ticket.
// With tencent.WithEmbedHost(srv.URL()), EmbedToken.URL() opens these pages.
//
// Like the real page, an open page stops working when its token does: its
// script asks GET /page/status?token=T every 250 ms of real time, which
// answers from the fake's clock ({"state":"live"|"expired","reason",
// "expires"}; no ticket used, counted as EmbedStatus), and shows it in
// <section id="state" data-state="live|expired" data-reason="..."> and
// #grant-expires. ApplyEmbedInterval moves the expiry, so an extended page
// goes on; a cleared one says expired (reason unknown). An <input
// id="probe"> keeps whatever a test types in it, so a test can tell an
// iframe that kept its page from one that was reloaded. With the manual
// clock a browser test runs hours of page life in seconds.
//
// # Bounded memory
//
// Requests returns the last DefaultRequestLog requests (WithRequestLog);
// Count counts all of them. The token table drops expired tokens, then the
// oldest, when it grows: it never holds more than max(1024,
// 1.25*WithTokenLimit) tokens (DefaultTokenLimit 10,000). So a benchmark or
// a long test suite of a million calls keeps a few MiB, not gigabytes.
//
// # Same API as youshutest
//
// Both fakes have the same shape and meaning; only vendor names differ:
//
//	tencenttest                             youshutest
//	NewServer(opts...)                      NewServer(opts...)
//	NewTestServer(t, opts...)               NewTestServer(t, opts...)
//	Close()                                 Close()
//	URL(): WithEndpoint, WithEmbedHost      URL(): youshu.NewClient
//	Endpoint(): host:port for common        (no such form)
//	Count(action); "" counts all            Count(endpoint); "" counts all
//	Requests(): last N, oldest first        Requests(): last N, oldest first
//	ResetRequests()                         ResetRequests()
//	Inject(Fault), ClearFaults()            Inject(Fault), ClearFaults()
//	Fault.Action                            Fault.Endpoint
//	Fault.Code string (error code)          Fault.Code int (JSON code)
//	Lookup(value) (IssuedToken, bool)       Lookup(value) (IssuedToken, bool)
//	Request.CreateEmbedToken                Request.GenToken
//	Action* constants, EmbedPage            youshu.Endpoint*, EndpointIntegration
//	EmbedStatus (GET /page/status)          EndpointStatus (GET /dash/status)
//	WithClock(clock)                        WithClock(clock)
//	WithRequestLog(n)                       WithRequestLog(n)
//	WithTokenLimit(n)                       WithTokenLimit(n)
//	WithSecret(id, key)                     WithAccount(a)
//	WithRateLimit, WithDeterministicTokens  WithDataModels, WithDefaultExpiry, WithTLS
//
// The fake imports the client package only for its request type
// (Request.CreateEmbedToken); it checks the wire form itself, so it can test
// any client that speaks the protocol.
package tencenttest
