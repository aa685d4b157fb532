package tencent_test

import (
	"testing"
	"time"

	"github.com/biembed/biembed-go/filtermap"
	"github.com/biembed/biembed-go/tencent"
)

// BenchmarkRequestKey measures the cache fingerprint of a page request,
// without and with a GlobalParam.
func BenchmarkRequestKey(b *testing.B) {
	plain := tencent.NewPageRequest(117, 11520)
	plain.Expiry = 30 * time.Minute
	plain.UserCorpID, plain.UserID, plain.TokenType = "corp-1", "user-1", tencent.TokenTypeSingleUser
	withParams := *plain
	withParams.GlobalParams = filtermap.GlobalParams{
		{ParamKey: "region", JoinType: filtermap.JoinAnd, WhereList: []filtermap.Where{{Operator: filtermap.OpIs, Value: []string{"East", "North"}}}},
	}
	for _, c := range []struct {
		name string
		req  *tencent.CreateEmbedTokenRequest
	}{{"plain", plain}, {"globalParam", &withParams}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := tencent.RequestKey(c.req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
