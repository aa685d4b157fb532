package youshutest

import (
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/biembed/biembed-go/youshu"
)

// IssuedToken is what the fake knows about a token it minted.
type IssuedToken struct {
	Caller    string // uniqueId of the account that minted it
	Subject   string // uniqueId of the account it is for
	UseType   youshu.UseType
	IssuedAt  time.Time
	ExpiresAt time.Time // moved by renewToken and autoRenew
	Once      bool
	AutoRenew time.Duration
	Visits    int  // integration page visits it was accepted for
	Removed   bool // removed by rmToken
	// Request is the genToken body it was minted from; its Credential prints masked.
	Request *youshu.GenTokenRequest
}

// Lookup returns token, if the fake still knows it (an expired or removed one may be gone).
func (s *Server) Lookup(token string) (IssuedToken, bool) {
	s.core.Mu.Lock()
	defer s.core.Mu.Unlock()
	t, found := s.tokens.M[token]
	if !found {
		return IssuedToken{}, false
	}
	return *t, true
}

// answer answers an API request: HTTP status, JSON code, result or message.
func (s *Server) answer(r *http.Request, endpoint string, gen *youshu.GenTokenRequest, bodyErr error) (int, int, string) {
	want := http.MethodGet
	if endpoint == "genToken" {
		want = http.MethodPost
	}
	switch {
	case endpoint == "":
		return http.StatusNotFound, http.StatusNotFound, http.StatusText(http.StatusNotFound)
	case r.Method != want:
		return http.StatusMethodNotAllowed, http.StatusMethodNotAllowed, http.StatusText(http.StatusMethodNotAllowed)
	case endpoint == "genToken" && bodyErr != nil:
		return fail(400, "malformed genToken body: %v", bodyErr)
	}
	q := r.URL.Query()
	switch endpoint {
	case "rmToken":
		return s.useHelper(q.Get("token"), q.Get("t"), youshu.UseDeleteToken)
	case "renewToken":
		return s.useHelper(q.Get("token"), q.Get("t"), youshu.UseUpdateToken)
	}
	return s.genToken(gen)
}

func fail(code int, format string, args ...any) (int, int, string) {
	return http.StatusOK, code, fmt.Sprintf(format, args...)
}

func ok(result string) (int, int, string) { return http.StatusOK, http.StatusOK, result }

// genToken authenticates, authorizes and mints.
func (s *Server) genToken(req *youshu.GenTokenRequest) (int, int, string) {
	if err := req.Validate(); err != nil {
		return fail(400, "%v", err)
	}
	if req.Credential == (youshu.Credential{}) {
		return fail(401, "credential required")
	}
	s.core.Mu.Lock()
	defer s.core.Mu.Unlock()
	caller := s.authenticate(req.Credential.Type, req.Credential.Account, req.Credential.Secret.Reveal())
	if caller == nil {
		return fail(401, "authentication failed")
	}
	subject := caller
	if req.AuthUniqueID != "" || req.AuthUserID != 0 {
		if subject = s.account(req.AuthUniqueID, req.AuthUserID); subject == nil {
			return fail(404, "account not found")
		}
	}
	switch {
	case req.UseType != "" && !caller.Admin:
		return fail(403, "only super admins may mint %s tokens", req.UseType)
	case req.ApplyScope == youshu.ScopeProject && !caller.Admin && !slices.Contains(caller.ProjectAdminOf, req.ProjectID):
		return fail(403, "not an admin of project %d", req.ProjectID)
	case req.ApplyScope == youshu.ScopeDomain && !caller.DomainOwner && !caller.Admin:
		return fail(403, "applyScope Domain needs a domain owner")
	case subject != caller && !caller.Admin && req.ApplyScope != youshu.ScopeProject && req.ApplyScope != youshu.ScopeDomain:
		return fail(403, "only super admins may mint tokens for other accounts")
	}
	for _, report := range req.ReportDataFilters {
		for _, m := range report.DataModelFilters {
			if s.models != nil && !s.models[m.DataModelID] {
				return fail(743, "reportDataFilters 中对应的模型不存在 dataModelId = %d", m.DataModelID)
			}
		}
	}
	return ok(s.mint(caller, subject, req))
}

// mint stores a new token; s.core.Mu is held.
func (s *Server) mint(caller, subject *Account, req *youshu.GenTokenRequest) string {
	b := make([]byte, 20)
	_, _ = rand.Read(b)
	value := hex.EncodeToString(b)
	now := s.now()
	t := &IssuedToken{Caller: caller.UniqueID, Subject: subject.UniqueID, UseType: req.UseType,
		IssuedAt: now, ExpiresAt: now.Add(cmp.Or(req.Expiry, defaultExpiry)), Once: req.Once, Request: req}
	if req.Once { // the document: autoRenew applies only with once
		t.AutoRenew = req.AutoRenew
	}
	s.tokens.Add(value, t, now)
	return value
}

// live returns token unless unknown, removed or expired; s.core.Mu is held.
func (s *Server) live(token string) *IssuedToken {
	t := s.tokens.M[token]
	if t == nil || t.Removed || !s.now().Before(t.ExpiresAt) {
		return nil
	}
	return t
}

// useHelper serves rmToken and renewToken.
func (s *Server) useHelper(helper, target string, use youshu.UseType) (int, int, string) {
	s.core.Mu.Lock()
	defer s.core.Mu.Unlock()
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
		t.ExpiresAt = s.now().Add(cmp.Or(t.Request.Expiry, defaultExpiry))
	}
	return ok("ok")
}
