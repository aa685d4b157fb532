package tencenttest

import (
	"testing"
	"time"

	"github.com/biembed/biembed-go/biembedtest"
)

// TestFakeMemoryStaysBounded makes 20,000 calls (5,000 with -short or
// -race), half minting tokens that expire within minutes, against a token
// limit of 500 (a table of at most 1,024) and a request log of 100: the
// table is swept several times over, and neither the log nor the table
// grows past its bound.
func TestFakeMemoryStaysBounded(t *testing.T) {
	t.Parallel()
	calls := 20_000
	if testing.Short() || raceEnabled {
		calls = 5_000
	}
	clock := biembedtest.NewClock(time.Now())
	s := newFake(WithClock(clock.Now), withBounds(100, 500))
	peakTokens := 0
	for i := range calls {
		if i%100 == 0 {
			clock.Advance(time.Minute)
		}
		body := `{"ProjectId":1,"PageId":2,"Scope":"page","ExpireTime":"1"}`
		if i%2 == 1 {
			body = `{"ProjectId":1,"PageId":2,"Scope":"page","ExpireTime":"240"}`
		}
		if got := serve(t, s, "CreateEmbedToken", body); got.code() != "" {
			t.Fatalf("call %d: %s", i, got.code())
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
	if peakTokens > 1024 {
		t.Errorf("the token table peaked at %d tokens, want at most 1024 (max(1024, limit 500 * 5/4))", peakTokens)
	}
	if peakTokens < 500 {
		t.Errorf("the token table peaked at %d tokens: the test never reached the limit it checks", peakTokens)
	}
}

// withBounds sets how many requests the log keeps and about how many
// tokens the table keeps.
func withBounds(requests, tokens int) Option {
	return func(s *Server) { s.requestLog, s.tokenLimit = requests, tokens }
}
