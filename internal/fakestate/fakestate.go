// Package fakestate is what the two in-process fakes (tencenttest,
// youshutest) share: a Core (loopback server, clock, bounded request log,
// injected faults, embed pages and their status polls) and a bounded token
// table.
package fakestate

import "time"

// minSweep is the table size below which Tokens never sweeps.
const minSweep = 1024

// Tokens is a token table bounded by a limit: when it has grown past a
// sweep point it drops the tokens dead says are gone (expired, removed),
// then the oldest ones until it holds at most limit. The sweep point is
// twice what the last sweep left, at least 1024 and at most limit*5/4, so
// sweeps cost O(1) per Add on average and the table never holds more than
// max(1024, limit*5/4) tokens.
type Tokens[T any] struct {
	limit     int
	dead      func(tok T, now time.Time) bool
	m         map[string]T
	order     []string // values in the order they were added; may name deleted ones
	nextSweep int
}

// NewTokens returns a table holding at most about limit tokens (at least one).
func NewTokens[T any](limit int, dead func(tok T, now time.Time) bool) *Tokens[T] {
	t := &Tokens[T]{limit: max(1, limit), dead: dead, m: map[string]T{}}
	t.nextSweep = t.sweepPoint(0)
	return t
}

// Add stores tok under value, sweeping first when the table is due.
func (t *Tokens[T]) Add(value string, tok T, now time.Time) {
	if len(t.m) >= t.nextSweep {
		t.sweep(now)
	}
	if _, dup := t.m[value]; !dup {
		t.order = append(t.order, value)
	}
	t.m[value] = tok
}

// Get returns the token stored under value.
func (t *Tokens[T]) Get(value string) (T, bool) {
	tok, ok := t.m[value]
	return tok, ok
}

// Delete drops the token stored under value.
func (t *Tokens[T]) Delete(value string) { delete(t.m, value) }

// Len returns how many tokens the table holds.
func (t *Tokens[T]) Len() int { return len(t.m) }

// All calls yield for every token, in no particular order, until it returns
// false. yield may Delete the token it is given.
func (t *Tokens[T]) All(yield func(value string, tok T) bool) {
	for v, tok := range t.m {
		if !yield(v, tok) {
			return
		}
	}
}

func (t *Tokens[T]) sweep(now time.Time) {
	kept := make([]string, 0, len(t.m))
	for _, v := range t.order {
		tok, ok := t.m[v]
		switch {
		case !ok:
		case t.dead(tok, now):
			delete(t.m, v)
		default:
			kept = append(kept, v)
		}
	}
	if over := len(kept) - t.limit; over > 0 {
		for _, v := range kept[:over] {
			delete(t.m, v)
		}
		kept = append([]string(nil), kept[over:]...)
	}
	t.order = kept
	t.nextSweep = t.sweepPoint(len(kept))
}

func (t *Tokens[T]) sweepPoint(kept int) int {
	return max(minSweep, min(2*kept, t.limit+t.limit/4))
}
