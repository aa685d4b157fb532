package youshu

import "context"

// RemoveToken revokes token t (GET /api/dash/util/rmToken): it mints a
// deleteToken helper with the client's default credential (a super admin),
// removes t with it, and then calls the OnRevoke listeners. A removed token
// can no longer be used or renewed.
func (c *Client) RemoveToken(ctx context.Context, t string) error {
	if err := c.ready(ctx); err != nil {
		return err
	}
	if err := checkTokenArg("t", t); err != nil {
		return err
	}
	helper, err := c.NewHelperToken(ctx, UseDeleteToken)
	if err != nil {
		return err
	}
	return c.RemoveTokenWith(ctx, helper.Value.Reveal(), t)
}

// RemoveTokenWith revokes token t with a deleteToken helper token the caller
// already has (see NewHelperToken), then calls the OnRevoke listeners.
func (c *Client) RemoveTokenWith(ctx context.Context, helper, t string) error {
	if err := c.useHelper(ctx, EndpointRmToken, helper, t); err != nil {
		return err
	}
	c.revoked(t)
	return nil
}
