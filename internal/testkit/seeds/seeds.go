// Package seeds holds the vendors' documented example bodies as valid JSON, so
// every package's golden tests and the fakes check against the same bytes.
// See testdata/README.md for how each file differs from the seed text.
package seeds

import "embed"

//go:embed testdata/*.json
var files embed.FS

// file returns testdata/name.json (nil if missing: TestEveryFixtureIsValidJSON fails).
func file(name string) []byte { b, _ := files.ReadFile("testdata/" + name + ".json"); return b }

// The documented examples: the Youshu genToken request (password
// credentials with every optional block, and single sign-on), its success
// and its reportDataFilters failure (743) responses, the rmToken and
// renewToken success response; Tencent's CreateEmbedToken input (with the
// document's placeholder values) and output, and the GlobalParam and ChatBI
// ConfigParam examples.
var (
	YoushuGenTokenPassword          = file("youshu-genToken-password")
	YoushuGenTokenSSO               = file("youshu-genToken-sso")
	YoushuGenTokenSuccess           = file("youshu-genToken-success")
	YoushuGenTokenError743          = file("youshu-genToken-error-743")
	YoushuRmTokenSuccess            = file("youshu-rmToken-success")
	TencentCreateEmbedTokenRequest  = file("tencent-CreateEmbedToken-request")
	TencentCreateEmbedTokenResponse = file("tencent-CreateEmbedToken-response")
	TencentGlobalParam              = file("tencent-GlobalParam")
	TencentConfigParam              = file("tencent-ConfigParam")
)
