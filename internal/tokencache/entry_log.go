package tokencache

import "log/slog"

// LogValue logs the entry's times only: its value is a live token and its
// identity may be one too. Without it slog's JSON handler would encode the
// entry with encoding/json, fields and all.
func (e Entry[T]) LogValue() slog.Value {
	return slog.GroupValue(slog.Time("issuedAt", e.IssuedAt), slog.Time("expiresAt", e.ExpiresAt))
}
