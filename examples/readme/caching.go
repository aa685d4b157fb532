package readme

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/biembed/biembed-go/tokencache"
	"github.com/biembed/biembed-go/youshu"
)

// Caching serves a user's token from a cache, then shows what Forget,
// Revoke and RevokeUser do.
func Caching(ctx context.Context, w io.Writer, client *youshu.Client, user string, projectID int64) error {
	cache, err := youshu.NewCache(client, tokencache.Options{}) // tencent.NewCache alike; one per client
	if err != nil {
		return err
	}
	defer cache.Close()
	req := &youshu.GenTokenRequest{AuthUniqueID: user, Expiry: time.Hour} // a cached request needs an Expiry
	// Get mints only when the cache holds no live token minted for exactly req.
	tok, err := cache.Get(ctx, req)
	if err != nil {
		return err
	}
	iframeSrc, err := tok.URL(youshu.Report(projectID))
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintln(w, iframeSrc); err != nil {
		return err
	}
	if err := cache.Forget(ctx, req); err != nil { // from the cache only: tok works until it expires
		return err
	}
	if _, err := cache.Get(ctx, req); err != nil { // so this Get mints a new token
		return err
	}
	if err := cache.Revoke(ctx, req); err != nil { // rmToken for the token the cache holds for req
		return err
	}
	return cache.RevokeUser(ctx, req) // rmToken for every token the cache holds for req's user
}
