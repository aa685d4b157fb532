// Package redistest starts a real redis-server for a test: on a free
// loopback port, with a temporary directory and no persistence, stopped by
// its PID when the test ends. Tests can kill and restart it (on the same
// port, empty or from a Snapshot) to prove that Redis failures degrade and
// never break, put hostile data into it through a raw connection (Raw), and
// put a Proxy in front of it that cuts, stalls or drops replies on cue.
//
// Without a redis-server binary the test is skipped with a message naming the
// install command, unless the environment says Redis is required (CI=true or
// BIEMBED_REQUIRE_REDIS=1): then it fails. New starts one outside a test
// (for examples).
package redistest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
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

// Server is one redis-server process owned by a test (or, from New, by its
// caller until Close).
type Server struct {
	t       testing.TB // nil for New
	bin     string
	dir     string
	ownsDir bool // New made dir; Close removes it
	port    int

	mu      sync.Mutex
	cmd     *exec.Cmd
	out     *bytes.Buffer
	clients []*redis.Client // Client's, closed by Close when t is nil
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
	port, err := freePort()
	if err != nil {
		t.Fatalf("redistest: %v", err)
	}
	s := &Server{t: t, bin: bin, dir: t.TempDir(), port: port}
	t.Cleanup(s.Kill)
	if err := s.start(); err != nil {
		t.Fatalf("redistest: %v", err)
	}
	return s
}

// New starts a redis-server outside a test, for examples; the caller must
// Close it. It returns an error naming the install command when
// redis-server is missing.
func New() (*Server, error) {
	bin := Binary()
	if bin == "" {
		return nil, errors.New("redistest: redis-server not found; install it with `" + InstallHint + "` (or set REDIS_SERVER)")
	}
	quietOnce.Do(func() { redis.SetLogger(quiet{}) })
	port, err := freePort()
	if err != nil {
		return nil, fmt.Errorf("redistest: %w", err)
	}
	dir, err := os.MkdirTemp("", "redistest-")
	if err != nil {
		return nil, fmt.Errorf("redistest: %w", err)
	}
	s := &Server{bin: bin, dir: dir, ownsDir: true, port: port}
	if err := s.start(); err != nil {
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("redistest: %w", err)
	}
	return s, nil
}

// Close stops a server made by New, closes the clients Client made for it
// and removes its directory. For a server made by Start it only kills it.
func (s *Server) Close() {
	s.Kill()
	s.mu.Lock()
	clients := s.clients
	s.clients = nil
	s.mu.Unlock()
	for _, c := range clients {
		_ = c.Close()
	}
	if s.ownsDir {
		_ = os.RemoveAll(s.dir)
	}
}

// Addr returns host:port of the server.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// Client returns a new go-redis client for the server (Options), closed when
// the test ends (or by Close, for a server made by New).
func (s *Server) Client() *redis.Client {
	c := redis.NewClient(s.Options())
	s.track(s.t, c)
	return c
}

// ClientFor is Client closed when t ends instead: for a subtest that checks
// for leaked goroutines before its parent ends.
func (s *Server) ClientFor(t testing.TB) *redis.Client {
	c := redis.NewClient(s.Options())
	s.track(t, c)
	return c
}

// track closes c when t ends, or at Close when t is nil.
func (s *Server) track(t testing.TB, c *redis.Client) {
	if t != nil {
		t.Cleanup(func() { _ = c.Close() })
		return
	}
	s.mu.Lock()
	s.clients = append(s.clients, c)
	s.mu.Unlock()
}

// Options returns client options for the server: no retries, socket
// timeouts long enough for a loaded test machine, and
// ContextTimeoutEnabled (which redisstore requires), so that the caller's
// own context deadlines decide when a call is too slow. A dead server fails
// at once (connection refused).
func (s *Server) Options() *redis.Options {
	return clientOptions(s.Addr())
}

func clientOptions(addr string) *redis.Options {
	return &redis.Options{
		Addr: addr, DialTimeout: 10 * time.Second,
		ReadTimeout: 10 * time.Second, WriteTimeout: 10 * time.Second,
		PoolSize: 16, PoolTimeout: 30 * time.Second,
		DialerRetries:         1,  // the default 5 make every call to a killed server take 0.5s
		MaxRetries:            -1, // a test decides itself what a failure means
		ContextTimeoutEnabled: true,
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
// replaced Redis would be), whatever Snapshot saved. It kills the running one
// first, if any.
func (s *Server) Restart() {
	s.restart(false)
}

// Snapshot saves the data set now (SAVE), for RestartFromSnapshot: what a
// Redis with RDB persistence would come back with after a crash.
func (s *Server) Snapshot() {
	if s.t != nil {
		s.t.Helper()
	}
	if r := s.raw("SAVE"); r != "OK" {
		s.fatalf("redistest: SAVE answered %v", r)
	}
}

// RestartFromSnapshot kills the server and starts it again on the same port
// with the data set of the last Snapshot (keys that expired since are gone):
// a Redis that crashed and came back stale.
func (s *Server) RestartFromSnapshot() {
	s.restart(true)
}

func (s *Server) restart(fromSnapshot bool) {
	if s.t != nil {
		s.t.Helper()
	}
	s.Kill()
	if !fromSnapshot {
		if err := os.Remove(filepath.Join(s.dir, "dump.rdb")); err != nil && !errors.Is(err, os.ErrNotExist) {
			s.fatalf("redistest: restart: %v", err)
		}
	}
	if err := s.start(); err != nil {
		s.fatalf("redistest: restart: %v", err)
	}
}

// Raw sends one command to the server on a connection of its own (see the
// package function Raw) and returns the reply.
func (s *Server) Raw(args ...any) any {
	if s.t != nil {
		s.t.Helper()
	}
	return s.raw(args...)
}

func (s *Server) raw(args ...any) any {
	r, err := rawCommand(s.Addr(), args...)
	if err != nil {
		s.fatalf("redistest: %v", err)
	}
	return r
}

// fatalf fails the test, or panics for a server made by New.
func (s *Server) fatalf(format string, args ...any) {
	if s.t == nil {
		panic(fmt.Sprintf(format, args...))
	}
	s.t.Helper()
	s.t.Fatalf(format, args...)
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
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("no free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
