package youshu

import "github.com/biembed/biembed-go/internal/redact"

// Secret holds a password, key, integrate token or minted token. It never
// prints itself: String, every fmt verb, slog and json.Marshal show it
// masked ("abcd…(40 chars)", or "***" when short). Reveal returns the value.
// Make one from a string by conversion: youshu.Secret(s).
type Secret = redact.Secret
