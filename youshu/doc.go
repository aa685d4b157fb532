// Package youshu mints embed tokens for NetEase Youshu BI through its
// /api/dash/util endpoints (genToken, rmToken, renewToken) and builds the
// integration URLs that carry them.
//
// A Client talks to one Youshu host:
//
//	c, err := youshu.NewClient("https://bi.example.com",
//		youshu.WithCredential(youshu.Password("admin@example.com", password)))
//	tok, err := c.GenToken(ctx, &youshu.GenTokenRequest{
//		AuthUniqueID: "alice",
//		FilterMap:    rows, // filtermap.FilterMap
//		Expiry:       time.Hour,
//	})
//	link, err := tok.ReportURL(projectID, nil)
//
// Every GenTokenRequest is validated before anything is sent; a bad request
// returns a *ValidationError naming the wire field and the rule it breaks.
//
// # Errors
//
// Calls that reach the network fail with an *Error carrying the endpoint, the
// HTTP status and the JSON code. Match the conditions callers act on with
// errors.Is: ErrUnauthorized, ErrReportDataFilters, ErrHTTPStatus, ErrServer,
// ErrMalformedResponse, ErrEmptyResult, ErrResponseTooLarge. Transport failures
// and context errors are reachable through Unwrap (errors.Is(err,
// context.DeadlineExceeded) works). Error text never contains a password, key,
// integrate token, helper token or minted token, and transport errors have
// the query stripped from their URL.
//
// # Retries
//
// rmToken and renewToken (GET) are retried on transport errors and HTTP 500,
// 502, 503 and 504, with exponential backoff and full jitter (two retries by
// default). genToken (POST) is retried only when the connection could not be
// opened, so the request never left; WithRetryGenToken opts in to retrying it
// like a GET, at the price of possibly minting two tokens. No retry starts,
// and no backoff continues, once the context is done.
//
// # Security
//
// Passwords travel in the request body, so the base URL must be https unless
// WithInsecureHTTP is given. Credential, Token and Client print only masked
// forms of their secrets (fmt verbs, slog). GenTokenRequest and Token marshal
// to JSON with their secrets in the clear, because that JSON is the wire body
// (or the stored token): store it as you would store a password. The client
// logs through log/slog (discarded unless WithLogger is given) and its debug
// lines carry only the endpoint, attempt, HTTP status, JSON code, duration and
// a masked token, never bodies, headers or query strings. resty's own debug
// log stays off.
//
// The package youshutest serves the same endpoints in process, for tests.
package youshu

import "github.com/biembed/biembed-go/internal/validate"

// ValidationError reports one field that breaks one rule. errors.Is(err,
// ErrInvalid) holds for it. It is the same type in every biembed-go package.
type ValidationError = validate.Error

// ErrInvalid is matched by errors.Is for every ValidationError.
var ErrInvalid = validate.ErrInvalid

// The endpoint names used in Error.Endpoint (and by youshutest).
const (
	EndpointGenToken   = "genToken"
	EndpointRmToken    = "rmToken"
	EndpointRenewToken = "renewToken"
)

// apiPrefix is the path, under the base URL, of the three endpoints.
const apiPrefix = "/api/dash/util/"
