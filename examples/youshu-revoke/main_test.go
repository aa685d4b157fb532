package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// Forget leaves a token working; Revoke and RevokeUser make the old pages
// fail at the fake; a revoked token cannot be renewed.
func TestRunShowsForgetRevokeAndRevokeUser(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out))

	const mask = `\*\*\*#[0-9a-f]{6}`
	want := []string{
		`^Youshu BI: in-process youshutest, accounts alice and bob; the client holds a super admin's token key$`,
		`^alice's report: token ` + mask + `, page shows alice$`,
		`^Forget\(alice's report\): dropped from the cache only$`,
		`^  the forgotten token's page: shows alice \(it works until it expires\)$`,
		`^  the next Get mints a new token: ` + mask + ` \(mints: 2\)$`,
		`^Revoke\(alice's report\): rmToken for the token the cache held, dropped from the cache$`,
		`^  its page: refused \(HTTP 401, unknown\)$`,
		`^  the forgotten token's page: shows alice \(Revoke reaches only what the cache holds\)$`,
		`^client\.RemoveToken\(the forgotten token\): its page: refused \(HTTP 401, unknown\)$`,
		`^bob's report page: shows bob; bob's ChatBI page: shows bob$`,
		`^RevokeUser\(bob\): rmToken for every token the cache holds for bob$`,
		`^  report page: refused \(HTTP 401, unknown\); ChatBI page: refused \(HTTP 401, unknown\)$`,
		`^renewing bob's revoked token: refused by renewToken, code 404, not found: true$`,
		`^  error: youshu renewToken: code 404: token not found$`,
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	require.Len(t, lines, len(want), out.String())
	for i, re := range want {
		assert.Regexp(t, re, lines[i])
	}
	// The two tokens of alice differ: the Get after Forget minted anew.
	tokens := regexp.MustCompile(mask).FindAllString(out.String(), -1)
	require.Len(t, tokens, 2)
	assert.NotEqual(t, tokens[0], tokens[1])
	// The fake's tokens are 40 hex digits; none may be printed whole.
	assert.NotRegexp(t, `[0-9a-f]{40}`, out.String())
}

func TestRunStopsWithItsContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := run(ctx, &bytes.Buffer{})
	require.ErrorIs(t, err, context.Canceled)
}
