// Package fakestate holds the bounded state both in-process fakes keep: a
// log of the last N requests with counts of every request, and a token table
// that drops expired tokens as it grows. Neither is safe for concurrent use:
// the fakes hold their own lock.
package fakestate

import "time"

// Log keeps the last limit entries in a ring and counts every entry added
// since it was made or Reset, by name and in total.
type Log[T any] struct {
	limit  int
	buf    []T
	next   int // where the next entry goes once buf is full
	counts map[string]int
	total  int
}

// NewLog returns a Log that keeps the last limit entries (at least one).
func NewLog[T any](limit int) *Log[T] {
	return &Log[T]{limit: max(1, limit), counts: map[string]int{}}
}

// Add records e under name, dropping the oldest entry when the ring is full.
func (l *Log[T]) Add(name string, e T) {
	l.counts[name]++
	l.total++
	if len(l.buf) < l.limit {
		l.buf = append(l.buf, e)
		return
	}
	l.buf[l.next] = e
	l.next = (l.next + 1) % l.limit
}

// Entries returns a copy of the kept entries, oldest first.
func (l *Log[T]) Entries() []T {
	out := make([]T, 0, len(l.buf))
	out = append(out, l.buf[l.next:]...)
	return append(out, l.buf[:l.next]...)
}

// Count returns how many entries were added under name, or in total for "".
func (l *Log[T]) Count(name string) int {
	if name == "" {
		return l.total
	}
	return l.counts[name]
}

// Len returns how many entries the ring holds.
func (l *Log[T]) Len() int { return len(l.buf) }

// Reset forgets every entry and count.
func (l *Log[T]) Reset() {
	l.buf, l.next, l.total = nil, 0, 0
	clear(l.counts)
}

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
