package fakestate

import (
	"cmp"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"time"
)

// Core is the fakes' server, clock, request log and faults. Mu guards
// them and the fake's own state; Core's methods take it themselves.
type Core[R any] struct {
	Mu     sync.Mutex
	Now    func() time.Time
	srv    *httptest.Server
	done   chan struct{}
	once   sync.Once
	faults []*Fault
	limit  int
	log    []R // the last limit requests
	counts map[string]int
	total  int
}

// NewCore returns a Core on now (time.Now when nil) logging requestLog requests.
func NewCore[R any](now func() time.Time, requestLog int) *Core[R] {
	if now == nil {
		now = time.Now
	}
	return &Core[R]{Now: now, done: make(chan struct{}), limit: max(1, requestLog), counts: map[string]int{}}
}

// Start serves h on a loopback port, https with a test certificate when tls.
func (c *Core[R]) Start(h http.Handler, tls bool) {
	c.srv = httptest.NewUnstartedServer(h)
	c.srv.Config.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes and cut connections are expected
	if tls {
		c.srv.StartTLS()
	} else {
		c.srv.Start()
	}
}

// URL is the server's base URL.
func (c *Core[R]) URL() string { return c.srv.URL }

// Client trusts the server's certificate.
func (c *Core[R]) Client() *http.Client { return c.srv.Client() }

// Close ends held-back answers and shuts the server down.
func (c *Core[R]) Close() {
	c.once.Do(func() {
		close(c.done)
		if c.srv != nil {
			c.srv.CloseClientConnections()
			c.srv.Close()
		}
	})
}

// Record logs r under name.
func (c *Core[R]) Record(name string, r R) {
	c.Mu.Lock()
	defer c.Mu.Unlock()
	c.counts[name]++
	c.total++
	if c.log = append(c.log, r); len(c.log) > c.limit {
		c.log = c.log[1:] // append copies the kept ones into a fresh array when it grows
	}
}

// Requests returns the logged requests, oldest first.
func (c *Core[R]) Requests() []R {
	c.Mu.Lock()
	defer c.Mu.Unlock()
	return slices.Clone(c.log)
}

// Count counts the requests recorded under name, or all for "".
func (c *Core[R]) Count(name string) int {
	c.Mu.Lock()
	defer c.Mu.Unlock()
	if name == "" {
		return c.total
	}
	return c.counts[name]
}

// ResetRequests forgets the log and the counts.
func (c *Core[R]) ResetRequests() {
	c.Mu.Lock()
	defer c.Mu.Unlock()
	c.log, c.total = nil, 0
	clear(c.counts)
}

// Fault is an injected fault in the form both fakes turn theirs into.
type Fault struct {
	Name         string // the action or endpoint it applies to; "" for all
	Status       int    // HTTP status (200 when 0)
	Body         []byte // the answer instead of the normal one; nil keeps the normal one
	ContentType  string // of Body (application/json when empty), or a relabel of the normal answer
	Delay        time.Duration
	Stalled      chan<- struct{}
	CloseMidBody bool // send half of Body, then close the connection
	Times        int  // 0: every matching request
}

// Inject adds f after the faults injected before it.
func (c *Core[R]) Inject(f Fault) {
	c.Mu.Lock()
	defer c.Mu.Unlock()
	c.faults = append(c.faults, &f)
}

// ClearFaults removes every fault.
func (c *Core[R]) ClearFaults() {
	c.Mu.Lock()
	defer c.Mu.Unlock()
	c.faults = nil
}

// Fault applies the first fault matching name: Delay (telling Stalled),
// then its answer. It reports whether the request is done with.
func (c *Core[R]) Fault(w http.ResponseWriter, r *http.Request, name string) bool {
	c.Mu.Lock()
	var f *Fault
	for i, g := range c.faults {
		if g.Name == "" || g.Name == name {
			if f = g; f.Times > 0 {
				if f.Times--; f.Times == 0 {
					c.faults = append(c.faults[:i:i], c.faults[i+1:]...)
				}
			}
			break
		}
	}
	c.Mu.Unlock()
	if f == nil {
		return false
	}
	if f.Delay > 0 {
		select {
		case f.Stalled <- struct{}{}:
		default:
		}
		t := time.NewTimer(f.Delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return true
		case <-c.done:
			return true
		}
	}
	switch {
	case f.CloseMidBody:
		closeMidBody(w, f.Body)
	case f.Body != nil:
		w.Header().Set("Content-Type", cmp.Or(f.ContentType, "application/json"))
		w.WriteHeader(cmp.Or(f.Status, http.StatusOK))
		_, _ = w.Write(f.Body)
	default:
		if f.ContentType != "" {
			w.Header().Set("Content-Type", f.ContentType)
		}
		return false
	}
	return true
}

// closeMidBody promises body, sends half of it and closes the connection.
func closeMidBody(w http.ResponseWriter, body []byte) {
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		http.Error(w, "hijack not supported", http.StatusInternalServerError)
		return
	}
	defer conn.Close()
	_, _ = buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
		strconv.Itoa(len(body)) + "\r\n\r\n")
	_, _ = buf.Write(body[:len(body)/2])
	_ = buf.Flush()
}

// WriteJSON answers status with body as JSON, unless a fault relabelled it.
func WriteJSON(w http.ResponseWriter, status int, body []byte) {
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
