// Package warn logs degraded modes: each logs one WARN line when it starts
// and one when it ends, never more than one episode per Quiet, with
// allow-listed attributes only (callers pass no secret).
package warn

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Quiet is the least time between two logged episodes of one Condition:
// a mode that flaps is logged once, with the count of what it missed.
const Quiet = 10 * time.Second

// Condition is one degraded mode, such as "Redis is unavailable". The zero
// value is ready; it is safe for concurrent use.
type Condition struct {
	Msg string // what the mode is, e.g. "redisstore: Redis unavailable, using the local fallback"

	mu       sync.Mutex
	on       bool      // the mode holds now
	logged   bool      // this episode's start was logged
	since    time.Time // when this episode began
	lastLog  time.Time // when an episode start was last logged
	episodes int       // episodes since the last logged one
}

// Set records whether the mode holds now; l receives the WARN lines (nil
// logs nothing). attrs describe this occurrence (never a secret).
func (c *Condition) Set(ctx context.Context, l *slog.Logger, on bool, attrs ...slog.Attr) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	switch {
	case on && !c.on:
		c.on, c.since, c.logged = true, now, false
		c.episodes++
		if now.Sub(c.lastLog) >= Quiet || c.lastLog.IsZero() {
			c.logged, c.lastLog = true, now
			attrs = append(attrs, slog.Int("episodes", c.episodes))
			c.episodes = 0
			log(ctx, l, c.Msg, attrs)
		}
	case !on && c.on:
		c.on = false
		if c.logged {
			log(ctx, l, c.Msg+": ended", append(attrs, slog.Duration("lasted", now.Sub(c.since))))
		}
	}
}

// On reports whether the mode holds.
func (c *Condition) On() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.on
}

func log(ctx context.Context, l *slog.Logger, msg string, attrs []slog.Attr) {
	if l != nil {
		l.LogAttrs(ctx, slog.LevelWarn, msg, attrs...)
	}
}
