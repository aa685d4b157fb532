package redisstore_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/biembed/biembed-go/internal/testkit/redistest"
)

// tcpProxy is a TCP proxy in front of a Server that a test can cut (a
// partition), stall (a Redis slower than any timeout) or make drop one reply
// (a connection that dies after a command ran). It stops with the test.
type tcpProxy struct {
	t   testing.TB
	srv *redistest.Server
	ln  net.Listener
	wg  sync.WaitGroup

	mu     sync.Mutex
	cut    bool
	stall  chan struct{}     // non-nil while stalled; closed to resume
	conns  map[net.Conn]bool // both ends of every link
	marker []byte            // CutReplyTo's, lower case; nil when not armed
	marked chan struct{}     // closed once the marked reply was dropped
}

// newTCPProxy starts a proxy to s on a free loopback port.
func newTCPProxy(t testing.TB, s *redistest.Server) *tcpProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("proxy: %v", err)
	}
	p := &tcpProxy{t: t, srv: s, ln: ln, conns: map[net.Conn]bool{}}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(func() {
		_ = ln.Close()
		p.Cut()
		p.Restore() // held replies meet closed connections
		p.wg.Wait()
	})
	return p
}

// Client returns a go-redis client (the Server's Options) that connects
// through the proxy, closed when the test ends.
func (p *tcpProxy) Client() *redis.Client {
	o := p.srv.Options()
	o.Addr = p.ln.Addr().String()
	c := redis.NewClient(o)
	p.t.Cleanup(func() { _ = c.Close() })
	return c
}

// Cut closes every connection through the proxy and refuses new ones (they
// are accepted and closed at once) until Restore: a partition.
func (p *tcpProxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = true
	for c := range p.conns {
		_ = c.Close()
	}
}

// Stall holds back every reply (commands still reach Redis) until Restore:
// a Redis slower than any client timeout.
func (p *tcpProxy) Stall() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stall == nil {
		p.stall = make(chan struct{})
	}
}

// Restore ends a Cut or a Stall: held replies flow again and new
// connections are accepted.
func (p *tcpProxy) Restore() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = false
	if p.stall != nil {
		close(p.stall)
		p.stall = nil
	}
}

// CutReplyTo arms a one-shot cut: the next command whose bytes contain
// marker (case-insensitive, such as "evalsha") is forwarded to Redis, which
// executes it, and its connection is then closed before the reply passes.
// The returned channel is closed once that happened.
func (p *tcpProxy) CutReplyTo(marker string) <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.marker, p.marked = bytes.ToLower([]byte(marker)), make(chan struct{})
	return p.marked
}

func (p *tcpProxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		s, err := net.Dial("tcp", p.srv.Addr())
		p.mu.Lock()
		if err != nil || p.cut {
			p.mu.Unlock()
			_ = c.Close()
			if err == nil {
				_ = s.Close()
			}
			continue
		}
		p.conns[c], p.conns[s] = true, true
		p.wg.Add(2)
		p.mu.Unlock()
		var drop chan struct{} // the marked reply's (p.mu)
		go p.pipe(s, c, func(cmd []byte) {
			p.mu.Lock()
			defer p.mu.Unlock()
			if p.marker != nil && bytes.Contains(bytes.ToLower(cmd), p.marker) {
				drop, p.marker = p.marked, nil
			}
		})
		go p.pipe(c, s, func([]byte) {
			p.mu.Lock()
			d, stall := drop, p.stall
			p.mu.Unlock()
			if d != nil {
				_, _ = c.Close(), s.Close() // the write that follows fails
				close(d)
			} else if stall != nil {
				<-stall
			}
		})
	}
}

// pipe copies src to dst, calling each on every chunk before it passes,
// until either fails; then it closes both.
func (p *tcpProxy) pipe(dst, src net.Conn, each func([]byte)) {
	defer p.wg.Done()
	buf := make([]byte, 64<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			each(buf[:n])
		}
		if _, werr := dst.Write(buf[:n]); werr != nil || err != nil {
			break
		}
	}
	p.mu.Lock()
	delete(p.conns, dst)
	delete(p.conns, src)
	p.mu.Unlock()
	_, _ = dst.Close(), src.Close()
}

// A cut proxy fails calls at once and refuses new connections; Restore
// heals it. A stalled one holds replies until Restore. CutReplyTo lets the
// marked command run and drops its answer.
func TestProxyCutsStallsAndDropsReplies(t *testing.T) {
	srv := redistest.Start(t)
	p := newTCPProxy(t, srv)
	rdb := p.Client()
	ctx := context.Background()
	if err := rdb.Set(ctx, "k", "1", 0).Err(); err != nil {
		t.Fatalf("SET through the proxy: %v", err)
	}
	p.Cut()
	if err := rdb.Get(ctx, "k").Err(); err == nil || errors.Is(err, redis.Nil) {
		t.Fatalf("GET through a cut proxy = %v, want a connection error", err)
	}
	p.Restore()
	if v, err := rdb.Get(ctx, "k").Result(); err != nil || v != "1" {
		t.Fatalf("GET after Restore = %q, %v", v, err)
	}

	p.Stall()
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	err := rdb.Incr(short, "n").Err()
	cancel()
	if err == nil {
		t.Fatal("INCR through a stalled proxy answered")
	}
	p.Restore()
	if v := srv.Raw("GET", "n"); v != "1" {
		t.Fatalf("the stalled INCR did not reach Redis: n = %v", v)
	}

	dropped := p.CutReplyTo("incrby")
	if err := rdb.IncrBy(ctx, "n", 5).Err(); err == nil {
		t.Fatal("INCRBY whose reply was dropped succeeded")
	}
	<-dropped
	if v := srv.Raw("GET", "n"); v != "6" {
		t.Fatalf("the INCRBY whose reply was dropped did not run: n = %v", v)
	}
	if err := rdb.Get(ctx, "n").Err(); err != nil {
		t.Fatalf("the next call after a dropped reply: %v", err)
	}
}
