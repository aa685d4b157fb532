package tencent_test

import (
	"context"
	"math"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tchttp "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/http"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"

	"github.com/biembed/biembed-go/tencent"
	"github.com/biembed/biembed-go/tencent/tencenttest"
)

// BenchmarkCreateEmbedToken compares this client (sdk) with a bare
// common.Client sending a hand-built CommonRequest (raw) against the same
// fake, so the client's overhead reads as a ratio.
func BenchmarkCreateEmbedToken(b *testing.B) {
	srv := tencenttest.NewServer()
	defer srv.Close()
	ctx := context.Background()

	b.Run("sdk", func(b *testing.B) {
		client, err := tencent.NewClient(tencent.WithSecret(tencenttest.SecretID, tencenttest.SecretKey),
			tencent.WithEndpoint(srv.URL()), tencent.WithRateLimit(math.Inf(1)))
		if err != nil {
			b.Fatal(err)
		}
		defer client.CloseIdleConnections()
		req := tencent.NewPageRequest(117, 11520)
		req.Expiry = 30 * time.Minute
		b.ReportAllocs()
		for b.Loop() {
			if _, err := client.CreateEmbedToken(ctx, req); err != nil {
				b.Fatal(err)
			}
		}
	})

	b.Run("raw", func(b *testing.B) {
		u, _ := url.Parse(srv.URL())
		cp := profile.NewClientProfile()
		cp.HttpProfile.Endpoint, cp.HttpProfile.Scheme = u.Host, strings.ToUpper(u.Scheme)
		api := common.NewCommonClient(common.NewCredential(tencenttest.SecretID, tencenttest.SecretKey), "", cp)
		b.ReportAllocs()
		for b.Loop() {
			req := tchttp.NewCommonRequest("bi", "2022-01-05", "CreateEmbedToken")
			_ = req.SetActionParameters(map[string]any{
				"ProjectId": uint64(117), "PageId": uint64(11520), "Intention": "embed", "Scope": "page", "ExpireTime": "30",
			})
			req.SetContext(ctx)
			resp := tchttp.NewCommonResponse()
			if err := api.Send(req, resp); err != nil {
				b.Fatal(err)
			}
		}
	})
}
