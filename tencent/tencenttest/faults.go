package tencenttest

import (
	"net/http"
	"strconv"
	"time"
)

// Fault changes how the fake answers matching requests. The first injected
// fault that matches a request applies to it; faults apply before the
// signature check, as a proxy or an overloaded service would.
type Fault struct {
	// Action limits the fault to one action (an Action* name, or EmbedPage
	// for the embed pages); empty matches every request.
	Action string
	// Code and Message make the fake answer {"Response":{"Error":{...}}}.
	Code    string
	Message string
	// HTTPStatus is the status to answer with (default 200). With no Code
	// and no Body the body is the status text as text/plain.
	HTTPStatus int
	// Body, when not nil, is sent as it is instead of any JSON answer.
	Body []byte
	// ContentType goes with Body (default application/json).
	ContentType string
	// Delay holds the answer back. The wait ends early when the client gives
	// up (the request's context) or the fake closes; a fault with only a
	// Delay then answers normally.
	Delay time.Duration
	// CloseMidBody sends the headers and half the body (Body, or a normal
	// answer), then closes the connection.
	CloseMidBody bool
	// Times is how many requests the fault applies to; 0 means all of them.
	Times int
}

type activeFault struct {
	Fault
	left int // remaining uses; <0 means unlimited
}

// Inject adds a fault. Faults apply in the order they were injected.
func (s *Server) Inject(f Fault) {
	left := f.Times
	if left <= 0 {
		left = -1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &activeFault{Fault: f, left: left})
}

// ClearFaults removes every injected fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// takeFault returns the first fault that matches action and uses it once.
func (s *Server) takeFault(action string) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if f.Action != "" && f.Action != action {
			continue
		}
		if f.left > 0 {
			f.left--
		}
		if f.left == 0 {
			s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
		}
		fault := f.Fault
		return &fault
	}
	return nil
}

// applyFault answers r as f says and reports whether it did; a fault with
// only a Delay waits and leaves the answer to the normal handler.
func (s *Server) applyFault(w http.ResponseWriter, r *http.Request, f *Fault) bool {
	if f.Delay > 0 && !s.wait(r, f.Delay) {
		return true
	}
	status := f.HTTPStatus
	if status == 0 {
		status = http.StatusOK
	}
	switch {
	case f.CloseMidBody:
		s.closeMidBody(w, f)
	case f.Body != nil:
		contentType := f.ContentType
		if contentType == "" {
			contentType = "application/json"
		}
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		_, _ = w.Write(f.Body)
	case f.Code != "":
		writeJSON(w, status, errorEnvelope(newAPIError(f.Code, f.Message), s.newID(requestIDPrefix)))
	case f.HTTPStatus != 0:
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(http.StatusText(status)))
	default:
		return false
	}
	return true
}

// wait sleeps for d and reports whether it slept the whole time; it stops
// early when the client goes away or the fake closes.
func (s *Server) wait(r *http.Request, d time.Duration) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-r.Context().Done():
		return false
	case <-s.done:
		return false
	}
}

// closeMidBody promises a full body in Content-Length, sends half of it and
// closes the connection.
func (s *Server) closeMidBody(w http.ResponseWriter, f *Fault) {
	body := f.Body
	if body == nil {
		body = []byte(`{"Response":{"Msg":"success","Data":{"BIToken":"cut-off"},"RequestId":"` + s.newID(requestIDPrefix) + `"}}`)
	}
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
