package readme

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/biembed/biembed-go/biembedtest"
	"github.com/biembed/biembed-go/tencent"
	"github.com/biembed/biembed-go/tencent/tencenttest"
)

// TestingWithFakes tests code against the Tencent fake on one manual clock;
// youshutest has the same API.
func TestingWithFakes(ctx context.Context, t testing.TB) error {
	clock := biembedtest.NewClock(time.Now())                             // one manual clock for the fake, the client and a cache
	srv := tencenttest.NewTestServer(t, tencenttest.WithClock(clock.Now)) // verifies TC3 signatures like the real service
	client, err := tencent.NewClient(tencent.WithSecret(tencenttest.SecretID, tencenttest.SecretKey),
		tencent.WithEndpoint(srv.URL()), tencent.WithEmbedHost(srv.URL()), tencent.WithClock(clock.Now))
	if err != nil {
		return err
	}
	srv.Inject(tencenttest.Fault{Action: "CreateEmbedToken", Code: "RequestLimitExceeded", Times: 1})
	req := tencent.NewPageRequest(7, 8)
	req.TokenType, req.UserCorpID, req.UserID = tencent.TokenTypeSingleUser, "corp-1", "alice"
	tok, err := client.CreateEmbedToken(ctx, req) // the client retries the refused call
	if err != nil {
		return err
	}
	if n := srv.Count("CreateEmbedToken"); n != 2 { // srv.Requests() has them, typed
		return fmt.Errorf("CreateEmbedToken calls: %d, want 2", n)
	}
	clock.Advance(240 * time.Minute) // the token expires; signatures still verify (they use the system clock)
	if issued, ok := srv.Lookup(tok.Value.Reveal()); ok && clock.Now().Before(issued.ExpiresAt) {
		return errors.New("the token outlived its expiry")
	}
	return nil
}
