package main

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/biembed/biembed-go/filtermap"
	"github.com/biembed/biembed-go/tencent"
	"github.com/biembed/biembed-go/tencent/tencenttest"
	"github.com/biembed/biembed-go/youshu"
	"github.com/biembed/biembed-go/youshu/youshutest"
)

const (
	tokenLifetime = 30 * time.Minute // the caches refresh tokens shortly before this ends
	mintTimeout   = 10 * time.Second // bound on each vendor call a cache makes
)

// youshuTable is the table whose rows the policies filter on Youshu.
var youshuTable = filtermap.TableName("orders")

// tencentEmbedder embeds one Tencent Cloud BI page, filtered by GlobalParams.
type tencentEmbedder struct {
	cache             *tencent.Cache
	projectID, pageID uint64
}

func newTencentEmbedder(client *tencent.Client, projectID, pageID uint64) (*tencentEmbedder, error) {
	cache, err := tencent.NewCache(client, tencent.CacheOptions{MintTimeout: mintTimeout})
	if err != nil {
		return nil, err
	}
	return &tencentEmbedder{cache: cache, projectID: projectID, pageID: pageID}, nil
}

// Embed renders rows as a global parameter and gets a token from the cache.
func (e *tencentEmbedder) Embed(ctx context.Context, user string, rows filtermap.Condition) (embed, error) {
	req := tencent.NewPageRequest(e.projectID, e.pageID)
	req.Expiry = tokenLifetime
	req.GlobalParams = filtermap.GlobalParams{rows.GlobalParam()}
	// The key must tell apart every request that differs: here vendor and user.
	tok, err := e.cache.Get(ctx, "tencent:"+user, req)
	if err != nil {
		return embed{}, err
	}
	link, err := tok.URL()
	return embed{URL: link, ExpiresAt: tok.ExpiresAt}, err
}

// youshuEmbedder embeds one Youshu report project, filtered by filterMap.
type youshuEmbedder struct {
	cache             *youshu.Cache
	projectID, connID int64
}

func newYoushuEmbedder(client *youshu.Client, projectID, connID int64) (*youshuEmbedder, error) {
	cache, err := youshu.NewCache(client, youshu.CacheOptions{MintTimeout: mintTimeout})
	if err != nil {
		return nil, err
	}
	return &youshuEmbedder{cache: cache, projectID: projectID, connID: connID}, nil
}

// Embed renders rows as a list filter on data connection connID and gets a
// token from the cache. The token is for the credential's own account (a
// service account) with the user's row permissions; set AuthUniqueID to mint
// for the viewer's own Youshu account instead (that needs a super admin).
func (e *youshuEmbedder) Embed(ctx context.Context, user string, rows filtermap.Condition) (embed, error) {
	var fm filtermap.FilterMap
	fm.Set(e.connID, filtermap.NewRowFilters(filtermap.RuleAnd, rows.ListFilter(youshuTable, filtermap.TypeString)))
	tok, err := e.cache.Get(ctx, "youshu:"+user, &youshu.GenTokenRequest{FilterMap: fm, Expiry: tokenLifetime})
	if err != nil {
		return embed{}, err
	}
	link, err := tok.ReportURL(e.projectID, nil)
	return embed{URL: link, ExpiresAt: tok.ExpiresAt}, err
}

// openTencent returns the Tencent embedder and a func that releases it. With
// no key pair in env it starts an in-process fake.
func openTencent(env func(string) string, projectID, pageID uint64, logger *slog.Logger) (embedder, func(), error) {
	id, key := env("TENCENTCLOUD_SECRET_ID"), env("TENCENTCLOUD_SECRET_KEY")
	opts := []tencent.Option{tencent.WithLogger(logger)}
	stopFake := func() {}
	mode := "Tencent Cloud BI: real service"
	switch {
	case id != "" && key != "":
		opts = append(opts, tencent.WithSecret(id, key))
	case id != "" || key != "":
		return nil, nil, errors.New("set both TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY, or neither for fake mode")
	default:
		fake := tencenttest.NewServer()
		stopFake = fake.Close
		// Embed URLs point at the fake's own embed page, which shows what
		// each token grants; tcbi.qq.com would not know the fake's tokens.
		opts = append(opts, tencent.WithSecret(tencenttest.SecretID, tencenttest.SecretKey),
			tencent.WithEndpoint(fake.URL()), tencent.WithEmbedHost(fake.URL()))
		mode = "Tencent Cloud BI: fake mode, in-process tencenttest serves the embed pages; " +
			"set TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY for the real service"
	}
	client, err := tencent.NewClient(opts...)
	if err != nil {
		stopFake()
		return nil, nil, err
	}
	e, err := newTencentEmbedder(client, projectID, pageID)
	if err != nil {
		stopFake()
		return nil, nil, err
	}
	logger.Info(mode)
	return e, func() { _ = e.cache.Close(); client.CloseIdleConnections(); stopFake() }, nil
}

// openYoushu returns the Youshu embedder and a func that releases it. With
// no host in env it starts an in-process fake.
func openYoushu(env func(string) string, projectID, connID int64, logger *slog.Logger) (embedder, func(), error) {
	base, key := env("YOUSHU_BASE_URL"), env("YOUSHU_TOKEN_KEY")
	opts := []youshu.Option{youshu.WithLogger(logger)}
	stopFake := func() {}
	mode := "Youshu BI: real host"
	switch {
	case base != "" && key != "":
		opts = append(opts, youshu.WithCredential(youshu.TokenKey(key)))
	case base != "" || key != "":
		return nil, nil, errors.New("set both YOUSHU_BASE_URL and YOUSHU_TOKEN_KEY, or neither for fake mode")
	default:
		fake := youshutest.NewServer()
		stopFake = fake.Close
		base = fake.URL()
		// The fake serves plain http on loopback; real hosts must use https.
		opts = append(opts, youshu.WithInsecureHTTP(), youshu.WithCredential(youshu.TokenKey(youshutest.User().TokenKey)))
		mode = "Youshu BI: fake mode, in-process youshutest serves the integration pages; " +
			"set YOUSHU_BASE_URL and YOUSHU_TOKEN_KEY for a real host"
	}
	client, err := youshu.NewClient(base, opts...)
	if err != nil {
		stopFake()
		return nil, nil, err
	}
	e, err := newYoushuEmbedder(client, projectID, connID)
	if err != nil {
		stopFake()
		return nil, nil, err
	}
	logger.Info(mode, "url", client.BaseURL())
	return e, func() { _ = e.cache.Close(); client.CloseIdleConnections(); stopFake() }, nil
}
