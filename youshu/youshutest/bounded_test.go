package youshutest

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/biembed/biembed-go/biembedtest"
)

// TestFakeMemoryStaysBounded makes 100,000 calls (10,000 with -short or
// -race), half minting tokens that expire within a minute, and checks that
// neither the request log nor the token table grows past its bound.
func TestFakeMemoryStaysBounded(t *testing.T) {
	t.Parallel()
	calls := 100_000
	if testing.Short() || raceEnabled {
		calls = 10_000
	}
	clock := biembedtest.NewClock(time.Now())
	s := newFake(WithClock(clock.Now), withBounds(100, 2000))
	peakTokens := 0
	for i := range calls {
		if i%100 == 0 {
			clock.Advance(time.Minute)
		}
		expiry := "60"
		if i%2 == 1 {
			expiry = "86400"
		}
		body := `{"tokenType":"tokenKey","key":"` + Admin().TokenKey + `","expiryTime":` + expiry + `}`
		rec := httptest.NewRecorder()
		s.serveHTTP(rec, httptest.NewRequest(http.MethodPost, "/api/dash/util/genToken", strings.NewReader(body)))
		if !strings.Contains(rec.Body.String(), `"code":200`) {
			t.Fatalf("call %d: %s", i, rec.Body)
		}
		s.core.Mu.Lock()
		peakTokens = max(peakTokens, len(s.tokens.M))
		s.core.Mu.Unlock()
	}
	if n := len(s.Requests()); n != 100 {
		t.Errorf("the request log holds %d requests, want the last 100", n)
	}
	if n := s.Count(""); n != calls {
		t.Errorf("Count(\"\") = %d, want %d: counts cover every request", n, calls)
	}
	if peakTokens > 2500 {
		t.Errorf("the token table peaked at %d tokens, want at most 2500 (limit 2000 * 5/4)", peakTokens)
	}
}

// withBounds sets how many requests the log keeps and about how many
// tokens the table keeps.
func withBounds(requests, tokens int) Option {
	return func(s *Server) { s.requestLog, s.tokenLimit = requests, tokens }
}
