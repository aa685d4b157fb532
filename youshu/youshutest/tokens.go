package youshutest

import (
	"crypto/rand"
	"encoding/hex"
	"time"

	"github.com/biembed/biembed-go/youshu"
)

// issued is the server's state of one token.
type issued struct {
	IssuedToken
	lifetime time.Duration
}

// IssuedToken is what the fake knows about a token it minted.
type IssuedToken struct {
	Caller    string // uniqueId of the account that minted it
	Subject   string // uniqueId of the account it is for
	UseType   youshu.UseType
	IssuedAt  time.Time
	ExpiresAt time.Time // moved by renewToken and autoRenew
	Once      bool
	AutoRenew time.Duration
	Visits    int  // successful integration page visits
	Removed   bool // removed by rmToken
	// Request is the genToken body it was minted from; its Credential prints masked.
	Request *youshu.GenTokenRequest
}

// Lookup returns what the fake knows about token.
func (s *Server) Lookup(token string) (IssuedToken, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, found := s.tokens.Get(token)
	if !found {
		return IssuedToken{}, false
	}
	return t.IssuedToken, true
}

// mint stores a new token; s.mu is held.
func (s *Server) mint(caller, subject *Account, req *youshu.GenTokenRequest) string {
	b := make([]byte, 20)
	_, _ = rand.Read(b)
	value := hex.EncodeToString(b)
	now := s.now()
	lifetime := req.Expiry
	if lifetime == 0 {
		lifetime = s.defaultExpiry
	}
	t := &issued{lifetime: lifetime, IssuedToken: IssuedToken{
		Caller: caller.UniqueID, Subject: subject.UniqueID, UseType: req.UseType,
		IssuedAt: now, ExpiresAt: now.Add(lifetime), Once: req.Once, Request: req,
	}}
	if req.AutoRenew != nil && req.Once { // the document: autoRenew applies only with once
		t.AutoRenew = req.AutoRenew.Expiry
	}
	s.tokens.Add(value, t, now)
	return value
}

// live returns token if it exists, is not removed and has not expired; s.mu is held.
func (s *Server) live(token string) *issued {
	t, _ := s.tokens.Get(token)
	if t == nil || t.Removed || !s.now().Before(t.ExpiresAt) {
		return nil
	}
	return t
}

// useHelper serves rmToken and renewToken.
func (s *Server) useHelper(helper, target string, use youshu.UseType) reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := s.live(helper)
	switch {
	case h == nil:
		return fail(401, "invalid token")
	case h.UseType != use:
		return fail(403, "token is not a %s helper", use)
	}
	t := s.live(target)
	if t == nil {
		return fail(404, "token not found")
	}
	if use == youshu.UseDeleteToken {
		t.Removed = true
	} else {
		t.ExpiresAt = s.now().Add(t.lifetime)
	}
	return ok("ok")
}
