package tokencache

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/biembed/biembed-go/biembed"
	"github.com/biembed/biembed-go/internal/validate"
)

// Forget drops the token the cache holds for req, in every replica that
// shares the Store, and voids the save of a mint for req running now. It
// does not revoke the token at the vendor: whoever has it can use it until
// it expires. To make it stop working, use Revoke.
func (c *Cache[R, T]) Forget(ctx context.Context, req R) error {
	if err := c.ready(ctx); err != nil {
		return err
	}
	key, err := c.key(req)
	if err != nil {
		return err
	}
	_, err = c.invalidate(ctx, []string{key}, nil)
	return err
}

// ForgetUser is Forget for every token the cache holds for req's user,
// whatever request they were minted for.
func (c *Cache[R, T]) ForgetUser(ctx context.Context, req R) error {
	tag, err := c.userTagOf(ctx, req)
	if err != nil {
		return err
	}
	_, err = c.invalidate(ctx, nil, []string{tag})
	return err
}

// Revoke revokes at the vendor the token the cache holds for req, and
// drops it in every replica first, so none serves it again whatever the
// vendor answers. How far a vendor revocation reaches is the vendor's (see
// tencent.NewCache and youshu.NewCache); whatever it reaches is dropped
// too. A token the cache does not hold is not revoked. An error from the
// vendor means the token may still work until it expires. When the Store
// cannot drop fleet-wide, what the cache still knows (dropped here, or
// loaded) is revoked all the same and the drop's error is returned too.
func (c *Cache[R, T]) Revoke(ctx context.Context, req R) error {
	if err := c.revocable(ctx); err != nil {
		return err
	}
	key, err := c.key(req)
	if err != nil {
		return err
	}
	dropped, err := c.invalidate(ctx, []string{key}, nil)
	if err != nil && !slices.ContainsFunc(dropped, func(d keyed[T]) bool { return d.key == key }) {
		if r, ok, lerr := c.store.load(ctx, key); lerr == nil && ok { // not dropped, yet known
			dropped = append(dropped, keyed[T]{key, r})
		}
	}
	return errors.Join(err, c.revoke(ctx, dropped))
}

// RevokeUser is Revoke for every token the cache holds for req's user,
// whatever request they were minted for. Only the user's identity in req
// is read (see the vendor's NewCache).
func (c *Cache[R, T]) RevokeUser(ctx context.Context, req R) error {
	if err := c.revocable(ctx); err != nil {
		return err
	}
	tag, err := c.userTagOf(ctx, req)
	if err != nil {
		return err
	}
	dropped, err := c.invalidate(ctx, nil, []string{tag})
	return errors.Join(err, c.revoke(ctx, dropped))
}

func (c *Cache[R, T]) revocable(ctx context.Context) error {
	if err := c.ready(ctx); err != nil {
		return err
	}
	if c.cfg.Revoke == nil {
		return validate.Fieldf("Cache", "cannot revoke at this vendor; Forget drops tokens from the cache")
	}
	return nil
}

// userTagOf returns the tag of req's user.
func (c *Cache[R, T]) userTagOf(ctx context.Context, req R) (string, error) {
	if err := c.ready(ctx); err != nil {
		return "", err
	}
	user, err := call("Config.User", func() string {
		if c.cfg.User == nil {
			return ""
		}
		return c.cfg.User(req)
	})
	switch {
	case err != nil:
		return "", err
	case user == "":
		return "", validate.Fieldf("req", "names no user")
	}
	return c.tag("u:" + user), nil
}

// invalidate drops keys and tags from the store, fleet-wide.
func (c *Cache[R, T]) invalidate(ctx context.Context, keys, tags []string) ([]keyed[T], error) {
	key := ""
	if len(keys) == 1 {
		key = keys[0]
	}
	c.record(EventForget, key, nil)
	dropped, err := c.store.invalidate(ctx, keys, tags)
	if err != nil {
		return dropped, c.fail(key, fmt.Errorf("tokencache: dropping tokens (other replicas may still serve them): %w", err))
	}
	return dropped, nil
}

// revoke revokes at the vendor those of dropped that have not expired.
func (c *Cache[R, T]) revoke(ctx context.Context, dropped []keyed[T]) error {
	now := c.cfg.Now()
	var live []T
	for _, d := range dropped {
		if now.Before(d.expiresAt) {
			live = append(live, d.value)
		}
	}
	if len(live) == 0 {
		return nil
	}
	c.record(EventRevoke, "", nil)
	verr, err := call("Config.Revoke", func() error { return c.cfg.Revoke(ctx, live) })
	if err == nil && verr != nil {
		err = fmt.Errorf("tokencache: %d token(s) dropped from the cache but not all revoked at the vendor (those work until they expire): %w", len(live), verr)
	}
	if err != nil {
		return c.fail("", err)
	}
	return nil
}

// drop is what Config.Watch hands the vendor: it forgets, fleet-wide,
// every token saved with one of tags or whose value is in values.
func (c *Cache[R, T]) drop(ctx context.Context, tags, values []string) error {
	var all []string
	for _, t := range tags {
		all = append(all, c.tag(t))
	}
	for _, v := range values {
		all = append(all, c.tag(idTag(v)))
	}
	_, err := c.invalidate(ctx, nil, all)
	return err
}

// supersede revokes user's tokens minted for requests other than key's
// (Options.RevokeSuperseded). Failures are recorded, never returned: the
// mint for key goes on.
func (c *Cache[R, T]) supersede(ctx context.Context, key, user string) {
	dropped, _ := c.invalidate(ctx, nil, []string{c.tag("u:" + user)})
	others := dropped[:0]
	for _, d := range dropped {
		if d.key != key {
			others = append(others, d)
		}
	}
	if err := c.revoke(ctx, others); err != nil {
		c.record(EventError, key, err)
	}
}

// Extend keeps an open embed alive in place. When the token the cache holds
// for req is the one current reports true for (the token an open page
// shows), it extends it at the vendor (ApplyEmbedInterval, renewToken: the
// same token, so the page keeps its state) and keeps it with its new
// lifetime in every replica: replaced is false. When the cache holds
// another token for req (refreshed, revoked, or req's permissions
// changed), or the vendor will not extend it (it was cleared, removed or
// has expired there), Extend returns a live token from Get instead:
// replaced is true, and the page must load it. An extension that fails
// for a reason worth retrying (biembed.Retryable) returns its error.
// Extensions go through the client, so through its rate limiter.
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
	r, ok, err := c.store.load(ctx, key)
	if err == nil && ok && c.cfg.Now().Before(r.expiresAt) {
		ok, err = call("current", func() bool { return current(r.value) })
	}
	if err != nil || !ok || !c.cfg.Now().Before(r.expiresAt) {
		token, err = c.Get(ctx, req)
		return token, true, err
	}
	ext, err := c.extended(ctx, r)
	switch {
	case err == nil:
		if err = c.store.save(ctx, key, ext); err == nil {
			c.record(EventExtend, key, nil)
			return ext.value, false, nil
		}
		if !errors.Is(err, ErrStale) {
			c.record(EventError, key, err)
			return ext.value, false, nil // extended at the vendor; only this cache does not know
		}
	case biembed.Retryable(err) || ctx.Err() != nil:
		return token, false, c.fail(key, err)
	default: // the vendor will not extend it: it is dead there
		if _, err := c.invalidate(ctx, []string{key}, nil); err != nil {
			return token, false, err
		}
	}
	token, err = c.Get(ctx, req)
	return token, true, err
}

// extended extends r's token at the vendor and returns its record with the
// new lifetime; a lifetime without an issue time starts now.
func (c *Cache[R, T]) extended(ctx context.Context, r record[T]) (out record[T], err error) {
	defer recoverAs("Config.Extend", &err)
	start := c.cfg.Now()
	v, err := c.cfg.Extend(ctx, r.value)
	if err != nil {
		return out, err
	}
	out = r
	out.value = v
	out.issuedAt, out.expiresAt = c.cfg.Lifetime(v)
	if out.issuedAt.IsZero() {
		out.issuedAt = start
	}
	return out, nil
}
