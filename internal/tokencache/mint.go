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

// ErrMintPanicked is returned when Config.Mint, Lifetime or ID panics. The
// panic is recovered so that a background refresh cannot crash the program.
var ErrMintPanicked = errors.New("tokencache: mint panicked")

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
// them into ErrMintPanicked.
func (c *Cache[R, T]) callUser(ctx context.Context, req R) (e Entry[T], err error) {
	defer func() {
		if r := recover(); r != nil {
			e, err = Entry[T]{}, panicError(r)
		}
	}()
	v, err := c.cfg.Mint(ctx, req)
	if err != nil {
		return Entry[T]{}, err
	}
	e.Value = v
	e.IssuedAt, e.ExpiresAt = c.cfg.Lifetime(v)
	if c.cfg.ID != nil {
		e.ID = c.cfg.ID(v)
	}
	return e, nil
}

// panicError describes a recovered panic. It names only the value's type,
// unless it is a runtime error, whose text holds no caller data, so a token
// passed to panic cannot reach an error string.
func panicError(r any) error {
	if re, ok := r.(runtime.Error); ok {
		return fmt.Errorf("%w: %s", ErrMintPanicked, re.Error())
	}
	return fmt.Errorf("%w with a %T", ErrMintPanicked, r)
}
