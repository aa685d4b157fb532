package filtermap_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/biembed/biembed-go/filtermap"
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
	assert.ErrorIs(t, err, filtermap.ErrInvalid)
	var ve *filtermap.ValidationError
	require.True(t, errors.As(err, &ve), "want *ValidationError, got %T: %v", err, err)
	assert.Equal(t, field, ve.Field, "rule: %s", ve.Rule)
	assert.Contains(t, ve.Rule, ruleHas)
}

// checkStable decodes data into a T; when that succeeds, the value must
// validate without panicking, encode, and decode back to an equal value (up
// to empty lists that omitempty drops), and the encoding must be a fixed point.
func checkStable[T any](t *testing.T, data []byte) {
	var v T
	if json.Unmarshal(data, &v) != nil {
		return
	}
	if val, ok := any(&v).(interface{ Validate() error }); ok {
		_ = val.Validate()
	}
	b1, err := json.Marshal(v)
	require.NoError(t, err, "a decoded value must encode")
	var w T
	require.NoError(t, json.Unmarshal(b1, &w), "own encoding must decode: %s", b1)
	b2, err := json.Marshal(w)
	require.NoError(t, err)
	require.Equal(t, string(b1), string(b2))
	dropOmittedEmpty(reflect.ValueOf(&v).Elem())
	dropOmittedEmpty(reflect.ValueOf(&w).Elem())
	require.Equal(t, v, w)
}

// dropOmittedEmpty sets empty slices and maps held in omitempty fields to
// nil, since encoding leaves them out and decoding cannot tell them from nil.
func dropOmittedEmpty(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			dropOmittedEmpty(v.Elem())
		}
	case reflect.Struct:
		for i := range v.NumField() {
			f := v.Type().Field(i)
			if !f.IsExported() {
				continue
			}
			fv := v.Field(i)
			if strings.Contains(f.Tag.Get("json"), ",omitempty") &&
				(fv.Kind() == reflect.Slice || fv.Kind() == reflect.Map) && fv.Len() == 0 {
				fv.SetZero()
				continue
			}
			dropOmittedEmpty(fv)
		}
	case reflect.Slice:
		for i := range v.Len() {
			dropOmittedEmpty(v.Index(i))
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			e := reflect.New(v.Type().Elem()).Elem()
			e.Set(v.MapIndex(k))
			dropOmittedEmpty(e)
			v.SetMapIndex(k, e)
		}
	}
}
