// Command fleet runs two replicas of a backend that share their Tencent BI
// embed tokens, their mint lock and their rate budget through one Redis:
// both replicas get the same token for a user from a single mint, and an
// invalidation on one replica is seen by the other at once.
//
//	go run ./examples/fleet
//
// With REDIS_ADDR (host:port) it uses that Redis. Without it, it starts a
// throwaway redis-server if one is on PATH (Debian/Ubuntu:
// `apt-get install -y redis-server`; macOS: `brew install redis`; or
// `docker run -p 6379:6379 redis` and REDIS_ADDR=127.0.0.1:6379). Tencent BI
// is the in-process fake (tencenttest), so no credentials are needed.
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/biembed/biembed-go/redisstore"
	"github.com/biembed/biembed-go/tencent"
	"github.com/biembed/biembed-go/tencent/tencenttest"
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

// replica is one backend process: its own client, Redis connection and cache.
type replica struct {
	cache *tencent.Cache
	close func()
}

func run(ctx context.Context, stdout io.Writer, env func(string) string) error {
	addr, stopRedis, err := redisAddr(env)
	if err != nil {
		return err
	}
	defer stopRedis()
	fake := tencenttest.NewServer(tencenttest.WithDeterministicTokens())
	defer fake.Close()

	// Every replica gets the same sealing key (from your secret store in
	// production): tokens in Redis are live credentials.
	sealKey := make([]byte, 32)
	_, _ = rand.Read(sealKey)
	a, err := newReplica(addr, fake.URL(), sealKey)
	if err != nil {
		return err
	}
	defer a.close()
	b, err := newReplica(addr, fake.URL(), sealKey)
	if err != nil {
		return err
	}
	defer b.close()

	req := tencent.NewPageRequest(7, 8)
	req.Expiry = 30 * time.Minute
	mints := func() int { return fake.Count(tencent.ActionCreateEmbedToken) }

	tokA, err := a.cache.Get(ctx, "alice", req)
	if err != nil {
		return fmt.Errorf("replica A: %w", err)
	}
	tokB, err := b.cache.Get(ctx, "alice", req)
	if err != nil {
		return fmt.Errorf("replica B: %w", err)
	}
	fmt.Fprintf(stdout, "A and B serve the same token for alice: %v (mints at Tencent: %d)\n", tokA.Value == tokB.Value, mints())

	if err := a.cache.Invalidate(ctx, "alice"); err != nil {
		return fmt.Errorf("invalidate on A: %w", err)
	}
	fresh, err := b.cache.Get(ctx, "alice", req)
	if err != nil {
		return fmt.Errorf("replica B: %w", err)
	}
	fmt.Fprintf(stdout, "after A invalidated alice, B serves a new token: %v (mints at Tencent: %d)\n", fresh.Value != tokB.Value, mints())
	return nil
}

// newReplica builds one replica: a Tencent client that waits on the shared
// rate budget, and a cache over the shared store.
func newReplica(redisAddr, endpoint string, sealKey []byte) (*replica, error) {
	rdb := redis.NewClient(&redis.Options{Addr: redisAddr, ContextTimeoutEnabled: true})
	budget, err := redisstore.NewRateLimiter(rdb, redisstore.LimiterOptions{Prefix: "biembed:"})
	if err != nil {
		return nil, err
	}
	client, err := tencent.NewClient(
		tencent.WithSecret(tencenttest.SecretID, tencenttest.SecretKey), // your SecretId/SecretKey in production
		tencent.WithEndpoint(endpoint),
		tencent.WithRateLimiter(budget), // 20/s per action for the whole fleet
	)
	if err != nil {
		return nil, err
	}
	store, err := redisstore.NewTencentStore(rdb, redisstore.Options{Prefix: "biembed:", SealKey: sealKey})
	if err != nil {
		return nil, err
	}
	cache, err := tencent.NewCache(client, tencent.CacheOptions{Store: store})
	if err != nil {
		return nil, err
	}
	return &replica{cache: cache, close: func() {
		_ = cache.Close()
		client.CloseIdleConnections()
		_ = rdb.Close()
	}}, nil
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
	_ = l.Close()
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
