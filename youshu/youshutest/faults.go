package youshutest

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"time"
)

// Fault changes how the fake answers requests to Endpoint ("" for every
// endpoint). A fault with Code, HTTPStatus, Body, EmptyResult or CloseMidBody
// replaces the answer, and the request changes nothing on the server; a fault
// with only Delay and/or ContentType delays or relabels the normal answer.
type Fault struct {
	Endpoint string // youshu.EndpointGenToken ..., EndpointIntegration, or "" for all

	Code        int    // JSON code to answer; 0 with HTTPStatus set uses HTTPStatus
	Message     string // message of Code (default: the HTTP status text)
	UseMsgKey   bool   // send the message under "msg" instead of "message"
	HTTPStatus  int    // HTTP status (default 200)
	Body        []byte // raw body instead of a JSON envelope (HTML pages, oversized bodies)
	ContentType string // Content-Type (default application/json)
	EmptyResult bool   // answer {"code":200,"result":""}

	// Delay holds the answer back, or until the client gives up (the
	// request's context ends), whichever comes first. It uses real time.
	Delay time.Duration
	// Stalled, if set, gets one value (sent without blocking: give it a
	// buffer) each time the fault starts holding an answer back for Delay,
	// so a test can end its context while the server stalls, with no wall
	// clock involved.
	Stalled chan<- struct{}
	// CloseMidBody sends the headers and part of the body, then closes the
	// connection.
	CloseMidBody bool

	// Times is how many matching requests the fault applies to; 0 means all
	// until ClearFaults.
	Times int
}

type activeFault struct {
	Fault
	left int // remaining uses when Times > 0
}

// Inject adds f. Faults apply in the order they were injected; one request
// gets at most one fault.
func (s *Server) Inject(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &activeFault{Fault: f, left: f.Times})
}

// ClearFaults removes every fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// takeFault returns the fault for a request to endpoint, using it up once.
func (s *Server) takeFault(endpoint string) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if f.Endpoint != "" && f.Endpoint != endpoint {
			continue
		}
		if f.Times > 0 {
			f.left--
			if f.left <= 0 {
				s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
			}
		}
		fault := f.Fault
		return &fault
	}
	return nil
}

func (f *Fault) replaces() bool {
	return f.Code != 0 || f.HTTPStatus != 0 || f.Body != nil || f.EmptyResult || f.CloseMidBody
}

// delay waits f.Delay or until r's context ends; it reports whether the
// client is still there.
func (f *Fault) delay(r *http.Request) bool {
	if f.Delay <= 0 {
		return true
	}
	if f.Stalled != nil {
		select {
		case f.Stalled <- struct{}{}:
		default:
		}
	}
	t := time.NewTimer(f.Delay)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

// reply is the answer the fault gives instead of the normal one.
func (f *Fault) reply() reply {
	status := f.HTTPStatus
	if status == 0 {
		status = http.StatusOK
	}
	rep := reply{status: status, contentType: f.ContentType, body: f.Body}
	if rep.body != nil {
		return rep
	}
	if f.EmptyResult {
		rep.body = []byte(`{"code":200,"result":""}`)
		return rep
	}
	code, msg := f.Code, f.Message
	if code == 0 {
		code = status
	}
	if msg == "" {
		msg = http.StatusText(status)
	}
	key := "message"
	if f.UseMsgKey {
		key = "msg"
	}
	rep.body, _ = json.Marshal(map[string]any{"code": code, key: msg})
	return rep
}

// closeMidBody writes headers promising more body than it sends, then drops
// the connection.
func closeMidBody(w http.ResponseWriter) {
	partial := `{"code":200,"result":"`
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(partial)+64))
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, partial)
	if fl, ok := w.(http.Flusher); ok {
		fl.Flush()
	}
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
		}
	}
}
