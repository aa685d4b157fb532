package hostiletest_test

import (
	"errors"
	"io"
	"net/http"
	"testing"

	"go.uber.org/goleak"

	"github.com/biembed/biembed-go/internal/testkit/hostiletest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestCommonAnswersAreServed runs every common answer against a plain
// http.Client: each must end (no hang), and Run's checks must hold for a
// client that refuses redirects.
func TestCommonAnswersAreServed(t *testing.T) {
	cases := hostiletest.Common(`{"ok":true}`)
	if len(cases) < 40 {
		t.Fatalf("only %d common answers", len(cases))
	}
	call := func(t *testing.T, c hostiletest.Case, srv *hostiletest.Server) error {
		tr := srv.Client().Transport.(*http.Transport).Clone()
		defer tr.CloseIdleConnections()
		tr.MaxResponseHeaderBytes = 64 << 10
		client := &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL, nil)
		if c.Want == hostiletest.Deadline {
			return errors.New("deadline rows need a client deadline") // not exercised here
		}
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		_, err = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<20))
		return err
	}
	var run []hostiletest.Case
	for _, c := range cases {
		if c.Want != hostiletest.Deadline && c.Name != "endless body" {
			run = append(run, c)
		}
	}
	hostiletest.Run(t, run, call, func(*testing.T, hostiletest.Case, error) {})
}
