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
//   - GET /dash/...?token=T (any integration page): "uses" the token.
//
// It decodes genToken bodies with youshu.GenTokenRequest and checks them with
// its Validate method, so the SDK and the fake cannot drift apart unnoticed.
// It records every request (Requests, Count), keeps its own clock
// (WithClock, Clock) so expiry needs no sleeping, and injects faults (Inject).
//
// # Responses
//
// The API endpoints answer HTTP 200 with a JSON envelope, like the real
// product; the code says what happened:
//
//	200  success: {"code":200,"result":"<token>"} or {"code":200,"result":"ok"}
//	400  body not JSON, not a genToken body, or failing GenTokenRequest.Validate
//	401  (youshu.CodeUnauthorized) credential missing or wrong; helper token
//	     unknown, expired or removed
//	403  (youshu.CodeForbidden) not allowed: another account's token or a helper
//	     token without super admin rights, applyScope Project without being
//	     that project's admin, applyScope Domain without being a domain owner,
//	     a helper token of the wrong useType
//	404  authUniqueId or authUserId names no account; token t unknown,
//	     expired or removed
//	743  (youshu.CodeReportDataFilters) reportDataFilters names a data model
//	     not given to WithDataModels
//
// A wrong method gets HTTP 405 (code 405); an unknown path HTTP 404 (code
// 404). Integration pages answer HTTP 200 "ok" for a usable token and HTTP
// 401 otherwise: unknown, expired or removed tokens, helper tokens, and once
// tokens already used. These codes are this fake's choices; real
// deployments may differ.
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
