// Package fakestate is what the two in-process fakes (tencenttest,
// youshutest) share: a Core (loopback server, clock, bounded request log,
// injected faults, embed pages and their status polls) and a bounded token
// table.
package fakestate

import "time"

// Tokens is a token table bounded by a limit: when it has grown past a
// sweep point Add drops the tokens dead says are gone (expired, removed),
// then the oldest ones until it holds at most limit. The sweep point is
// twice what the last sweep left, at least 1024 and at most limit*5/4, so
// sweeps cost O(1) per Add on average and the table never holds more than
// max(1024, limit*5/4) tokens.
type Tokens[T any] struct {
	M         map[string]T // by value; read and delete freely
	limit     int
	dead      func(tok T, now time.Time) bool
	order     []string // values in the order they were added; may name deleted ones
	nextSweep int
}

// NewTokens returns a table holding at most about limit tokens (at least one).
func NewTokens[T any](limit int, dead func(tok T, now time.Time) bool) *Tokens[T] {
	return &Tokens[T]{M: map[string]T{}, limit: max(1, limit), dead: dead, nextSweep: 1024}
}

// Add stores tok under value, sweeping first when the table is due.
func (t *Tokens[T]) Add(value string, tok T, now time.Time) {
	if len(t.M) >= t.nextSweep {
		kept := make([]string, 0, len(t.M))
		for _, v := range t.order {
			if tok, ok := t.M[v]; ok && t.dead(tok, now) {
				delete(t.M, v)
			} else if ok {
				kept = append(kept, v)
			}
		}
		if over := len(kept) - t.limit; over > 0 {
			for _, v := range kept[:over] {
				delete(t.M, v)
			}
			kept = append([]string(nil), kept[over:]...)
		}
		t.order, t.nextSweep = kept, max(1024, min(2*len(kept), t.limit+t.limit/4))
	}
	if _, dup := t.M[value]; !dup {
		t.order = append(t.order, value)
	}
	t.M[value] = tok
}
