package redisstore

import (
	"context"

	"github.com/biembed/biembed-go/internal/validate"
	"github.com/biembed/biembed-go/tokencache"
)

// Bounds of what the store and the limiter accept.
const (
	maxKey        = 1024     // bytes of a key (the caches' keys are fingerprints, far shorter)
	maxTag        = 16 << 10 // bytes of a tag or ID (a Tencent user tag may reach 8 KiB)
	maxEntryTags  = 64       // tags of one entry
	maxInvalidate = 256      // keys, and tags, of one Invalidate
	maxToken      = 64 << 10 // bytes of an encoded token
	maxAction     = 128      // bytes of a limiter action
	maxBlob       = 1 << 20  // bytes of a sealed entry: Load never reads a larger one
	maxDropped    = 10_000   // entries one Invalidate returns (it drops them all)
)

// ready refuses a nil or zero receiver and a nil ctx.
func ready(c *core, ctx context.Context, what string) error {
	switch {
	case c == nil:
		return validate.Fieldf(what, "must come from NewFleet (is nil)")
	case ctx == nil:
		return validate.Fieldf("ctx", "must not be nil")
	}
	return nil
}

// checkKey accepts 1 to 1024 bytes of printable ASCII: a key reaches only
// hashes, but nothing else is ever a cache key.
func checkKey(field, key string) error {
	if key == "" || len(key) > maxKey {
		return validate.Fieldf(field, "must be 1 to %d bytes", maxKey)
	}
	if !printable(key, true) {
		return validate.Fieldf(field, "must be printable ASCII")
	}
	return nil
}

// printable reports whether s is printable ASCII (spaces allowed or not).
func printable(s string, spaces bool) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c > '~' || c < ' ' || (c == ' ' && !spaces) {
			return false
		}
	}
	return true
}

// checkTags accepts at most max tags, each 1 to 16 KiB of UTF-8 without
// control or format characters (user names may be any script; a tag only
// reaches hashes and the sealed blob).
func checkTags(field string, tags []string, max int) error {
	if len(tags) > max {
		return validate.Fieldf(field, "must be at most %d", max)
	}
	for i, t := range tags {
		if t == "" {
			return validate.Fieldf(validate.Index(field, i), "must not be empty")
		}
		if err := validate.Text(validate.Index(field, i), t, maxTag); err != nil {
			return err
		}
	}
	return nil
}

// checkEntry checks what Save is given.
func checkEntry(e tokencache.Entry) error {
	switch {
	case e.Token.Reveal() == "" || len(e.Token.Reveal()) > maxToken:
		return validate.Fieldf("Entry.Token", "must be 1 byte to %d KiB", maxToken>>10)
	case len(e.ID) > maxTag:
		return validate.Fieldf("Entry.ID", "must be at most %d bytes", maxTag)
	}
	if err := validate.Text("Entry.ID", e.ID, maxTag); err != nil {
		return err
	}
	return checkTags("Entry.Tags", e.Tags, maxEntryTags)
}

// checkAction accepts 1 to 128 bytes of printable ASCII without spaces.
func checkAction(action string) error {
	if action == "" || len(action) > maxAction || !printable(action, false) {
		return validate.Fieldf("action", "must be 1 to %d bytes of printable ASCII without spaces", maxAction)
	}
	return nil
}
