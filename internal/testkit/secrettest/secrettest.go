// Package secrettest is the test helper that proves secrets stay secret: it
// captures everything a client logs (at debug level) and every error string a
// test hands it, and fails the test at cleanup if any registered secret appears
// in either. Client test suites use it for keys, passwords, integrate tokens
// and minted tokens alike.
package secrettest

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/biembed/biembed-go/biembed"
)

// Well-known secret values for tests. They are long and distinctive so a leak
// cannot hide behind a short common substring.
const (
	SecretKey      = "SENTINEL-SECRET-KEY-7d1f0c9e2b4a"
	Password       = "SENTINEL-PASSWORD-4c2e9a1b7f30"
	TokenKey       = "SENTINEL-TOKEN-KEY-a81c3e5f0d92"
	IntegrateToken = "SENTINEL-INTEGRATE-TOKEN-93b0e7d2"
)

// Recorder collects log output and error strings and checks them for secrets.
// It is safe for concurrent use.
type Recorder struct {
	mu      sync.Mutex
	logs    bytes.Buffer
	errs    []string
	secrets []biembed.Secret
}

// New returns a Recorder that watches for secrets and, when t ends, fails t if
// any of them appeared in the captured logs or errors.
func New(t testing.TB, secrets ...string) *Recorder {
	t.Helper()
	r := &Recorder{}
	r.AddSecret(secrets...)
	t.Cleanup(func() { r.check(t) })
	return r
}

// AddSecret registers more values that must never appear, such as a token
// minted during the test. Empty values are ignored.
func (r *Recorder) AddSecret(secrets ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range secrets {
		if s != "" {
			r.secrets = append(r.secrets, biembed.NewSecret(s))
		}
	}
}

// Logger returns a debug-level JSON logger whose output the Recorder checks.
func (r *Recorder) Logger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(writerFunc(r.writeLog), &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// Err records the text of err in every form a caller might print it (%v,
// %+v, %#v) and returns err unchanged, so it can wrap a call's result.
func (r *Recorder) Err(err error) error {
	if err == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err))
	return err
}

// Logs returns everything logged so far.
func (r *Recorder) Logs() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.logs.String()
}

// Leaks returns a description of each place a registered secret appears.
func (r *Recorder) Leaks() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var leaks []string
	logs := r.logs.String()
	for i, secret := range r.secrets {
		s := secret.Reveal()
		if strings.Contains(logs, s) {
			leaks = append(leaks, fmt.Sprintf("secret #%d appears in the logs", i))
		}
		for _, e := range r.errs {
			if strings.Contains(e, s) {
				leaks = append(leaks, fmt.Sprintf("secret #%d appears in error %q", i, strings.ReplaceAll(e, s, "<SECRET>")))
			}
		}
	}
	return leaks
}

func (r *Recorder) check(t testing.TB) {
	t.Helper()
	for _, leak := range r.Leaks() {
		t.Error("secret leaked: " + leak)
	}
}

func (r *Recorder) writeLog(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.logs.Write(p)
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// Format describes the Recorder by how many secrets it watches, never
// which, whatever the verb.
func (r *Recorder) Format(f fmt.State, _ rune) {
	r.mu.Lock()
	defer r.mu.Unlock()
	fmt.Fprintf(f, "secrettest.Recorder{%d secrets, %d errors, %d bytes of logs}", len(r.secrets), len(r.errs), r.logs.Len())
}
