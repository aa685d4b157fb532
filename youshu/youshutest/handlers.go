package youshutest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/biembed/biembed-go/youshu"
)

// reply is one answer of the fake, written by write.
type reply struct {
	status      int
	contentType string
	body        []byte
}

func write(w http.ResponseWriter, rep reply) {
	ct := rep.contentType
	if ct == "" {
		ct = "application/json"
	}
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(rep.status)
	_, _ = w.Write(rep.body)
}

func ok(result string) reply {
	body, _ := json.Marshal(map[string]any{"code": 200, "result": result})
	return reply{status: http.StatusOK, body: body}
}

func fail(code int, format string, args ...any) reply {
	body, _ := json.Marshal(map[string]any{"code": code, "message": fmt.Sprintf(format, args...)})
	return reply{status: http.StatusOK, body: body}
}

func httpFail(status int) reply {
	rep := fail(status, "%s", http.StatusText(status))
	rep.status = status
	return rep
}

const apiPrefix = "/api/dash/util/"

func endpointOf(path string) string {
	switch {
	case path == statusPath:
		return EndpointStatus
	case strings.HasPrefix(path, apiPrefix):
		name := strings.TrimPrefix(path, apiPrefix)
		if name == youshu.EndpointGenToken || name == youshu.EndpointRmToken || name == youshu.EndpointRenewToken {
			return name
		}
	case strings.HasPrefix(path, "/dash/") || strings.HasSuffix(path, chatBIRoute):
		return EndpointIntegration
	}
	return ""
}

// serveHTTP records the request, applies any fault, and answers.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	endpoint := endpointOf(r.URL.Path)
	if endpoint == EndpointStatus {
		s.record(Request{Endpoint: endpoint, Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone()})
		s.serveStatus(w, r)
		return
	}
	if endpoint == EndpointIntegration {
		s.record(Request{Endpoint: endpoint, Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone()})
		s.servePageWithFault(w, r)
		return
	}
	body, readErr := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if readErr == nil && len(body) > maxBody {
		readErr = errors.New("body too large")
	}
	rec := Request{Endpoint: endpoint, Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone(), Body: body}
	var gen *youshu.GenTokenRequest
	var decodeErr error
	if endpoint == youshu.EndpointGenToken && readErr == nil {
		gen, decodeErr = decodeGenToken(body)
		rec.GenToken = gen
	}
	s.record(rec)

	f := s.takeFault(endpoint)
	if f == nil {
		write(w, s.answer(r, endpoint, body, gen, errors.Join(readErr, decodeErr)))
		return
	}
	if !f.delay(r) {
		return
	}
	switch {
	case f.CloseMidBody:
		closeMidBody(w)
	case f.replaces():
		write(w, f.reply())
	default:
		rep := s.answer(r, endpoint, body, gen, errors.Join(readErr, decodeErr))
		if f.ContentType != "" {
			rep.contentType = f.ContentType
		}
		write(w, rep)
	}
}

func decodeGenToken(body []byte) (*youshu.GenTokenRequest, error) {
	var req youshu.GenTokenRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, err
	}
	return &req, nil
}

// answer is the fault-free answer to a request.
func (s *Server) answer(r *http.Request, endpoint string, body []byte, gen *youshu.GenTokenRequest, bodyErr error) reply {
	want := http.MethodGet
	if endpoint == youshu.EndpointGenToken {
		want = http.MethodPost
	}
	switch {
	case endpoint == "":
		return httpFail(http.StatusNotFound)
	case r.Method != want:
		return httpFail(http.StatusMethodNotAllowed)
	case endpoint == youshu.EndpointGenToken && bodyErr != nil:
		return fail(400, "malformed genToken body: %v", bodyErr)
	}
	q := r.URL.Query()
	switch endpoint {
	case youshu.EndpointRmToken:
		return s.useHelper(q.Get("token"), q.Get("t"), youshu.UseDeleteToken)
	case youshu.EndpointRenewToken:
		return s.useHelper(q.Get("token"), q.Get("t"), youshu.UseUpdateToken)
	}
	return s.genToken(gen)
}

// genToken authenticates, authorizes and mints.
func (s *Server) genToken(req *youshu.GenTokenRequest) reply {
	if err := req.Validate(); err != nil {
		return fail(400, "%v", err)
	}
	if req.Credential == (youshu.Credential{}) {
		return fail(401, "credential required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
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
	if rep, denied := authorize(caller, subject, req); denied {
		return rep
	}
	if id, unknown := s.unknownModel(req); unknown {
		return fail(743, "reportDataFilters 中对应的模型不存在 dataModelId = %d", id)
	}
	return ok(s.mint(caller, subject, req))
}

// authorize applies the super admin, project admin and domain owner rules.
func authorize(caller, subject *Account, req *youshu.GenTokenRequest) (reply, bool) {
	switch {
	case req.UseType != "" && !caller.Admin:
		return fail(403, "only super admins may mint %s tokens", req.UseType), true
	case req.ApplyScope == youshu.ScopeProject && !caller.projectAdmin(req.ProjectID):
		return fail(403, "not an admin of project %d", req.ProjectID), true
	case req.ApplyScope == youshu.ScopeDomain && !caller.DomainOwner && !caller.Admin:
		return fail(403, "applyScope Domain needs a domain owner"), true
	case subject != caller && !caller.Admin && req.ApplyScope != youshu.ScopeProject && req.ApplyScope != youshu.ScopeDomain:
		return fail(403, "only super admins may mint tokens for other accounts"), true
	}
	return reply{}, false
}

// unknownModel returns the first data model of reportDataFilters that does not exist.
func (s *Server) unknownModel(req *youshu.GenTokenRequest) (int64, bool) {
	if s.models == nil {
		return 0, false
	}
	for _, report := range req.ReportDataFilters {
		for _, m := range report.DataModelFilters {
			if !s.models[m.DataModelID] {
				return m.DataModelID, true
			}
		}
	}
	return 0, false
}
