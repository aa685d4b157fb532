// Command fleet runs two replicas of a backend that share, through one
// Redis, their embed tokens, their mint lock and their rate budget, for both
// vendors (redisstore.NewFleet): both replicas serve a user the same token
// from a single mint, and a revocation on one replica is seen by the other
// at once while the old token stops working at the vendor.
//
// Run it from the examples directory (its own module):
//
//	go run ./fleet
//
// With REDIS_ADDR (host:port) it uses that Redis. Without it, it starts a
// throwaway redis-server if one is on PATH (Debian/Ubuntu:
// `apt-get install -y redis-server`; macOS: `brew install redis`; or
// `docker run -p 6379:6379 redis` and REDIS_ADDR=127.0.0.1:6379). Tencent BI
// and Youshu BI are the in-process fakes (tencenttest, youshutest), so no
// credentials are needed.
//
// Tokens in Redis are live credentials: every entry is sealed under a key
// that every replica shares. This demo draws one at random; in production
// keep one in your secret store (`openssl rand -hex 32`, hex-decoded) and
// give every replica the same.
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"regexp"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/biembed/biembed-go/biembed"
	"github.com/biembed/biembed-go/redisstore"
	"github.com/biembed/biembed-go/tencent"
	"github.com/biembed/biembed-go/tencent/tencenttest"
	"github.com/biembed/biembed-go/tokencache"
	"github.com/biembed/biembed-go/youshu"
	"github.com/biembed/biembed-go/youshu/youshutest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Stdout, os.Getenv)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "fleet:", err)
		os.Exit(1)
	}
}

// errNoRedis says how to get a Redis when there is none.
var errNoRedis = errors.New("no Redis: set REDIS_ADDR=host:port, or put redis-server on PATH " +
	"(apt-get install -y redis-server; brew install redis; or docker run -p 6379:6379 redis)")

// Each vendor gets a Fleet of its own, under its own Prefix: one Fleet's
// Store keeps one vendor's tokens.
const (
	tencentPrefix = "biembed-demo:tencent:"
	youshuPrefix  = "biembed-demo:youshu:"
)

// vendors is where the replicas send their calls: the two fakes.
type vendors struct {
	tencent *tencenttest.Server
	youshu  *youshutest.Server
}

// replica is one backend process: its own Redis connection, Fleets, clients
// and caches.
type replica struct {
	tencent *tencent.Cache
	youshu  *youshu.Cache
	close   func()
}

func run(ctx context.Context, stdout io.Writer, env func(string) string) error {
	addr, stopRedis, err := redisAddr(env)
	if err != nil {
		return err
	}
	defer stopRedis()
	v := vendors{
		tencent: tencenttest.NewServer(),
		youshu:  youshutest.NewServer(youshutest.WithAccount(youshutest.Account{UniqueID: "alice", Email: "alice@example.com"})),
	}
	defer v.tencent.Close()
	defer v.youshu.Close()

	// Every replica gets the same seal key.
	sealKey := make([]byte, 32)
	if _, err := rand.Read(sealKey); err != nil {
		return err
	}
	a, err := newReplica(addr, v, biembed.NewSecret(string(sealKey)))
	if err != nil {
		return fmt.Errorf("replica A: %w", err)
	}
	defer a.close()
	b, err := newReplica(addr, v, biembed.NewSecret(string(sealKey)))
	if err != nil {
		return fmt.Errorf("replica B: %w", err)
	}
	defer b.close()

	// Tencent: a token bound to alice of corp-1, for one page.
	fmt.Fprintln(stdout, "Tencent Cloud BI (in-process tencenttest), replicas A and B on one Redis:")
	treq := tencent.NewPageRequest(7, 8)
	treq.Expiry = 30 * time.Minute
	treq.TokenType, treq.UserCorpID, treq.UserID = tencent.TokenTypeSingleUser, "corp-1", "alice"
	tmints := func() int { return v.tencent.Count("CreateEmbedToken") }
	tokA, err := a.tencent.Get(ctx, treq)
	if err != nil {
		return fmt.Errorf("replica A: %w", err)
	}
	tokB, err := b.tencent.Get(ctx, treq)
	if err != nil {
		return fmt.Errorf("replica B: %w", err)
	}
	oldPage, err := tokA.URL()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "  A and B serve alice the same token: %t (mints: %d); its page: %s\n",
		tokA.Value == tokB.Value, tmints(), visit(oldPage))
	if err := a.tencent.RevokeUser(ctx, treq); err != nil {
		return fmt.Errorf("revoke on A: %w", err)
	}
	fresh, err := b.tencent.Get(ctx, treq)
	if err != nil {
		return fmt.Errorf("replica B: %w", err)
	}
	fmt.Fprintf(stdout, "  A revokes alice (RevokeUser: ClearEmbedToken for corp-1 on that page): B serves a new token: %t (mints: %d); the old page: %s\n",
		fresh.Value != tokB.Value, tmints(), visit(oldPage))

	// Youshu: a token for alice's account.
	fmt.Fprintln(stdout, "Youshu BI (in-process youshutest), the same replicas:")
	yreq := &youshu.GenTokenRequest{AuthUniqueID: "alice", Expiry: time.Hour}
	ymints := func() int {
		n := 0
		for _, r := range v.youshu.Requests() {
			if r.GenToken != nil && r.GenToken.UseType == "" {
				n++ // not a helper token rmToken needed
			}
		}
		return n
	}
	ytokA, err := a.youshu.Get(ctx, yreq)
	if err != nil {
		return fmt.Errorf("replica A: %w", err)
	}
	ytokB, err := b.youshu.Get(ctx, yreq)
	if err != nil {
		return fmt.Errorf("replica B: %w", err)
	}
	yoldPage, err := ytokA.URL(youshu.Report(1))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "  A and B serve alice the same token: %t (mints: %d); its page: %s\n",
		ytokA.Value == ytokB.Value, ymints(), visit(yoldPage))
	if err := a.youshu.Revoke(ctx, yreq); err != nil {
		return fmt.Errorf("revoke on A: %w", err)
	}
	yfresh, err := b.youshu.Get(ctx, yreq)
	if err != nil {
		return fmt.Errorf("replica B: %w", err)
	}
	fmt.Fprintf(stdout, "  A revokes alice's token (Revoke: rmToken): B serves a new token: %t (mints: %d); the old page: %s\n",
		yfresh.Value != ytokB.Value, ymints(), visit(yoldPage))
	return nil
}

// newReplica builds one replica: for each vendor a Fleet on the shared
// Redis, a client that waits on the Fleet's rate budget, and a cache over
// the Fleet's store.
func newReplica(redisAddr string, v vendors, sealKey biembed.Secret) (*replica, error) {
	// ContextTimeoutEnabled is required: it lets each call's deadline
	// (redisstore.Options.Timeout) bound it on the socket.
	rdb := redis.NewClient(&redis.Options{Addr: redisAddr, ContextTimeoutEnabled: true})
	r := &replica{}
	closers := []func(){func() { _ = rdb.Close() }}
	r.close = func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}
	fail := func(err error) (*replica, error) {
		r.close()
		return nil, err
	}

	tfleet, err := redisstore.NewFleet(rdb, redisstore.Options{Prefix: tencentPrefix, SealKey: sealKey})
	if err != nil {
		return fail(err)
	}
	tclient, err := tencent.NewClient(
		tencent.WithSecret(tencenttest.SecretID, tencenttest.SecretKey), // your SecretId/SecretKey in production
		tencent.WithEndpoint(v.tencent.URL()), tencent.WithEmbedHost(v.tencent.URL()),
		tencent.WithRateLimiter(tfleet.Limiter), // 20/s per action for the whole fleet
	)
	if err != nil {
		return fail(err)
	}
	r.tencent, err = tencent.NewCache(tclient, tokencache.Options{Store: tfleet.Store})
	if err != nil {
		return fail(err)
	}
	closers = append(closers, func() { _ = r.tencent.Close() })

	yfleet, err := redisstore.NewFleet(rdb, redisstore.Options{Prefix: youshuPrefix, SealKey: sealKey})
	if err != nil {
		return fail(err)
	}
	yclient, err := youshu.NewClient(v.youshu.URL(), youshu.WithInsecureHTTP(), // https in production
		youshu.WithCredential(youshu.TokenKey(youshutest.Admin().TokenKey)), // a super admin's key in production
		youshu.WithRateLimiter(yfleet.Limiter),                              // one budget per host for the whole fleet
	)
	if err != nil {
		return fail(err)
	}
	r.youshu, err = youshu.NewCache(yclient, tokencache.Options{Store: yfleet.Store})
	if err != nil {
		return fail(err)
	}
	closers = append(closers, func() { _ = r.youshu.Close() })
	return r, nil
}

var (
	// browser opens pages without keeping connections, so none outlives run.
	browser   = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}
	grantUser = regexp.MustCompile(`<dd id="grant-user">([^<]*)</dd>`)
	refusal   = regexp.MustCompile(`<section id="error"[^>]* data-reason="([^"]*)"`)
)

// visit opens link as a browser would and says what the fake's page showed:
// "shows <user>" for a token it accepts, "refused (<reason>)" otherwise.
func visit(link string) string {
	resp, err := browser.Get(link)
	if err != nil {
		return "unreachable: " + err.Error()
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "unreadable: " + err.Error()
	}
	if m := grantUser.FindSubmatch(body); resp.StatusCode == http.StatusOK && m != nil {
		return "shows " + string(m[1])
	}
	if m := refusal.FindSubmatch(body); m != nil {
		return fmt.Sprintf("refused (HTTP %d, %s)", resp.StatusCode, m[1])
	}
	return fmt.Sprintf("HTTP %d", resp.StatusCode)
}

// redisAddr returns REDIS_ADDR, or starts a redis-server from PATH on a
// free loopback port without persistence and returns a function that stops it.
func redisAddr(env func(string) string) (string, func(), error) {
	if addr := env("REDIS_ADDR"); addr != "" {
		return addr, func() {}, nil
	}
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return "", nil, errNoRedis
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	if err := l.Close(); err != nil {
		return "", nil, err
	}
	dir, err := os.MkdirTemp("", "biembed-fleet-redis")
	if err != nil {
		return "", nil, err
	}
	cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", dir,
		"--save", "", "--appendonly", "no")
	if err := cmd.Start(); err != nil {
		_ = os.RemoveAll(dir)
		return "", nil, err
	}
	stop := func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		_ = os.RemoveAll(dir)
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	if err := waitForRedis(addr); err != nil {
		stop()
		return "", nil, err
	}
	return addr, stop, nil
}

// waitForRedis pings addr until it answers, for up to 10 seconds.
func waitForRedis(addr string) error {
	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
	defer rdb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for delay := 2 * time.Millisecond; ; delay = min(2*delay, 100*time.Millisecond) {
		if rdb.Ping(ctx).Err() == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("redis-server on %s did not start", addr)
		case <-time.After(delay):
		}
	}
}
