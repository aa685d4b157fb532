package tokencache

import (
	"container/heap"
	"time"
)

// index is the Cache's own record of the entries it saved and which expires
// first, for eviction. Hits never touch it. The Cache guards it with its
// mutex. Entries the Store drops by ID or tag stay here until they expire or
// are evicted; deleting them again is harmless.
type index struct {
	byKey map[string]*indexItem
	order expiryHeap
}

// indexItem is 32 bytes: the expiry as Unix seconds and nanoseconds.
type indexItem struct {
	key     string
	expSec  int64
	expNsec int32
	pos     int32 // position in expiryHeap
}

func (it *indexItem) expiresBefore(o *indexItem) bool {
	return it.expSec < o.expSec || (it.expSec == o.expSec && it.expNsec < o.expNsec)
}

func newIndex() index {
	return index{byKey: make(map[string]*indexItem)}
}

// add records key, which must not be in the index.
func (ix *index) add(key string, expiresAt time.Time) {
	it := &indexItem{key: key, expSec: expiresAt.Unix(), expNsec: int32(expiresAt.Nanosecond())}
	ix.byKey[key] = it
	heap.Push(&ix.order, it)
}

// remove forgets key and reports whether it was there.
func (ix *index) remove(key string) bool {
	it, ok := ix.byKey[key]
	if ok {
		ix.drop(it)
	}
	return ok
}

// evict removes every entry that expires no later than cutoff, then the
// soonest-to-expire entries until at most limit remain, and returns their keys.
func (ix *index) evict(cutoff time.Time, limit int) []string {
	var keys []string
	c := &indexItem{expSec: cutoff.Unix(), expNsec: int32(cutoff.Nanosecond())}
	for len(ix.order) > 0 {
		first := ix.order[0]
		if len(ix.order) <= limit && c.expiresBefore(first) {
			break
		}
		ix.drop(first)
		keys = append(keys, first.key)
	}
	return keys
}

func (ix *index) len() int { return len(ix.order) }

func (ix *index) drop(it *indexItem) {
	delete(ix.byKey, it.key)
	heap.Remove(&ix.order, int(it.pos))
}

// expiryHeap orders items by expiry, soonest first (container/heap.Interface).
type expiryHeap []*indexItem

func (h expiryHeap) Len() int           { return len(h) }
func (h expiryHeap) Less(i, j int) bool { return h[i].expiresBefore(h[j]) }
func (h expiryHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].pos, h[j].pos = int32(i), int32(j)
}

func (h *expiryHeap) Push(x any) {
	it := x.(*indexItem)
	it.pos = int32(len(*h))
	*h = append(*h, it)
}

func (h *expiryHeap) Pop() any {
	old := *h
	it := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return it
}
