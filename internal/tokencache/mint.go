package tokencache

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"time"
)

// ErrShortLived is returned when a freshly minted token already expires
// within Config.Skew, so it may not be served. Such a token is not cached.
var ErrShortLived = errors.New("tokencache: minted token expires within the clock-skew allowance")

// ErrPanicked is returned (and reported as an EventError) when a function
// the Cache calls panics: Config.Mint, Lifetime, ID, Tags, Bypass,
// Fingerprint, OnEvent or a Store method. The panic is recovered, so that
// neither a Get nor a background refresh can crash the program or leave a
// flight behind.
var ErrPanicked = errors.New("tokencache: a callback panicked")

// mint calls Config.Mint under MintTimeout and checks the token's lifetime.
// It returns the entry to cache, with the token's identity.
func (c *Cache[R, T]) mint(ctx context.Context, req R) (Entry[T], error) {
	if c.cfg.MintTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.cfg.MintTimeout)
		defer cancel()
	}
	start := c.cfg.Clock.Now()
	e, err := c.callUser(ctx, req)
	if err != nil {
		return Entry[T]{}, err
	}
	if e.IssuedAt.IsZero() {
		e.IssuedAt = start
	}
	if !c.cfg.Clock.Now().Before(e.ExpiresAt.Add(-c.cfg.Skew)) {
		return Entry[T]{}, fmt.Errorf("%w (expires %s, skew %s)",
			ErrShortLived, e.ExpiresAt.UTC().Format(time.RFC3339), c.cfg.Skew)
	}
	return e, nil
}

// callUser runs the caller's Mint, Lifetime and ID, turning a panic in any of
// them into ErrPanicked.
func (c *Cache[R, T]) callUser(ctx context.Context, req R) (e Entry[T], err error) {
	where := "Config.Mint"
	defer func() {
		if r := recover(); r != nil {
			e, err = Entry[T]{}, panicError(where, r)
		}
	}()
	v, err := c.cfg.Mint(ctx, req)
	if err != nil {
		return Entry[T]{}, err
	}
	e.Value = v
	where = "Config.Lifetime"
	e.IssuedAt, e.ExpiresAt = c.cfg.Lifetime(v)
	if c.cfg.ID != nil {
		where = "Config.ID"
		e.ID = c.cfg.ID(v)
	}
	return e, nil
}

// panicError describes a panic recovered in where. It names only the value's
// type, unless it is a runtime error, whose text holds no caller data, so a
// token passed to panic cannot reach an error string.
func panicError(where string, r any) error {
	if re, ok := r.(runtime.Error); ok {
		return fmt.Errorf("%w: %s panicked: %s", ErrPanicked, where, re.Error())
	}
	return fmt.Errorf("%w: %s panicked with a %T", ErrPanicked, where, r)
}
