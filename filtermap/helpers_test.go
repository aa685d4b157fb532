package filtermap_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/biembed/biembed-go/biembed"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/biembed/biembed-go/internal/testkit/jsontest"
)

// seedBlock returns the raw JSON of key in the seed object.
func seedBlock(tb testing.TB, seed []byte, key string) []byte {
	tb.Helper()
	var m map[string]json.RawMessage
	require.NoError(tb, json.Unmarshal(seed, &m))
	b, ok := m[key]
	require.True(tb, ok, "seed has no %q", key)
	return b
}

// roundTrip decodes block into a T, checks that it encodes back to
// semantically equal JSON, and returns the decoded value.
func roundTrip[T any](t *testing.T, block []byte) T {
	t.Helper()
	var v T
	require.NoError(t, json.Unmarshal(block, &v))
	out, err := json.Marshal(v)
	require.NoError(t, err)
	assert.JSONEq(t, string(block), string(out))
	return v
}

// requireInvalid checks that err is a *ValidationError for field that
// matches ErrInvalid, and that its rule mentions ruleHas.
func requireInvalid(t *testing.T, err error, field, ruleHas string) {
	t.Helper()
	require.Error(t, err)
	assert.ErrorIs(t, err, biembed.ErrInvalid)
	var ve *biembed.ValidationError
	require.True(t, errors.As(err, &ve), "want *ValidationError, got %T: %v", err, err)
	assert.Equal(t, field, ve.Field, "rule: %s", ve.Rule)
	assert.Contains(t, ve.Rule, ruleHas)
}

// checkStable fails t when data decodes into a T that does not survive a
// JSON round trip (see jsontest.Stable).
func checkStable[T any](t *testing.T, data []byte) {
	t.Helper()
	require.NoError(t, jsontest.Stable[T](data))
}
