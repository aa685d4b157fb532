package redistest

import (
	"bytes"
	"net"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"
)

// Proxy is a TCP proxy in front of a Server that a test can cut (a network
// partition), stall (a Redis that answers slower than any timeout) or make
// drop one reply (a connection that dies after a command was executed,
// before its answer arrived). Clients from Client go through it. It is safe
// for concurrent use and stops when the test ends.
type Proxy struct {
	t      testing.TB
	target string
	ln     net.Listener
	wg     sync.WaitGroup

	mu      sync.Mutex
	closed  bool
	cut     bool
	stall   chan struct{} // non-nil while stalled; closed to resume
	links   map[*link]struct{}
	marker  []byte        // CutReplyTo's marker, lower case; nil when not armed
	markerC chan struct{} // closed once the marked reply was dropped
}

// link is one proxied connection.
type link struct {
	client, server net.Conn
	once           sync.Once
	done           chan struct{}

	mu       sync.Mutex
	dropNext chan struct{} // non-nil: drop the next reply, then close
}

func (l *link) close() {
	l.once.Do(func() {
		close(l.done)
		_ = l.client.Close()
		_ = l.server.Close()
	})
}

// NewProxy starts a proxy to s on a free loopback port; it stops, closing
// every connection, when t ends.
func NewProxy(t testing.TB, s *Server) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("redistest: proxy: %v", err)
	}
	p := &Proxy{t: t, target: s.Addr(), ln: ln, links: map[*link]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.close)
	return p
}

// Addr returns the proxy's host:port.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Client returns a go-redis client (the Server's Options) that connects
// through the proxy, closed when the test ends.
func (p *Proxy) Client() *redis.Client {
	c := redis.NewClient(clientOptions(p.Addr()))
	p.t.Cleanup(func() { _ = c.Close() })
	return c
}

// Cut closes every connection through the proxy and refuses new ones (they
// are accepted and closed at once) until Restore: a partition.
func (p *Proxy) Cut() {
	p.mu.Lock()
	p.cut = true
	links := p.linksLocked()
	p.mu.Unlock()
	for _, l := range links {
		l.close()
	}
}

// Stall holds back every reply (commands still reach Redis) until Restore:
// a Redis slower than any client timeout.
func (p *Proxy) Stall() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stall == nil {
		p.stall = make(chan struct{})
	}
}

// Restore ends a Cut or a Stall: held replies flow again and new
// connections are accepted.
func (p *Proxy) Restore() {
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
func (p *Proxy) CutReplyTo(marker string) <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.marker = bytes.ToLower([]byte(marker))
	p.markerC = make(chan struct{})
	return p.markerC
}

func (p *Proxy) linksLocked() []*link {
	links := make([]*link, 0, len(p.links))
	for l := range p.links {
		links = append(links, l)
	}
	return links
}

func (p *Proxy) close() {
	p.mu.Lock()
	p.closed = true
	links := p.linksLocked()
	p.mu.Unlock()
	_ = p.ln.Close()
	for _, l := range links {
		l.close()
	}
	p.wg.Wait()
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		refuse := p.cut || p.closed
		p.mu.Unlock()
		if refuse {
			_ = c.Close()
			continue
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			_ = c.Close()
			continue
		}
		l := &link{client: c, server: s, done: make(chan struct{})}
		p.mu.Lock()
		if p.closed || p.cut {
			p.mu.Unlock()
			l.close()
			continue
		}
		p.links[l] = struct{}{}
		p.wg.Add(2)
		p.mu.Unlock()
		go p.up(l)
		go p.down(l)
	}
}

// up copies commands from the client to Redis, noting a marked command.
func (p *Proxy) up(l *link) {
	defer p.wg.Done()
	defer p.forget(l)
	buf := make([]byte, 64<<10)
	for {
		n, err := l.client.Read(buf)
		if n > 0 {
			p.mu.Lock()
			if p.marker != nil && bytes.Contains(bytes.ToLower(buf[:n]), p.marker) {
				l.mu.Lock()
				l.dropNext = p.markerC
				l.mu.Unlock()
				p.marker, p.markerC = nil, nil
			}
			p.mu.Unlock()
			if _, werr := l.server.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// down copies replies from Redis to the client, holding them while stalled
// and dropping a marked one.
func (p *Proxy) down(l *link) {
	defer p.wg.Done()
	defer p.forget(l)
	buf := make([]byte, 64<<10)
	for {
		n, err := l.server.Read(buf)
		if n > 0 {
			l.mu.Lock()
			drop := l.dropNext
			l.mu.Unlock()
			if drop != nil {
				l.close()
				close(drop)
				return
			}
			p.mu.Lock()
			stall := p.stall
			p.mu.Unlock()
			if stall != nil {
				select {
				case <-stall:
				case <-l.done:
					return
				}
			}
			if _, werr := l.client.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// forget closes l and drops it from the proxy's set.
func (p *Proxy) forget(l *link) {
	l.close()
	p.mu.Lock()
	delete(p.links, l)
	p.mu.Unlock()
}
