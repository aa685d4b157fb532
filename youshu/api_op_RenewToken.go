package youshu

import (
	"context"

	"github.com/biembed/biembed-go/internal/validate"
)

// RenewToken extends token t (GET /api/dash/util/renewToken): it mints an
// updateToken helper with the client's default credential (a super admin)
// and renews t with it. How far t is extended is up to the server.
func (c *Client) RenewToken(ctx context.Context, t string) error {
	if t == "" {
		return errTokenRequired()
	}
	helper, err := c.NewHelperToken(ctx, UseUpdateToken)
	if err != nil {
		return err
	}
	return c.RenewTokenWith(ctx, helper.Value.Reveal(), t)
}

// RenewTokenWith extends token t with an updateToken helper token the caller
// already has (see NewHelperToken).
func (c *Client) RenewTokenWith(ctx context.Context, helper, t string) error {
	return c.useHelper(ctx, EndpointRenewToken, helper, t)
}

func errTokenRequired() error { return validate.Fieldf("t", "required") }
