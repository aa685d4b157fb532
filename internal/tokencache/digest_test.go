package tokencache

import (
	"bytes"
	"context"
	"encoding/hex"
	"slices"
	"strings"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// digestKey is a key of RequestKey's form whose hex digits are the digits of
// d repeated.
func digestKey(d string) string { return keyPrefix + strings.Repeat(d, 64/len(d)) }

// TestMemoryStoreKeepsKeysThatDecodeAlikeApart: the memory store keys
// entries of RequestKey's form by their decoded digest, so two keys that
// decode to the same bytes (upper- and lower-case hex) must still be two
// entries, each served only under its own key.
func TestMemoryStoreKeepsKeysThatDecodeAlikeApart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newMemoryStore[string]()
	lower, upper := digestKey("ab"), digestKey("AB")
	near := lower[:len(lower)-1] + "c" // one digit off
	require.NoError(t, s.Save(ctx, lower, Entry[string]{Value: "lower", ID: "id-lower", Tags: []string{"t"}}))
	for _, k := range []string{upper, near, lower[:len(lower)-1], lower + "0"} {
		_, ok, err := s.Load(ctx, k)
		require.NoError(t, err)
		assert.False(t, ok, "%q must not find the entry of %q", k, lower)
	}
	require.NoError(t, s.Save(ctx, upper, Entry[string]{Value: "upper", ID: "id-upper"}))
	for k, want := range map[string]string{lower: "lower", upper: "upper"} {
		e, ok, err := s.Load(ctx, k)
		require.NoError(t, err)
		require.True(t, ok)
		assert.Equal(t, want, e.Value)
	}
	require.NoError(t, s.Invalidate(ctx, Target{Tags: []string{"t"}}))
	_, ok, _ := s.Load(ctx, lower)
	assert.False(t, ok, "the tagged entry is gone")
	_, ok, _ = s.Load(ctx, upper)
	assert.True(t, ok, "the other one stays")
	require.NoError(t, s.Invalidate(ctx, Target{IDs: []string{"id-upper"}}))
	assert.Equal(t, 0, s.len())
}

// TestDigestFingerprintServesOnlyItsRequest: a fingerprint of RequestKey's
// form is compared as a digest on a hit; a fingerprint that differs in one
// digit or only in the case of its hex digits is another request and must
// not be served the entry's token.
func TestDigestFingerprintServesOnlyItsRequest(t *testing.T) {
	t.Parallel()
	m := newMinter()
	c := newCache(t, m, func(cfg *Config[req, token]) {
		cfg.Fingerprint = func(r req) (string, error) { return r.Rows, nil }
	})
	fp := digestKey("0f")
	others := []string{digestKey("0F"), fp[:len(fp)-1] + "e", "sha256:" + fp, "rows"}
	for _, key := range []string{"tenant/alice", digestKey("77"), fp} {
		first := mustGet(t, c, key, req{Rows: fp})
		assert.Equal(t, first, mustGet(t, c, key, req{Rows: fp}), "same fingerprint: a hit")
		for _, other := range others {
			got := mustGet(t, c, key, req{Rows: other})
			assert.Equal(t, other, got.Rows, "key %q: fingerprint %q is served its own token", key, other)
			assert.Equal(t, got, mustGet(t, c, key, req{Rows: other}))
		}
		assert.Equal(t, fp, mustGet(t, c, key, req{Rows: fp}).Rows)
	}
	got, err := c.GetFor(context.Background(), req{Rows: fp})
	require.NoError(t, err)
	assert.Equal(t, fp, got.Rows)
}

// TestMemEntryHotPartFillsOneLine: a hit reads a digest table slot, the
// digest and the entry's hot part, which for a pointer-sized token must fit
// one 64-byte cache line; the cold part is read only by writes and Load.
// Every byte of either costs about 1.25 bytes an entry (issue 12's budget is
// 400). Grow them only knowingly.
func TestMemEntryHotPartFillsOneLine(t *testing.T) {
	t.Parallel()
	assert.EqualValues(t, 64, unsafe.Sizeof(digestSlot[*int]{}))
	assert.EqualValues(t, 64, unsafe.Sizeof(memCold{}))
}

// TestDigestOfDecodesOnlyRequestKeyForm: digestOf must accept exactly
// "sha256:" + 64 lower-case hex digits and decode them losslessly.
func TestDigestOfDecodesOnlyRequestKeyForm(t *testing.T) {
	t.Parallel()
	key := KeyOfJSON([]byte(`{"a":1}`))
	d, ok := digestOf(key)
	require.True(t, ok)
	assert.Equal(t, key, keyPrefix+hex.EncodeToString(d[:]))
	for _, bad := range []string{"", keyPrefix, strings.ToUpper(key), "SHA256:" + key[7:], key[:70] + "g",
		key[:70] + "G", key[:70] + "/", key[:70] + ":", key[:70] + "`", key + "0", key[:70], "sha512:" + key[7:]} {
		_, ok := digestOf(bad)
		assert.False(t, ok, "%q", bad)
	}
}

func BenchmarkDigestOf(b *testing.B) {
	key := KeyOfJSON([]byte(`{"a":1}`))
	for b.Loop() {
		if _, ok := digestOf(key); !ok {
			b.Fatal("not decoded")
		}
	}
}

// TestDigestOfAgreesWithHexOnEveryByte puts each of the 256 byte values at
// every position of a key and checks digestOf against encoding/hex
// restricted to lower-case digits.
func TestDigestOfAgreesWithHexOnEveryByte(t *testing.T) {
	t.Parallel()
	base := []byte(KeyOfJSON([]byte(`"every byte"`)))
	for pos := len(keyPrefix); pos < len(base); pos++ {
		for c := range 256 {
			k := slices.Clone(base)
			k[pos] = byte(c)
			want, err := hex.DecodeString(string(k[len(keyPrefix):]))
			wantOK := err == nil && strings.ToLower(string(k)) == string(k)
			d, ok := digestOf(string(k))
			if ok != wantOK || (ok && !bytes.Equal(d[:], want)) {
				t.Fatalf("byte %#x at %d: digestOf ok=%v %x, want ok=%v %x", c, pos, ok, d, wantOK, want)
			}
		}
	}
}
