package main

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"sync"
	"time"

	"github.com/biembed/biembed-go/filtermap"
)

// demoUser is one account of the demo's login form and what it may see. A
// real backend keeps password hashes (bcrypt, argon2) in its user store;
// the demo compares plain demo passwords in constant time.
type demoUser struct {
	Password string
	CorpID   string              // the user's enterprise at Tencent Cloud BI (UserCorpID)
	Rows     filtermap.Condition // the rows the user may see
}

// demoUsers are the two accounts of the demo. Each sees only the orders of
// its own province.
var demoUsers = map[string]demoUser{
	"alice": {Password: "alice-demo-password", CorpID: "demo-hubei", Rows: filtermap.Equals("province", "Hubei")},
	"bob":   {Password: "bob-demo-password", CorpID: "demo-guangdong", Rows: filtermap.Equals("province", "Guangdong")},
}

// directory is who may sign in and what each sees; an admin may change a
// user's rows while they have a report open (set).
type directory struct {
	mu    sync.RWMutex
	users map[string]demoUser
}

func newDirectory(users map[string]demoUser) *directory {
	d := &directory{users: map[string]demoUser{}}
	for name, u := range users {
		d.users[name] = u
	}
	return d
}

func (d *directory) get(name string) (demoUser, bool) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	u, ok := d.users[name]
	return u, ok
}

func (d *directory) set(name string, u demoUser) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.users[name] = u
}

// checkPassword reports whether password is name's, in time that depends
// on neither the password nor whether the user exists.
func (d *directory) checkPassword(name, password string) bool {
	u, known := d.get(name)
	want := "\x00no such user" // compared anyway, so unknown users take as long
	if known {
		want = u.Password
	}
	a, b := sha256.Sum256([]byte(password)), sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1 && known
}

const (
	sessionCookie   = "session"
	sessionLifetime = 8 * time.Hour
	maxSessions     = 100_000 // sessions kept at most: expired ones go first, then any
)

// sessions is a server-side session store: the cookie holds 32 random bytes
// and the server keeps, under their SHA-256, whose session it is and until
// when. Logging out deletes the session, so a copied cookie stops working
// at once. Restarting the server signs everyone out; replicas behind a
// load balancer would keep sessions in a shared store instead.
type sessions struct {
	now func() time.Time
	mu  sync.Mutex
	m   map[string]session // by hash of the cookie
}

type session struct {
	user    string
	expires time.Time
}

func newSessions(now func() time.Time) *sessions {
	return &sessions{now: now, m: map[string]session{}}
}

func hashID(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:])
}

// start opens a session for user and returns its cookie: HttpOnly (scripts
// cannot read it), SameSite=Lax (other sites' requests do not carry it,
// except top-level navigations), Secure over TLS, expiring.
func (s *sessions) start(r *http.Request, user string) (*http.Cookie, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	id := base64.RawURLEncoding.EncodeToString(b)
	now := s.now()
	s.mu.Lock()
	if len(s.m) >= maxSessions {
		for k, v := range s.m {
			if !now.Before(v.expires) {
				delete(s.m, k)
			}
		}
		for k := range s.m {
			if len(s.m) < maxSessions {
				break
			}
			delete(s.m, k) // the store is full of live sessions: one signs out
		}
	}
	s.m[hashID(id)] = session{user: user, expires: now.Add(sessionLifetime)}
	s.mu.Unlock()
	return &http.Cookie{Name: sessionCookie, Value: id, Path: "/", Expires: now.Add(sessionLifetime),
		MaxAge: int(sessionLifetime / time.Second), HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil}, nil
}

// user returns the signed-in user of r, or false when r has no live session.
func (s *sessions) user(r *http.Request) (string, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return "", false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key := hashID(c.Value)
	sess, ok := s.m[key]
	if ok && !s.now().Before(sess.expires) {
		delete(s.m, key)
		ok = false
	}
	return sess.user, ok
}

// end deletes r's session on the server and returns the cookie that
// deletes it in the browser.
func (s *sessions) end(r *http.Request) *http.Cookie {
	if c, err := r.Cookie(sessionCookie); err == nil {
		s.mu.Lock()
		delete(s.m, hashID(c.Value))
		s.mu.Unlock()
	}
	return &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil}
}

// throttle counts failed logins per key (a user name, a client address) in
// a sliding window: a key with limit failures in the last window must wait
// until the oldest of them leaves it. Memory is bounded: past
// maxThrottleKeys keys, keys whose failures left the window go first, then
// any.
type throttle struct {
	now    func() time.Time
	limit  int
	window time.Duration
	mu     sync.Mutex
	fails  map[string][]time.Time // oldest first, within the window
}

const maxThrottleKeys = 100_000

func newThrottle(now func() time.Time, limit int, window time.Duration) *throttle {
	return &throttle{now: now, limit: limit, window: window, fails: map[string][]time.Time{}}
}

// wait returns how long the caller must wait before it may try keys again
// (0: now).
func (t *throttle) wait(keys ...string) time.Duration {
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	var most time.Duration
	for _, k := range keys {
		f := t.recent(k, now)
		if len(f) >= t.limit {
			most = max(most, f[len(f)-t.limit].Add(t.window).Sub(now))
		}
	}
	return most
}

// recent returns key's failures still in the window; t.mu is held.
func (t *throttle) recent(key string, now time.Time) []time.Time {
	f := t.fails[key]
	i := 0
	for i < len(f) && !now.Before(f[i].Add(t.window)) {
		i++
	}
	if i == len(f) {
		delete(t.fails, key)
		return nil
	}
	t.fails[key] = f[i:]
	return f[i:]
}

// fail records a failed login for each of keys.
func (t *throttle) fail(keys ...string) {
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.fails) >= maxThrottleKeys {
		for k := range t.fails {
			t.recent(k, now) // drops keys whose failures all left the window
		}
		for k := range t.fails {
			if len(t.fails) < maxThrottleKeys {
				break
			}
			delete(t.fails, k)
		}
	}
	for _, k := range keys {
		f := append(t.recent(k, now), now)
		if len(f) > t.limit {
			f = f[len(f)-t.limit:]
		}
		t.fails[k] = f
	}
}

// forget clears key's failures (a user who signed in).
func (t *throttle) forget(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.fails, key)
}
