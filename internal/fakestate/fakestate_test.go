package fakestate

import (
	"strconv"
	"testing"
	"time"
)

func TestCoreKeepsTheLastRequestsAndCountsAll(t *testing.T) {
	t.Parallel()
	c := NewCore[int](nil, 3)
	for i := range 5 {
		c.Record([]string{"a", "b"}[i%2], i)
	}
	if got := c.Requests(); len(got) != 3 || got[0] != 2 || got[2] != 4 {
		t.Errorf("Requests = %v, want [2 3 4]", got)
	}
	if c.Count("") != 5 || c.Count("a") != 3 || c.Count("b") != 2 || c.Count("c") != 0 {
		t.Errorf("counts: all %d a %d b %d", c.Count(""), c.Count("a"), c.Count("b"))
	}
	c.ResetRequests()
	if c.Count("") != 0 || c.Count("a") != 0 || len(c.Requests()) != 0 {
		t.Error("ResetRequests kept something")
	}
}

func TestTokensStayBounded(t *testing.T) {
	t.Parallel()
	now := time.Unix(0, 0)
	expired := func(exp time.Time, now time.Time) bool { return !now.Before(exp) }
	tokens := NewTokens(2000, expired)
	peak := 0
	for i := range 100_000 {
		now = now.Add(time.Second)
		exp := now.Add(time.Hour) // 3,600 live at a time: more than the limit
		if i%2 == 0 {
			exp = now.Add(time.Minute)
		}
		tokens.Add(strconv.Itoa(i), exp, now)
		peak = max(peak, len(tokens.M))
	}
	if peak > 2500 {
		t.Errorf("the table peaked at %d tokens, want at most 2500 (limit*5/4)", peak)
	}
	if _, ok := tokens.M["99999"]; !ok {
		t.Error("the newest token is gone")
	}
}
