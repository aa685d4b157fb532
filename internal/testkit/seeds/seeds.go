// Package seeds holds the vendors' documented example bodies as valid JSON, so
// every package's golden tests and the fakes check against the same bytes.
// See testdata/README.md for how each file differs from the seed text.
package seeds

import _ "embed"

// YoushuGenTokenPassword is the full genToken example of the Youshu document
// (password credentials and every optional block).
//
//go:embed testdata/youshu-genToken-password.json
var YoushuGenTokenPassword []byte

// YoushuGenTokenSSO is the single-sign-on genToken example of the Youshu document.
//
//go:embed testdata/youshu-genToken-sso.json
var YoushuGenTokenSSO []byte

// YoushuGenTokenSuccess is the documented successful genToken response.
//
//go:embed testdata/youshu-genToken-success.json
var YoushuGenTokenSuccess []byte

// YoushuGenTokenError743 is the documented reportDataFilters failure response.
//
//go:embed testdata/youshu-genToken-error-743.json
var YoushuGenTokenError743 []byte

// YoushuRmTokenSuccess is the documented rmToken and renewToken success response.
//
//go:embed testdata/youshu-rmToken-success.json
var YoushuRmTokenSuccess []byte

// TencentCreateEmbedTokenRequest is the CreateEmbedToken input example, with
// the document's placeholder values.
//
//go:embed testdata/tencent-CreateEmbedToken-request.json
var TencentCreateEmbedTokenRequest []byte

// TencentCreateEmbedTokenResponse is the CreateEmbedToken output example.
//
//go:embed testdata/tencent-CreateEmbedToken-response.json
var TencentCreateEmbedTokenResponse []byte

// TencentGlobalParam is the GlobalParam example of the CreateEmbedToken document.
//
//go:embed testdata/tencent-GlobalParam.json
var TencentGlobalParam []byte

// TencentConfigParam is the ChatBI ConfigParam example.
//
//go:embed testdata/tencent-ConfigParam.json
var TencentConfigParam []byte
