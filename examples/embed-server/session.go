package main

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/biembed/biembed-go/filtermap"
)

// demoUser is one account of the demo's login form and the rows it may see.
// A real backend keeps password hashes (bcrypt, argon2) in its user store;
// the demo compares plain demo passwords in constant time.
type demoUser struct {
	Password string
	Rows     filtermap.Condition
}

// demoUsers are the two accounts of the demo. Each sees only the orders of
// its own province.
var demoUsers = map[string]demoUser{
	"alice": {Password: "alice-demo-password", Rows: filtermap.Equals("province", "Hubei")},
	"bob":   {Password: "bob-demo-password", Rows: filtermap.Equals("province", "Guangdong")},
}

const (
	sessionCookie   = "session"
	sessionLifetime = 8 * time.Hour
)

// sessions signs and checks session cookies: the user name and an expiry,
// with an HMAC-SHA256 over both, so a browser can neither forge one nor
// change whose it is.
type sessions struct {
	key []byte
	now func() time.Time
}

// newSessions returns sessions with a fresh random key: restarting the
// server signs everyone out. Replicas behind a load balancer would share the
// key instead.
func newSessions(now func() time.Time) (*sessions, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	return &sessions{key: key, now: now}, nil
}

// cookie returns the session cookie for user: HttpOnly (scripts cannot read
// it), SameSite=Lax (other sites' requests do not carry it, except top-level
// navigations), Secure when the request came over TLS, and expiring.
func (s *sessions) cookie(r *http.Request, user string) *http.Cookie {
	expires := s.now().Add(sessionLifetime)
	payload := user + "|" + strconv.FormatInt(expires.Unix(), 10)
	value := b64(payload) + "." + b64(string(s.mac(payload)))
	return &http.Cookie{
		Name: sessionCookie, Value: value, Path: "/",
		Expires: expires, MaxAge: int(sessionLifetime / time.Second),
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil,
	}
}

// cleared returns a cookie that deletes the session.
func (s *sessions) cleared(r *http.Request) *http.Cookie {
	return &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil}
}

// user returns the signed-in user of r, or false when r has no valid,
// unexpired session cookie.
func (s *sessions) user(r *http.Request) (string, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return "", false
	}
	encoded, sig, ok := strings.Cut(c.Value, ".")
	if !ok {
		return "", false
	}
	payload, err1 := base64.RawURLEncoding.DecodeString(encoded)
	mac, err2 := base64.RawURLEncoding.DecodeString(sig)
	if err1 != nil || err2 != nil || !hmac.Equal(mac, s.mac(string(payload))) {
		return "", false
	}
	user, exp, ok := strings.Cut(string(payload), "|")
	expires, err := strconv.ParseInt(exp, 10, 64)
	if !ok || err != nil || !s.now().Before(time.Unix(expires, 0)) {
		return "", false
	}
	return user, true
}

func (s *sessions) mac(payload string) []byte {
	h := hmac.New(sha256.New, s.key)
	h.Write([]byte(payload))
	return h.Sum(nil)
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// checkPassword reports whether password is user's, in time that depends on
// neither the password nor whether the user exists.
func checkPassword(users map[string]demoUser, user, password string) bool {
	want := "\x00no such user" // compared anyway, so unknown users take as long
	u, known := users[user]
	if known {
		want = u.Password
	}
	a, b := sha256.Sum256([]byte(password)), sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1 && known
}
