package tencent_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tchttp "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/http"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"

	"github.com/biembed/biembed-go/internal/testkit/benchtest"
	"github.com/biembed/biembed-go/tencent"
	"github.com/biembed/biembed-go/tencent/tencenttest"
)

// benchClient is this SDK's client for srv, without a rate limit.
func benchClient(b *testing.B, srv *tencenttest.Server) *tencent.Client {
	client, err := tencent.NewClient(tencent.WithSecret(tencenttest.SecretID, tencenttest.SecretKey),
		tencent.WithEndpoint(srv.URL()), tencent.WithRateLimiter(unlimited()))
	if err != nil {
		b.Fatal(err)
	}
	return client
}

func benchRequest() *tencent.CreateEmbedTokenRequest {
	req := tencent.NewPageRequest(117, 11520)
	req.Expiry = 30 * time.Minute
	return req
}

// rawClient is a bare common.Client for srv, as a user of the official SDK
// would configure it.
func rawClient(srv *tencenttest.Server) *common.Client {
	u, _ := url.Parse(srv.URL())
	cp := profile.NewClientProfile()
	cp.HttpProfile.Endpoint, cp.HttpProfile.Scheme = u.Host, strings.ToUpper(u.Scheme)
	return common.NewCommonClient(common.NewCredential(tencenttest.SecretID, tencenttest.SecretKey), "", cp)
}

// rawMap sends CreateEmbedToken as a CommonRequest and lets common decode
// the answer into CommonResponse (a map), as the first baseline did. It
// checks only Send's error: reading the token out of a CommonResponse
// means GetBody (which re-encodes the map) and a second decode.
func rawMap(ctx context.Context, api *common.Client) error {
	req := tchttp.NewCommonRequest("bi", "2022-01-05", "CreateEmbedToken")
	_ = req.SetActionParameters(map[string]any{
		"ProjectId": uint64(117), "PageId": uint64(11520), "Intention": "embed", "Scope": "page", "ExpireTime": "30",
	})
	req.SetContext(ctx)
	resp := tchttp.NewCommonResponse()
	if err := api.Send(req, resp); err != nil {
		return err
	}
	return nil
}

// rawCreateRequest and rawCreateResponse are what the official SDK's
// generated bi models look like (pointer fields, an embedded
// BaseRequest / BaseResponse): the typed baseline.
type rawCreateRequest struct {
	*tchttp.BaseRequest
	ProjectID  *uint64 `json:"ProjectId,omitempty"`
	PageID     *uint64 `json:"PageId,omitempty"`
	Intention  *string `json:"Intention,omitempty"`
	Scope      *string `json:"Scope,omitempty"`
	ExpireTime *string `json:"ExpireTime,omitempty"`
}

type rawEmbedTokenInfo struct {
	ID                   *uint64 `json:"Id,omitempty"`
	BIToken              *string `json:"BIToken,omitempty"`
	ProjectID            *string `json:"ProjectId,omitempty"`
	CreatedUser          *string `json:"CreatedUser,omitempty"`
	CreatedAt            *string `json:"CreatedAt,omitempty"`
	UpdatedUser          *string `json:"UpdatedUser,omitempty"`
	UpdatedAt            *string `json:"UpdatedAt,omitempty"`
	PageID               *uint64 `json:"PageId,omitempty"`
	ExtraParam           *string `json:"ExtraParam,omitempty"`
	Scope                *string `json:"Scope,omitempty"`
	ExpireTime           *int64  `json:"ExpireTime,omitempty"`
	UserCorpID           *string `json:"UserCorpId,omitempty"`
	UserID               *string `json:"UserId,omitempty"`
	TicketNum            *int64  `json:"TicketNum,omitempty"`
	GlobalParam          *string `json:"GlobalParam,omitempty"`
	Intention            *string `json:"Intention,omitempty"`
	TokenType            *int64  `json:"TokenType,omitempty"`
	TokenNum             *int64  `json:"TokenNum,omitempty"`
	SingleUserMultiToken *bool   `json:"SingleUserMultiToken,omitempty"`
	ConfigParam          *string `json:"ConfigParam,omitempty"`
}

type rawCreateResponse struct {
	*tchttp.BaseResponse
	Response *struct {
		ErrorInfo *struct {
			ErrorTip     *string `json:"ErrorTip,omitempty"`
			ErrorMessage *string `json:"ErrorMessage,omitempty"`
			ErrorLevel   *string `json:"ErrorLevel,omitempty"`
		} `json:"ErrorInfo,omitempty"`
		Extra     *string            `json:"Extra,omitempty"`
		Data      *rawEmbedTokenInfo `json:"Data,omitempty"`
		Msg       *string            `json:"Msg,omitempty"`
		RequestID *string            `json:"RequestId,omitempty"`
	} `json:"Response"`
}

var errNoToken = errors.New("the answer holds no BIToken")

// rawTyped sends CreateEmbedToken the way the official SDK's generated
// client does: a typed request through common.Client.Send, decoded once into
// the typed response, then checked for a BIToken.
func rawTyped(ctx context.Context, api *common.Client) error {
	req := &rawCreateRequest{BaseRequest: &tchttp.BaseRequest{}}
	req.Init().WithApiInfo("bi", "2022-01-05", "CreateEmbedToken")
	req.SetContext(ctx)
	project, page, intention, scope, expire := uint64(117), uint64(11520), "embed", "page", "30"
	req.ProjectID, req.PageID, req.Intention, req.Scope, req.ExpireTime = &project, &page, &intention, &scope, &expire
	resp := &rawCreateResponse{BaseResponse: &tchttp.BaseResponse{}}
	if err := api.Send(req, resp); err != nil {
		return err
	}
	if resp.Response == nil || resp.Response.Data == nil || resp.Response.Data.BIToken == nil || *resp.Response.Data.BIToken == "" {
		return errNoToken
	}
	return nil
}

// BenchmarkCreateEmbedToken measures the SDK and the two bare baselines
// separately (for profiles and benchstat comparisons of one side); the ratios
// come from BenchmarkCreateEmbedTokenInterleaved.
func BenchmarkCreateEmbedToken(b *testing.B) {
	srv := tencenttest.NewServer()
	defer srv.Close()
	ctx := context.Background()
	b.Run("sdk", func(b *testing.B) {
		client, req := benchClient(b, srv), benchRequest()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := client.CreateEmbedToken(ctx, req); err != nil {
				b.Fatal(err)
			}
		}
	})
	for name, call := range map[string]func(context.Context, *common.Client) error{"rawtyped": rawTyped, "rawmap": rawMap} {
		b.Run(name, func(b *testing.B) {
			api := rawClient(srv)
			b.ReportAllocs()
			for b.Loop() {
				if err := call(ctx, api); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCreateEmbedTokenInterleaved is the ratio benchmark: the SDK, the
// bare common.Client with a typed request and response (rawtyped, the
// official SDK's way), the bare common.Client with CommonRequest and its map
// response (rawmap) and the loopback floor take turns in blocks of 20 calls
// against one fake. Run it with a fixed number of rounds:
//
//	go test -run '^$' -bench CreateEmbedTokenInterleaved -benchtime 300x -count 3 ./tencent/
func BenchmarkCreateEmbedTokenInterleaved(b *testing.B) {
	srv := tencenttest.NewServer()
	defer srv.Close()
	ctx := context.Background()
	client, req, api := benchClient(b, srv), benchRequest(), rawClient(srv)
	floor := benchtest.NewFloor()
	defer floor.Close()
	benchtest.Interleave(b, 20,
		benchtest.Side{Name: "sdk", Call: func() error { _, err := client.CreateEmbedToken(ctx, req); return err }},
		benchtest.Side{Name: "rawtyped", Call: func() error { return rawTyped(ctx, api) }},
		benchtest.Side{Name: "rawmap", Call: func() error { return rawMap(ctx, api) }},
		floor.Side(ctx),
	)
}
