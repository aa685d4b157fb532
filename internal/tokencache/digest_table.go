package tokencache

import "hash/maphash"

// digestTable keeps memEntries by digest in one slice of slots, probed
// linearly from a seeded hash of the whole digest. A hit at scale costs
// cache misses, not instructions: it reads its slot (the key and the
// entry's hot part side by side, one 64-byte line with a pointer-sized
// token) and, after a collision, the slots right after it, which the
// hardware prefetches. The cold parts live in a parallel slice that a hit
// whose fingerprint is its key never reads. A Go map reads its group's
// control word first, one more dependent miss per hit, and keeps the whole
// entry in its slot.
//
// The zero digest marks an empty slot, so the store keeps a key that decodes
// to it by its string instead (memoryStore.tableKey). Deletion shifts the
// entries after the hole back (no tombstones), so a probe ends at the first
// empty slot. The table doubles when it would be more than 13/16 full and
// never shrinks; the Cache bounds how many entries it holds.
type digestTable[T any] struct {
	seed  maphash.Seed
	slots []digestSlot[T] // a power of two long, or empty
	cold  []memCold       // the cold part of slots[i]'s entry
	used  int             // slots holding an entry
}

// digestSlot is one slot of a digestTable; the zero key means empty.
type digestSlot[T any] struct {
	key digest
	hot memHot[T]
}

// minTableSlots is a table's length once it holds anything.
const minTableSlots = 16

func newDigestTable[T any]() digestTable[T] {
	return digestTable[T]{seed: maphash.MakeSeed()}
}

// home is the slot where d's probe starts. The hash covers the whole
// digest with a per-table seed, so keys chosen to share a prefix do not
// share a probe.
func (t *digestTable[T]) home(d *digest) int {
	return int(maphash.Bytes(t.seed, d[:]) & uint64(len(t.slots)-1))
}

// find returns the index of d's slot and whether d is there; when it is
// not, the index is the empty slot where d would go (or -1 for an empty
// table).
func (t *digestTable[T]) find(d *digest) (int, bool) {
	if len(t.slots) == 0 {
		return -1, false
	}
	mask := len(t.slots) - 1
	for i := t.home(d); ; i = (i + 1) & mask {
		switch t.slots[i].key {
		case *d:
			return i, true
		case digest{}:
			return i, false
		}
	}
}

// put stores m under d, replacing what is there. d must not be zero.
func (t *digestTable[T]) put(d *digest, m memEntry[T]) {
	i, ok := t.find(d)
	if !ok && (t.used+1)*16 > len(t.slots)*13 {
		t.grow()
		i, _ = t.find(d)
	}
	if !ok {
		t.used++
	}
	t.slots[i] = digestSlot[T]{key: *d, hot: m.hot}
	t.cold[i] = m.cold
}

// grow doubles the table (or makes its first slots) and re-places every
// entry.
func (t *digestTable[T]) grow() {
	old, oldCold := t.slots, t.cold
	t.slots = make([]digestSlot[T], max(2*len(old), minTableSlots))
	t.cold = make([]memCold, len(t.slots))
	for k := range old {
		if old[k].key != (digest{}) {
			i, _ := t.find(&old[k].key)
			t.slots[i], t.cold[i] = old[k], oldCold[k]
		}
	}
}

// delete drops d's entry, if any, and moves back the entries whose probe
// passed its slot, so every entry stays reachable from its home.
func (t *digestTable[T]) delete(d *digest) {
	hole, ok := t.find(d)
	if !ok {
		return
	}
	mask := len(t.slots) - 1
	for j := (hole + 1) & mask; t.slots[j].key != (digest{}); j = (j + 1) & mask {
		if !cyclicBetween(hole, t.home(&t.slots[j].key), j) {
			t.slots[hole], t.cold[hole] = t.slots[j], t.cold[j]
			hole = j
		}
	}
	t.slots[hole], t.cold[hole] = digestSlot[T]{}, memCold{} // also lets the collector have the token
	t.used--
}

// cyclicBetween reports whether h lies in the cyclic interval (lo, hi]: an
// entry at hi whose home is there cannot move back to lo.
func cyclicBetween(lo, h, hi int) bool {
	if lo <= hi {
		return lo < h && h <= hi
	}
	return lo < h || h <= hi
}

// all yields every entry's digest and cold part. The yield function must
// not change the table.
func (t *digestTable[T]) all(yield func(d *digest, cold *memCold) bool) {
	for i := range t.slots {
		if t.slots[i].key != (digest{}) && !yield(&t.slots[i].key, &t.cold[i]) {
			return
		}
	}
}
