// Package tencenttest is an in-process fake of the Tencent Cloud BI embed API
// (CreateEmbedToken, ApplyEmbedInterval, ClearEmbedToken) for tests. It
// speaks the wire protocol of the real service on a loopback httptest server:
// POST / with a JSON body, the X-TC-* headers and a TC3-HMAC-SHA256
// Authorization header that it verifies with its own verifier (VerifyTC3).
// Answers are HTTP 200 with {"Response":{...,"RequestId":"..."}}, errors are
// {"Response":{"Error":{"Code","Message"},"RequestId"}}, exactly as the real
// service sends them.
//
// The fake checks parameters as the documentation describes, mints unique
// tokens and keeps them with their expiry, records every request for
// assertions (Requests, Count), enforces an optional per-action rate limit
// and injects faults (Inject): error codes, HTTP 5xx, delays, malformed or
// oversized bodies and connections closed mid-body.
//
// It is a wire-level fake: it does not import the client package, so it can
// test any client that speaks the protocol.
//
//	srv := tencenttest.NewTestServer(t)
//	client, err := tencent.NewClient(
//		tencent.WithSecret(tencenttest.SecretID, tencenttest.SecretKey),
//		tencent.WithEndpoint(srv.Endpoint()))
//	...
//	srv.Inject(tencenttest.Fault{Code: "InternalError", Times: 1})
package tencenttest
