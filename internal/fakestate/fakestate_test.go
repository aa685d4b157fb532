package fakestate

import (
	"strconv"
	"testing"
	"time"
)

func TestLogKeepsTheLastEntriesAndCountsAll(t *testing.T) {
	t.Parallel()
	l := NewLog[int](3)
	for i := range 5 {
		l.Add([]string{"a", "b"}[i%2], i)
	}
	if got := l.Entries(); len(got) != 3 || got[0] != 2 || got[2] != 4 {
		t.Errorf("Entries = %v, want [2 3 4]", got)
	}
	if l.Count("") != 5 || l.Count("a") != 3 || l.Count("b") != 2 || l.Count("c") != 0 {
		t.Errorf("counts: all %d a %d b %d", l.Count(""), l.Count("a"), l.Count("b"))
	}
	l.Reset()
	if l.Count("") != 0 || l.Count("a") != 0 || len(l.Entries()) != 0 {
		t.Error("Reset kept something")
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
		peak = max(peak, tokens.Len())
	}
	if peak > 2500 {
		t.Errorf("the table peaked at %d tokens, want at most 2500 (limit*5/4)", peak)
	}
	if _, ok := tokens.Get("99999"); !ok {
		t.Error("the newest token is gone")
	}
}
