// Package redistest starts a real redis-server for a test: on a free
// loopback port, with a temporary directory and no persistence, stopped by
// its PID when the test ends. Tests can kill and restart it (on the same
// port) to prove that Redis failures degrade and never break.
//
// Without a redis-server binary the test is skipped with a message naming the
// install command, unless the environment says Redis is required (CI=true or
// BIEMBED_REQUIRE_REDIS=1): then it fails.
package redistest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// InstallHint is the command that installs redis-server on Debian and Ubuntu.
const InstallHint = "apt-get install -y redis-server"

// startTimeout bounds how long Start waits for a new server to answer PING.
const startTimeout = 10 * time.Second

// quiet drops go-redis's own log lines (a killed server makes many).
type quiet struct{}

func (quiet) Printf(context.Context, string, ...any) {}

var quietOnce sync.Once

// Server is one redis-server process owned by a test.
type Server struct {
	t    testing.TB
	bin  string
	dir  string
	port int

	mu  sync.Mutex
	cmd *exec.Cmd
	out *bytes.Buffer
}

// Required reports whether a missing redis-server fails the test instead of
// skipping it: when CI=true or BIEMBED_REQUIRE_REDIS=1.
func Required() bool {
	return os.Getenv("CI") == "true" || os.Getenv("BIEMBED_REQUIRE_REDIS") == "1"
}

// Binary returns the path of redis-server, or "" when it is not installed.
// REDIS_SERVER overrides the search.
func Binary() string {
	if p := os.Getenv("REDIS_SERVER"); p != "" {
		return p
	}
	if p, err := exec.LookPath("redis-server"); err == nil {
		return p
	}
	if _, err := os.Stat("/usr/bin/redis-server"); err == nil {
		return "/usr/bin/redis-server"
	}
	return ""
}

// Start starts a redis-server for t and stops it when t ends. It skips t (or
// fails it, see Required) when redis-server is missing.
func Start(t testing.TB) *Server {
	t.Helper()
	bin := Binary()
	if bin == "" {
		msg := "redis-server not found; install it with `" + InstallHint + "` (or set REDIS_SERVER)"
		if Required() {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	quietOnce.Do(func() { redis.SetLogger(quiet{}) })
	s := &Server{t: t, bin: bin, dir: t.TempDir(), port: freePort(t)}
	t.Cleanup(s.Kill)
	if err := s.start(); err != nil {
		t.Fatalf("redistest: %v", err)
	}
	return s
}

// Addr returns host:port of the server.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// Client returns a new go-redis client for the server (Options), closed when
// the test ends.
func (s *Server) Client() *redis.Client {
	c := redis.NewClient(s.Options())
	s.t.Cleanup(func() { _ = c.Close() })
	return c
}

// Options returns client options for the server: no retries, and socket
// timeouts long enough for a loaded test machine, so that the caller's own
// context deadlines decide when a call is too slow. A dead server fails at
// once (connection refused).
func (s *Server) Options() *redis.Options {
	return &redis.Options{
		Addr: s.Addr(), DialTimeout: 10 * time.Second,
		ReadTimeout: 10 * time.Second, WriteTimeout: 10 * time.Second,
		PoolSize: 16, PoolTimeout: 30 * time.Second,
		DialerRetries: 1,  // the default 5 make every call to a killed server take 0.5s
		MaxRetries:    -1, // a test decides itself what a failure means
	}
}

// Kill stops the server at once (SIGKILL) and waits for it to exit. Killing a
// stopped server does nothing.
func (s *Server) Kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	s.cmd = nil
}

// Restart starts the server again on the same port, empty (as a flushed or
// replaced Redis would be). It kills the running one first, if any.
func (s *Server) Restart() {
	s.t.Helper()
	s.Kill()
	if err := s.start(); err != nil {
		s.t.Fatalf("redistest: restart: %v", err)
	}
}

func (s *Server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	cmd := exec.Command(s.bin,
		"--port", strconv.Itoa(s.port), "--bind", "127.0.0.1", "--dir", s.dir,
		"--save", "", "--appendonly", "no", "--protected-mode", "no", "--loglevel", "warning")
	s.out = &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = s.out, s.out
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", s.bin, err)
	}
	s.cmd = cmd
	if err := waitForPing(s.Addr()); err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		s.cmd = nil
		return fmt.Errorf("redis-server on %s did not answer PING: %w; its output: %s", s.Addr(), err, s.out.String())
	}
	return nil
}

// waitForPing polls addr with PING, backing off, until it answers or
// startTimeout passes.
func waitForPing(addr string) error {
	c := redis.NewClient(&redis.Options{Addr: addr, DialTimeout: 200 * time.Millisecond, MaxRetries: -1})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	delay := 2 * time.Millisecond
	for {
		err := c.Ping(ctx).Err()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return errors.Join(ctx.Err(), err)
		case <-time.After(delay):
		}
		delay = min(2*delay, 100*time.Millisecond)
	}
}

// freePort asks the kernel for a free loopback port. Another process could
// take it before redis-server binds it; that is rare and fails loudly.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("redistest: no free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
