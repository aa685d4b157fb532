package redisstore

import (
	"fmt"
	"log/slog"
)

// Format prints the options with SealKey hidden, whatever the verb.
func (o Options) Format(f fmt.State, _ rune) {
	fmt.Fprintf(f, "redisstore.Options{Prefix: %q, SealKey: %s, Timeout: %s, Cooldown: %s, LockTTL: %s}",
		o.Prefix, hiddenKey(o.SealKey), o.Timeout, o.Cooldown, o.LockTTL)
}

// LogValue logs the options with SealKey hidden.
func (o Options) LogValue() slog.Value {
	return slog.GroupValue(slog.String("prefix", o.Prefix), slog.String("sealKey", hiddenKey(o.SealKey)),
		slog.Duration("timeout", o.Timeout), slog.Duration("cooldown", o.Cooldown), slog.Duration("lockTTL", o.LockTTL))
}

// Format prints the store without its key or contents, whatever the verb.
func (s *Store[T]) Format(f fmt.State, _ rune) {
	fmt.Fprintf(f, "redisstore.Store{Prefix: %q, Sealed: %t, Errors: %d}", s.opts.Prefix, s.seal != nil, s.Errors())
}

// LogValue logs the store without its key or contents.
func (s *Store[T]) LogValue() slog.Value {
	return slog.GroupValue(slog.String("prefix", s.opts.Prefix), slog.Bool("sealed", s.seal != nil),
		slog.Uint64("errors", s.Errors()))
}

func hiddenKey(key []byte) string {
	if key == nil {
		return "<none>"
	}
	return fmt.Sprintf("<hidden, %d bytes>", len(key))
}
