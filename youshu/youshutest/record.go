package youshutest

import (
	"log/slog"
	"net/http"
	"net/url"
	"strconv"

	"github.com/biembed/biembed-go/youshu"
)

// EndpointIntegration names integration page visits (GET /dash/...) in
// Request.Endpoint, Count and Fault.Endpoint; the API endpoints use the
// youshu.Endpoint* names.
const EndpointIntegration = "integration"

// EndpointStatus names the requests an open integration page's script
// makes to ask whether its token still works (GET /dash/status).
const EndpointStatus = "status"

// Request is one request the fake received. Query and Body hold tokens,
// passwords, keys and integrate tokens in the clear, for assertions; String,
// GoString and LogValue show none of them.
type Request struct {
	Endpoint string // youshu.EndpointGenToken ..., EndpointIntegration, EndpointStatus, or "" for other paths
	Method   string
	Path     string
	Query    url.Values
	Header   http.Header
	Body     []byte
	// GenToken is the decoded genToken body; nil for other endpoints and for
	// bodies that did not decode. Its Credential prints masked.
	GenToken *youshu.GenTokenRequest
}

// String describes r without query values, headers or body.
func (r Request) String() string {
	return r.Method + " " + r.Path + " (" + r.Endpoint + ", " + strconv.Itoa(len(r.Body)) + "-byte body)"
}

// GoString is String, so %#v reveals no secret either.
func (r Request) GoString() string { return "youshutest.Request{" + r.String() + "}" }

// LogValue logs the endpoint, method and path only.
func (r Request) LogValue() slog.Value {
	return slog.GroupValue(slog.String("endpoint", r.Endpoint), slog.String("method", r.Method), slog.String("path", r.Path))
}

// Requests returns a copy of the latest requests (at most WithRequestLog),
// oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.log.Entries()
}

// Count returns how many requests reached endpoint (a youshu.Endpoint* name
// or EndpointIntegration) since the fake started or since ResetRequests,
// whatever their outcome; "" counts every request, other paths included.
func (s *Server) Count(endpoint string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if endpoint == "" {
		return s.log.Count("")
	}
	return s.log.Count("endpoint:" + endpoint)
}

// ResetRequests forgets the recorded requests and sets every Count to 0.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log.Reset()
}

func (s *Server) record(r Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log.Add("endpoint:"+r.Endpoint, r)
}
