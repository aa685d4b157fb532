package tokencache

import "context"

// The Cache calls every function it was given (Store methods, Config
// callbacks) through the wrappers below, which turn a panic into an
// ErrPanicked error, so that no panic escapes a Get, kills a background
// refresh or leaves a flight registered.

// recoverAs, deferred, turns a panic into an ErrPanicked error in *err.
func recoverAs(where string, err *error) {
	if r := recover(); r != nil {
		*err = panicError(where, r)
	}
}

func (c *Cache[R, T]) load(ctx context.Context, key string) (e Entry[T], ok bool, err error) {
	defer recoverAs("Store.Load", &err)
	return c.cfg.Store.Load(ctx, key)
}

func (c *Cache[R, T]) epoch(ctx context.Context, key string, tags []string) (n uint64, err error) {
	defer recoverAs("Store.Epoch", &err)
	return c.cfg.Store.Epoch(ctx, key, tags)
}

func (c *Cache[R, T]) storeSave(ctx context.Context, key string, e Entry[T]) (err error) {
	defer recoverAs("Store.Save", &err)
	return c.cfg.Store.Save(ctx, key, e)
}

func (c *Cache[R, T]) storeDelete(ctx context.Context, key string) (err error) {
	defer recoverAs("Store.Delete", &err)
	return c.cfg.Store.Delete(ctx, key)
}

func (c *Cache[R, T]) storeInvalidate(ctx context.Context, t Target) (err error) {
	defer recoverAs("Store.Invalidate", &err)
	return c.cfg.Store.Invalidate(ctx, t)
}

// bypass reports whether req must be minted alone (Config.Bypass).
func (c *Cache[R, T]) bypass(req R) (alone bool, err error) {
	if c.cfg.Bypass == nil {
		return false, nil
	}
	defer recoverAs("Config.Bypass", &err)
	return c.cfg.Bypass(req), nil
}

// fingerprint returns req's fingerprint, "" without Config.Fingerprint.
func (c *Cache[R, T]) fingerprint(req R) (fp string, err error) {
	if c.cfg.Fingerprint == nil {
		return "", nil
	}
	defer recoverAs("Config.Fingerprint", &err)
	return c.cfg.Fingerprint(req)
}

// tags returns req's invalidation tags (Config.Tags).
func (c *Cache[R, T]) tags(req R) (tags []string, err error) {
	if c.cfg.Tags == nil {
		return nil, nil
	}
	defer recoverAs("Config.Tags", &err)
	return c.cfg.Tags(req), nil
}

// record counts an event of kind and sends it to OnEvent.
func (c *Cache[R, T]) record(kind EventKind, key string, err error) {
	c.counts[kind].Add(1)
	if c.cfg.OnEvent != nil {
		c.emit(Event{Kind: kind, Key: key, Err: err})
	}
}

// emit calls OnEvent with e. If it panics, the panic is counted as an error
// and reported through OnEvent once; a panic in that report is only counted.
func (c *Cache[R, T]) emit(e Event) {
	defer func() {
		if r := recover(); r != nil {
			c.counts[EventError].Add(1)
			c.emitQuietly(Event{Kind: EventError, Key: e.Key, Err: panicError("OnEvent("+e.Kind.String()+")", r)})
		}
	}()
	c.cfg.OnEvent(e)
}

func (c *Cache[R, T]) emitQuietly(e Event) {
	defer func() { _ = recover() }()
	c.cfg.OnEvent(e)
}
