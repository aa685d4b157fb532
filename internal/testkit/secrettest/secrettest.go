// Package secrettest proves that secrets (keys, passwords, tokens) stay out
// of a client's logs and errors.
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

// Well-known secret values for tests, long and distinctive so that a leak
// cannot hide behind a short common substring.
const (
	SecretKey      = "SENTINEL-SECRET-KEY-7d1f0c9e2b4a"
	Password       = "SENTINEL-PASSWORD-4c2e9a1b7f30"
	TokenKey       = "SENTINEL-TOKEN-KEY-a81c3e5f0d92"
	IntegrateToken = "SENTINEL-INTEGRATE-TOKEN-93b0e7d2"
)

// Recorder collects log output and error strings and checks them for
// secrets. It is safe for concurrent use.
type Recorder struct {
	mu      sync.Mutex
	logs    bytes.Buffer
	errs    []string
	secrets []biembed.Secret
}

// New returns a Recorder that watches for secrets and, when t ends, fails t
// if any of them appeared in the captured logs or errors.
func New(t testing.TB, secrets ...string) *Recorder {
	r := &Recorder{}
	r.AddSecret(secrets...)
	t.Cleanup(func() {
		for _, leak := range r.Leaks() {
			t.Error("secret leaked: " + leak)
		}
	})
	return r
}

// lock locks r and returns its unlock.
func (r *Recorder) lock() func() {
	r.mu.Lock()
	return r.mu.Unlock
}

// AddSecret registers more values that must never appear, such as a token
// minted during the test. Empty values are ignored.
func (r *Recorder) AddSecret(secrets ...string) {
	defer r.lock()()
	for _, s := range secrets {
		if s != "" {
			r.secrets = append(r.secrets, biembed.NewSecret(s))
		}
	}
}

// Logger returns a debug-level JSON logger whose output the Recorder checks.
func (r *Recorder) Logger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(logWriter{r}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type logWriter struct{ r *Recorder }

func (w logWriter) Write(p []byte) (int, error) {
	defer w.r.lock()()
	return w.r.logs.Write(p)
}

// Err records the text of err in every form a caller might print it (%v,
// %+v, %#v) and returns err unchanged, so it can wrap a call's result.
func (r *Recorder) Err(err error) error {
	if err != nil {
		defer r.lock()()
		r.errs = append(r.errs, err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err))
	}
	return err
}

// Logs returns everything logged so far.
func (r *Recorder) Logs() string {
	defer r.lock()()
	return r.logs.String()
}

// Leaks returns a description of each place a registered secret appears.
func (r *Recorder) Leaks() []string {
	defer r.lock()()
	var leaks []string
	for i, secret := range r.secrets {
		s := secret.Reveal()
		if strings.Contains(r.logs.String(), s) {
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

// Format describes the Recorder by how many secrets it watches, never
// which, whatever the verb.
func (r *Recorder) Format(f fmt.State, _ rune) {
	defer r.lock()()
	fmt.Fprintf(f, "secrettest.Recorder{%d secrets, %d errors, %d bytes of logs}", len(r.secrets), len(r.errs), r.logs.Len())
}
