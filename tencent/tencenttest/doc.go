// Package tencenttest is an in-process fake of the Tencent Cloud BI embed
// API (CreateEmbedToken, ApplyEmbedInterval, ClearEmbedToken) and of its
// strong-auth embed pages, for tests. It speaks the real wire protocol on
// a loopback port: POST / with a JSON body, the X-TC-* headers and a
// TC3-HMAC-SHA256 signature it verifies, answered with HTTP 200 and
// {"Response":{...,"RequestId"}} or {"Response":{"Error":{"Code","Message"}}}.
// It checks parameters as the documentation describes, mints tokens,
// records requests (Requests, Count), looks tokens up (Lookup) and injects
// faults (Inject).
//
//	clock := biembedtest.NewClock(time.Now())
//	srv := tencenttest.NewTestServer(t, tencenttest.WithClock(clock.Now))
//	client, err := tencent.NewClient(
//		tencent.WithSecret(tencenttest.SecretID, tencenttest.SecretKey),
//		tencent.WithEndpoint(srv.URL()), tencent.WithEmbedHost(srv.URL()),
//		tencent.WithClock(clock.Now))
//	srv.Inject(tencenttest.Fault{Code: "InternalError", Times: 1})
//
// Token lifetimes follow the fake's clock (WithClock); signatures, as in
// the real service, are checked against the system clock.
//
// # Embed pages
//
// GET /page/embed and /page/chat-bi-embed check the token as the real pages
// do: authType=strong, a token the fake minted, not expired, tickets left
// (each page shown uses one), and the URL's project, scope and page
// matching the token's. A refusal is <section id="error"
// data-reason="unknown|expired|missing-token|used-up|wrong-page|bad-request">
// with a 4xx status. Otherwise <section id="grant"> shows #grant-user,
// #grant-scope, #grant-target, #grant-expires and the lists li.row-filter
// ("province in Hubei, Hunan"), li.display-setting and li.page-param.
//
// Every 250 ms of real time an open page's script asks GET
// /page/status?token=T, answered from the fake's clock, and shows the
// answer in <section id="state" data-state="live|expired" data-reason>, so
// an extended page goes on and a cleared one says expired. <input
// id="probe"> keeps what a test types, so a test can tell a kept page from
// a reloaded one.
package tencenttest
