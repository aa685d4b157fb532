package tokencache

import (
	"context"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDigestTableAgreesWithAMap drives a digestTable and a Go map with the
// same random puts, replacements and deletes over few digests, so probes
// collide, clusters wrap around the end of the slots and deletions shift
// entries back across it; after every step each entry must be found with
// its own hot and cold parts, and the count must agree.
func TestDigestTableAgreesWithAMap(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	digests := make([]digest, 40)
	for i := range digests {
		digests[i][0], digests[i][31] = byte(i+1), byte(rng.Uint32())
	}
	tab := newDigestTable[*int]()
	want := map[digest]memEntry[*int]{}
	for step := range 6_000 {
		d := digests[rng.IntN(len(digests))]
		if rng.IntN(3) == 0 {
			tab.delete(&d)
			delete(want, d)
		} else {
			v := step
			m := memEntry[*int]{hot: memHot[*int]{value: &v, issuedSec: int64(step)}, cold: memCold{id: strconv.Itoa(step)}}
			tab.put(&d, m)
			want[d] = m
		}
		require.Equal(t, len(want), tab.used, "step %d", step)
		for _, d := range digests {
			i, found := tab.find(&d)
			m, ok := want[d]
			require.Equal(t, ok, found, "step %d: digest %x", step, d[0])
			if ok {
				require.Same(t, m.hot.value, tab.slots[i].hot.value, "step %d", step)
				require.Equal(t, m.cold, tab.cold[i], "step %d", step)
			}
		}
	}
	seen := 0
	tab.all(func(d *digest, c *memCold) bool {
		seen++
		assert.Equal(t, want[*d].cold, *c)
		return true
	})
	assert.Equal(t, len(want), seen)
	assert.LessOrEqual(t, tab.used*16, len(tab.slots)*13, "at most 13/16 full")
}

// TestDigestTableDeleteClearsTheToken: a deleted entry's slot is zeroed, so
// the table holds no reference to a revoked token.
func TestDigestTableDeleteClearsTheToken(t *testing.T) {
	t.Parallel()
	tab := newDigestTable[*int]()
	v := 1
	d := digest{1}
	tab.put(&d, memEntry[*int]{hot: memHot[*int]{value: &v}, cold: memCold{id: "x"}})
	tab.delete(&d)
	for i := range tab.slots {
		require.Zero(t, tab.slots[i], "slot %d", i)
		require.Zero(t, tab.cold[i], "slot %d", i)
	}
}

// TestMemoryStoreMatchesFingerprintsExactly: whichever form a fingerprint
// is kept in (the key itself, empty, any other string), a hit is served
// exactly when the Get's fingerprint equals the saved one; the key that
// decodes to the zero digest (the table's empty mark) is kept like any
// other.
func TestMemoryStoreMatchesFingerprintsExactly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, key := range []string{digestKey("00"), digestKey("5a"), "tenant/alice"} {
		for _, saved := range []string{key, "", "rows", digestKey("77")} {
			s := newMemoryStore[string]()
			require.NoError(t, s.Save(ctx, key, Entry[string]{Value: "v", Fingerprint: saved}))
			for _, fp := range []string{key, "", "rows", digestKey("77"), key + "x"} {
				h, ok := s.loadFor(key, fp)
				assert.Equal(t, fp == saved, ok, "key %q saved %q asked %q", key, saved, fp)
				if ok {
					assert.Equal(t, "v", h.value)
				}
			}
			e, ok, err := s.Load(ctx, key)
			require.NoError(t, err)
			require.True(t, ok)
			assert.Equal(t, saved, e.Fingerprint)
			require.NoError(t, s.Delete(ctx, key))
			assert.Zero(t, s.len())
		}
	}
}
