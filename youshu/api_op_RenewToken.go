package youshu

import "context"

// RenewToken extends token t (GET /api/dash/util/renewToken): it mints an
// updateToken helper with the client's default credential (a super admin)
// and renews t with it. How far t is extended is up to the server.
func (c *Client) RenewToken(ctx context.Context, t string) error {
	if err := c.ready(ctx); err != nil {
		return err
	}
	if err := checkTokenArg("t", t); err != nil {
		return err
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
