package safetext

import "context"

// CleanCounting is Scrubber.Clean that also returns the work it counted:
// bytes looked at by the decoder and by each window scan.
func CleanCounting(ctx context.Context, s *Scrubber, text string, max int) (string, int) {
	m := &meter{ctx: ctx}
	return s.clean(m, text, max), m.work
}

// ContextEnded is what Clean returns when its context ends.
const ContextEnded = contextEnded

// MaxInputBytes is how much of a text Clean looks at.
const MaxInputBytes = maxInputBytes
