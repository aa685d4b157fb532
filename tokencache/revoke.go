package tokencache

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/biembed/biembed-go/biembed"
	"github.com/biembed/biembed-go/internal/validate"
)

// Forget drops the token the cache holds for req, in every replica that
// shares the Store, and voids the save of a mint for req running now. It
// does not revoke the token at the vendor: whoever has it can use it until
// it expires. To make it stop working, use Revoke.
func (c *Cache[R, T]) Forget(ctx context.Context, req R) error {
	return c.remove(ctx, req, false, false)
}

// ForgetUser is Forget for every token the cache holds for req's user,
// whatever request they were minted for.
func (c *Cache[R, T]) ForgetUser(ctx context.Context, req R) error {
	return c.remove(ctx, req, true, false)
}

// Revoke drops the token the cache holds for req in every replica, then
// revokes it at the vendor; a token the cache does not hold is not revoked.
// What a vendor revocation reaches (see the vendor's NewCache) is dropped
// too. A vendor error means the token may work until it expires. If the
// Store cannot drop fleet-wide, what the cache still knows is revoked all
// the same and the Store's error is returned with any vendor error.
func (c *Cache[R, T]) Revoke(ctx context.Context, req R) error {
	return c.remove(ctx, req, false, true)
}

// RevokeUser is Revoke for every token the cache holds for req's user,
// whatever request they were minted for. Only the user's identity in req
// is read (see the vendor's NewCache).
func (c *Cache[R, T]) RevokeUser(ctx context.Context, req R) error {
	return c.remove(ctx, req, true, true)
}

// remove drops req's token, or with byUser every token of req's user,
// fleet-wide, and with revoke revokes at the vendor what it dropped.
func (c *Cache[R, T]) remove(ctx context.Context, req R, byUser, revoke bool) error {
	if err := c.ready(ctx); err != nil {
		return err
	}
	if revoke && c.cfg.Revoke == nil {
		return validate.Fieldf("Cache", "cannot revoke at this vendor; Forget drops tokens from the cache")
	}
	var keys, tags []string
	var err error
	if byUser {
		var user string
		if user, err = c.user(req); err == nil && user == "" {
			err = validate.Fieldf("req", "names no user")
		}
		tags = []string{c.tag("u:" + user)}
	} else {
		keys = make([]string, 1)
		keys[0], err = c.key(req)
	}
	if err != nil {
		return err
	}
	dropped, err := c.invalidate(ctx, keys, tags)
	if !revoke {
		return err
	}
	if err != nil && keys != nil && !slices.ContainsFunc(dropped, func(d record[T]) bool { return d.Key == keys[0] }) {
		if r, ok, lerr := c.load(ctx, keys[0]); lerr == nil && ok { // not dropped, yet known
			dropped = append(dropped, r)
		}
	}
	return errors.Join(err, c.revoke(ctx, dropped))
}

// invalidate drops keys and tags from the store, fleet-wide, and returns
// the records dropped that are this cache's to decode.
func (c *Cache[R, T]) invalidate(ctx context.Context, keys, tags []string) (dropped []record[T], err error) {
	key := strings.Join(keys, " ") // one key or none
	c.record(EventForget, key, nil)
	err = guard("Store.Invalidate", func() error {
		entries, err := c.cfg.Store.Invalidate(ctx, keys, tags)
		for _, e := range entries {
			if strings.HasPrefix(e.Key, c.cfg.Namespace) { // not another vendor's
				if r, derr := c.decode(e); derr == nil {
					dropped = append(dropped, r)
				}
			}
		}
		return err
	})
	if err != nil {
		return dropped, c.fail(key, fmt.Errorf("tokencache: dropping tokens (other replicas may still serve them): %w", err))
	}
	return dropped, nil
}

// revoke revokes at the vendor those of dropped that have not expired.
func (c *Cache[R, T]) revoke(ctx context.Context, dropped []record[T]) error {
	var live []T
	for _, d := range dropped {
		if c.cfg.Now().Before(d.ExpiresAt) {
			live = append(live, d.value)
		}
	}
	if len(live) == 0 {
		return nil
	}
	c.record(EventRevoke, "", nil)
	if err := guard("Config.Revoke", func() error { return c.cfg.Revoke(ctx, live) }); err != nil {
		return c.fail("", fmt.Errorf("tokencache: %d token(s) dropped from the cache but not all revoked at the vendor (those work until they expire): %w", len(live), err))
	}
	return nil
}

// Extend keeps an open embed alive in place. If the token the cache holds
// for req is the one the page shows (current reports true), Extend extends
// it at the vendor (ApplyEmbedInterval, renewToken: the same token, so the
// page keeps its state) and keeps its new lifetime fleet-wide: replaced is
// false. Otherwise (refreshed, revoked, permissions changed), or if the
// vendor will not extend it, Extend returns a live token from Get: replaced
// is true and the page must load it. A failure worth retrying
// (biembed.Retryable) is returned.
func (c *Cache[R, T]) Extend(ctx context.Context, req R, current func(token T) bool) (token T, replaced bool, err error) {
	if err := c.ready(ctx); err != nil {
		return token, false, err
	}
	if c.cfg.Extend == nil || current == nil {
		return token, false, validate.Fieldf("Cache", "cannot extend at this vendor (or current is nil)")
	}
	key, err := c.key(req)
	if err != nil {
		return token, false, err
	}
	r, ok, err := c.load(ctx, key)
	if ok = ok && c.cfg.Now().Before(r.ExpiresAt); err == nil && ok {
		err = guard("current", func() error { ok = current(r.value); return nil })
	}
	if err == nil && ok {
		start, v, ext := c.cfg.Now(), r.value, record[T]{}
		if err = guard("Config.Extend", func() (err error) { v, err = c.cfg.Extend(ctx, r.value); return err }); err == nil {
			ext, err = c.stamp(v, start)
		}
		switch {
		case err == nil:
			ext.Tags, ext.Epoch = r.Tags, r.Epoch
			if err = c.save(ctx, key, ext); err == nil {
				c.record(EventExtend, key, nil)
			} else if !errors.Is(err, ErrStale) {
				c.record(EventError, key, err) // extended at the vendor; only the Store does not know
			}
			if !errors.Is(err, ErrStale) {
				return ext.value, false, nil
			}
		case biembed.Retryable(err) || ctx.Err() != nil:
			return token, false, c.fail(key, err)
		default: // the vendor will not extend it: it is dead there
			if _, err := c.invalidate(ctx, []string{key}, nil); err != nil {
				return token, false, err
			}
		}
	}
	token, err = c.Get(ctx, req)
	return token, true, err
}
