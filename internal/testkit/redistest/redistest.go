// Package redistest starts a real redis-server for a test (New: outside
// one, for examples) on a free loopback port, with no persistence. Tests
// kill and restart it, empty or from a Snapshot, and put hostile data into
// it (Raw). Without redis-server a test is skipped, or fails when Required.
package redistest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/logging"
)

// InstallHint is the command that installs redis-server on Debian and Ubuntu.
const InstallHint = "apt-get install -y redis-server"

func init() { logging.Disable() } // a killed server makes go-redis log many lines

// Server is one redis-server process owned by a test (or, from New, by its
// caller until Close).
type Server struct {
	t        testing.TB // nil for New
	bin, dir string
	port     int

	mu  sync.Mutex
	cmd *exec.Cmd
}

// Required reports whether a missing redis-server fails a test instead of
// skipping it: CI=true or BIEMBED_REQUIRE_REDIS=1.
func Required() bool {
	return os.Getenv("CI") == "true" || os.Getenv("BIEMBED_REQUIRE_REDIS") == "1"
}

// errMissing: no redis-server on PATH, nor named by REDIS_SERVER.
var errMissing = errors.New("redistest: redis-server not found; install it with `" + InstallHint + "` (or set REDIS_SERVER)")

// Start starts a redis-server for t and stops it when t ends. Without
// redis-server it skips t (fails it when Required).
func Start(t testing.TB) *Server {
	t.Helper()
	s, err := start(t, t.TempDir())
	if errors.Is(err, errMissing) && !Required() {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Kill)
	return s
}

// New starts a redis-server outside a test; the caller must Close it.
// Without redis-server its error names the install command.
func New() (*Server, error) {
	dir, err := os.MkdirTemp("", "redistest-")
	if err != nil {
		return nil, err
	}
	s, err := start(nil, dir)
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	return s, nil
}

func start(t testing.TB, dir string) (*Server, error) {
	bin, _ := exec.LookPath(cmp.Or(os.Getenv("REDIS_SERVER"), "redis-server"))
	if bin == "" {
		return nil, errMissing
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	_ = l.Close() // another process taking it first is rare, and fails loudly
	s := &Server{t: t, bin: bin, dir: dir, port: l.Addr().(*net.TCPAddr).Port}
	return s, s.start()
}

// start runs redis-server and waits until it answers PING.
func (s *Server) start() error {
	var out strings.Builder
	cmd := exec.Command(s.bin, "--port", strconv.Itoa(s.port), "--bind", "127.0.0.1", "--dir", s.dir,
		"--save", "", "--appendonly", "no", "--protected-mode", "no", "--loglevel", "warning")
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("redistest: %w", err)
	}
	s.mu.Lock()
	s.cmd = cmd
	s.mu.Unlock()
	c := redis.NewClient(&redis.Options{Addr: s.Addr(), DialTimeout: 200 * time.Millisecond, MaxRetries: -1})
	defer c.Close()
	err := c.Ping(context.Background()).Err()
	for delay, end := 2*time.Millisecond, time.Now().Add(10*time.Second); err != nil && time.Now().Before(end); delay = min(2*delay, 100*time.Millisecond) {
		<-time.After(delay)
		err = c.Ping(context.Background()).Err()
	}
	if err != nil {
		s.Kill()
		return fmt.Errorf("redistest: redis-server on %s did not answer PING: %w; its output: %s", s.Addr(), err, out.String())
	}
	return nil
}

// Close kills the server and, for one made by New, removes its directory.
func (s *Server) Close() {
	s.Kill()
	if s.t == nil {
		_ = os.RemoveAll(s.dir)
	}
}

// Addr returns host:port of the server.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// Client returns a new go-redis client for the server (Options), closed when
// the test ends (for a server made by New, by the caller).
func (s *Server) Client() *redis.Client { return s.ClientFor(s.t) }

// ClientFor is Client closed when t ends instead: for a subtest that checks
// for leaked goroutines before its parent ends.
func (s *Server) ClientFor(t testing.TB) *redis.Client {
	c := redis.NewClient(s.Options())
	if t != nil {
		t.Cleanup(func() { _ = c.Close() })
	}
	return c
}

// Options returns client options for the server: no retries, long socket
// timeouts and ContextTimeoutEnabled (redisstore requires it).
func (s *Server) Options() *redis.Options {
	return &redis.Options{Addr: s.Addr(), DialTimeout: 10 * time.Second, ReadTimeout: 10 * time.Second,
		WriteTimeout: 10 * time.Second, PoolSize: 16, PoolTimeout: 30 * time.Second, ContextTimeoutEnabled: true,
		DialerRetries: 1, MaxRetries: -1} // the default 5 dials make each call to a killed server take 0.5s
}

// Kill stops the server at once (SIGKILL), if it runs.
func (s *Server) Kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		_ = s.cmd.Process.Kill()
		_ = s.cmd.Wait()
		s.cmd = nil
	}
}

// Restart kills the server and starts it again on the same port, empty,
// whatever Snapshot saved.
func (s *Server) Restart() { s.restart(true) }

// Snapshot saves the data set now (SAVE), for RestartFromSnapshot: what a
// Redis with RDB persistence would come back with after a crash.
func (s *Server) Snapshot() {
	if r := s.Raw("SAVE"); r != "OK" {
		s.check(fmt.Errorf("redistest: SAVE answered %v", r))
	}
}

// RestartFromSnapshot is Restart with the data set of the last Snapshot
// (less what expired since): a Redis that crashed and came back stale.
func (s *Server) RestartFromSnapshot() { s.restart(false) }

func (s *Server) restart(empty bool) {
	s.Kill()
	if empty {
		_ = os.Remove(filepath.Join(s.dir, "dump.rdb"))
	}
	s.check(s.start())
}

// Raw sends one command on a connection of its own, without the hooks or
// retries of a test's clients, and returns the RESP2 reply: a string, nil
// for a null, an int64, []any for an array, a redis.Error for an error
// reply. A connection failure fails the test.
func (s *Server) Raw(args ...any) any {
	c := redis.NewClient(&redis.Options{Addr: s.Addr(), Protocol: 2, DisableIdentity: true, MaxRetries: -1,
		ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second})
	defer c.Close()
	v, err := c.Do(context.Background(), args...).Result()
	switch _, reply := err.(redis.Error); {
	case err == redis.Nil:
		return nil
	case reply:
		return err
	}
	s.check(err)
	return v
}

// check fails the test on an error (panics for a server made by New).
func (s *Server) check(err error) {
	if err != nil && s.t == nil {
		panic(err)
	} else if err != nil {
		s.t.Fatal(err)
	}
}
