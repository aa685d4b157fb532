package tencent

import "github.com/biembed/biembed-go/internal/redact"

// Secret holds a key or a token. It never prints itself: String, every fmt
// verb, slog and json.Marshal show it masked ("abcd…(40 chars)", or "***"
// when short). Reveal returns the value. Make one from a string by
// conversion: tencent.Secret(s).
type Secret = redact.Secret
