package youshu_test

import (
	"testing"
	"time"

	"github.com/biembed/biembed-go/youshu"
	"github.com/biembed/biembed-go/youshu/youshutest"
)

// BenchmarkRequestKey measures the cache fingerprint of a request for one
// user, without and with a filterMap.
func BenchmarkRequestKey(b *testing.B) {
	plain := &youshu.GenTokenRequest{Credential: youshutest.AdminCredential(), AuthUniqueID: "user", Expiry: time.Hour}
	filtered := *plain
	filtered.FilterMap = rowFilters()
	for _, c := range []struct {
		name string
		req  *youshu.GenTokenRequest
	}{{"plain", plain}, {"filterMap", &filtered}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := youshu.RequestKey(c.req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
