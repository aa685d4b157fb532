package main

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/biembed/biembed-go/embedhttp"
	"github.com/biembed/biembed-go/filtermap"
	"github.com/biembed/biembed-go/tencent"
	"github.com/biembed/biembed-go/tencent/tencenttest"
	"github.com/biembed/biembed-go/tokencache"
	"github.com/biembed/biembed-go/youshu"
	"github.com/biembed/biembed-go/youshu/youshutest"
)

const (
	tokenLifetime = 30 * time.Minute // embed.js extends a token halfway through
	mintTimeout   = 10 * time.Second // bound on each vendor call a cache makes
)

// signedIn returns the user of a request's session, or an error wrapping
// embedhttp.ErrUnauthorized.
type signedIn func(r *http.Request) (string, demoUser, error)

// backend is one BI vendor behind the demo.
type backend interface {
	// handler serves the signed-in user's embed token (embedhttp).
	handler(user signedIn, o embedhttp.Options) http.Handler
	// revoke revokes name's embed tokens at the vendor.
	revoke(ctx context.Context, name string, u demoUser) error
	// frameSrc is the origin of the embed pages, for the page's
	// Content-Security-Policy frame-src.
	frameSrc() string
}

// tencentBackend embeds one Tencent Cloud BI page: a single-user token per
// user (TokenTypeSingleUser with their UserCorpID and UserID), filtered to
// their rows by GlobalParams.
type tencentBackend struct {
	cache         *tencent.Cache
	project, page uint64
	host          string
}

func (b *tencentBackend) request(name string, u demoUser) *tencent.CreateEmbedTokenRequest {
	req := tencent.NewPageRequest(b.project, b.page)
	req.Expiry = tokenLifetime
	req.TokenType, req.UserCorpID, req.UserID = tencent.TokenTypeSingleUser, u.CorpID, name
	req.GlobalParams = filtermap.GlobalParams{u.Rows.GlobalParam()}
	return req
}

func (b *tencentBackend) handler(user signedIn, o embedhttp.Options) http.Handler {
	return embedhttp.Tencent(b.cache, func(r *http.Request) (*tencent.CreateEmbedTokenRequest, error) {
		name, u, err := user(r)
		if err != nil {
			return nil, err
		}
		return b.request(name, u), nil
	}, o)
}

// revoke clears the user's tokens (Tencent clears every token of their
// UserCorpID for the page).
func (b *tencentBackend) revoke(ctx context.Context, name string, u demoUser) error {
	return b.cache.RevokeUser(ctx, b.request(name, u))
}

func (b *tencentBackend) frameSrc() string { return origin(b.host) }

// youshuBackend embeds one Youshu report: a token per user (AuthUniqueID,
// their Youshu account) filtered to their rows by a filterMap on data
// connection conn.
type youshuBackend struct {
	cache         *youshu.Cache
	project, conn int64
	host          string
}

func (b *youshuBackend) request(name string, u demoUser) *youshu.GenTokenRequest {
	fm := filtermap.FilterMap{strconv.FormatInt(b.conn, 10): filtermap.NewRowFilters(filtermap.RuleAnd, u.Rows.ListFilter(filtermap.TableName("orders"), filtermap.TypeString))}
	return &youshu.GenTokenRequest{AuthUniqueID: name, FilterMap: fm, Expiry: tokenLifetime}
}

func (b *youshuBackend) handler(user signedIn, o embedhttp.Options) http.Handler {
	return embedhttp.Youshu(b.cache, func(r *http.Request) (*youshu.GenTokenRequest, error) {
		name, u, err := user(r)
		if err != nil {
			return nil, err
		}
		return b.request(name, u), nil
	}, o, youshu.Report(b.project))
}

// revoke removes (rmToken) every token the cache holds for the user.
func (b *youshuBackend) revoke(ctx context.Context, name string, u demoUser) error {
	return b.cache.RevokeUser(ctx, b.request(name, u))
}

func (b *youshuBackend) frameSrc() string { return origin(b.host) }

// origin returns scheme://host of a URL.
func origin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// openTencent returns the Tencent backend and a func that releases it.
// With no key pair in env it starts an in-process fake on clock now.
func openTencent(env func(string) string, projectID, pageID uint64, logger *slog.Logger, now func() time.Time) (backend, func(), error) {
	id, key := env("TENCENTCLOUD_SECRET_ID"), env("TENCENTCLOUD_SECRET_KEY")
	opts := []tencent.Option{tencent.WithLogger(logger), tencent.WithClock(now)}
	stopFake := func() {}
	host := "https://tcbi.qq.com" // the client's default embed host
	mode := "Tencent Cloud BI: real service"
	switch {
	case id != "" && key != "":
		opts = append(opts, tencent.WithSecret(id, key))
	case id != "" || key != "":
		return nil, nil, errors.New("set both TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY, or neither for fake mode")
	default:
		fake := tencenttest.NewServer(tencenttest.WithClock(now))
		stopFake, host = fake.Close, fake.URL()
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
	cache, err := tencent.NewCache(client, tokencache.Options{MintTimeout: mintTimeout, Now: now, Logger: logger})
	if err != nil {
		stopFake()
		return nil, nil, err
	}
	logger.Info(mode, "embed_host", host)
	return &tencentBackend{cache: cache, project: projectID, page: pageID, host: host},
		func() { _ = cache.Close(); stopFake() }, nil
}

// openYoushu returns the Youshu backend and a func that releases it. With
// no host in env it starts an in-process fake on clock now, with an
// account for each demo user. YOUSHU_TOKEN_KEY must be a super admin's:
// it mints tokens for the users' own accounts (AuthUniqueID) and the
// helper tokens that renew and remove them.
func openYoushu(env func(string) string, projectID, connID int64, logger *slog.Logger, now func() time.Time) (backend, func(), error) {
	base, key := env("YOUSHU_BASE_URL"), env("YOUSHU_TOKEN_KEY")
	opts := []youshu.Option{youshu.WithLogger(logger), youshu.WithClock(now)}
	stopFake := func() {}
	mode := "Youshu BI: real host"
	switch {
	case base != "" && key != "":
		opts = append(opts, youshu.WithCredential(youshu.TokenKey(key)))
	case base != "" || key != "":
		return nil, nil, errors.New("set both YOUSHU_BASE_URL and YOUSHU_TOKEN_KEY, or neither for fake mode")
	default:
		fakeOpts := []youshutest.Option{youshutest.WithClock(now)}
		for name := range demoUsers {
			fakeOpts = append(fakeOpts, youshutest.WithAccount(youshutest.Account{UniqueID: name, Email: name + "@example.com"}))
		}
		fake := youshutest.NewServer(fakeOpts...)
		stopFake, base = fake.Close, fake.URL()
		// The fake serves plain http on loopback; real hosts must use https.
		opts = append(opts, youshu.WithInsecureHTTP(), youshu.WithCredential(youshutest.AdminCredential()))
		mode = "Youshu BI: fake mode, in-process youshutest serves the integration pages; " +
			"set YOUSHU_BASE_URL and YOUSHU_TOKEN_KEY for a real host"
	}
	client, err := youshu.NewClient(base, opts...)
	if err != nil {
		stopFake()
		return nil, nil, err
	}
	cache, err := youshu.NewCache(client, tokencache.Options{MintTimeout: mintTimeout, Now: now, Logger: logger})
	if err != nil {
		stopFake()
		return nil, nil, err
	}
	logger.Info(mode, "embed_host", origin(base))
	return &youshuBackend{cache: cache, project: projectID, conn: connID, host: base},
		func() { _ = cache.Close(); stopFake() }, nil
}
