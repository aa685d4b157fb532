package tencent

import (
	"fmt"
	"log/slog"

	"github.com/biembed/biembed-go/internal/redact"
)

// String describes the cache by its counts only: its index holds keys and
// live tokens, and reading it here would race with minting.
func (c *Cache) String() string {
	if c.ready() != nil {
		return "tencent.Cache{}" // nil, or not made by NewCache
	}
	s := c.Stats()
	return fmt.Sprintf("tencent.Cache{hits: %d, misses: %d, mints: %d, refreshes: %d, errors: %d}",
		s.Hits, s.Misses, s.Mints, s.Refreshes, s.Errors)
}

// Format writes String for every verb, so no verb prints the index.
func (c *Cache) Format(f fmt.State, verb rune) { redact.FormatString(f, verb, c) }

// LogValue logs the counts only.
func (c *Cache) LogValue() slog.Value {
	if c.ready() != nil {
		return slog.GroupValue()
	}
	s := c.Stats()
	return slog.GroupValue(slog.Uint64("hits", s.Hits), slog.Uint64("misses", s.Misses),
		slog.Uint64("mints", s.Mints), slog.Uint64("refreshes", s.Refreshes), slog.Uint64("errors", s.Errors))
}
