package redisstore

import (
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/biembed/biembed-go/biembed"
	"github.com/biembed/biembed-go/tokencache"
)

// fuzzCores are a sealed and a Plaintext core, as NewFleet makes them.
func fuzzCores(t testing.TB) []*core {
	t.Helper()
	var cores []*core
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", ContextTimeoutEnabled: true}) // never called
	t.Cleanup(func() { _ = rdb.Close() })
	for _, o := range []Options{{Prefix: "f:", SealKey: biembed.NewSecret(strings.Repeat("k", 32))}, {Prefix: "f:", Plaintext: true}} {
		c, err := newCore(rdb, o)
		if err != nil {
			t.Fatal(err)
		}
		cores = append(cores, c)
	}
	return cores
}

// open never panics on any blob, and what opens was written for the key
// whose hash it was read under, in the store's own mode.
func FuzzOpen(f *testing.F) {
	cores := fuzzCores(f)
	for _, c := range cores {
		blob, err := c.sealEntry(c.hash(domainKey, "key"), tokencache.Entry{Key: "key", Token: biembed.NewSecret("tok"),
			ExpiresAt: time.Unix(2e9, 0), ID: "id:x", Tags: []string{"u:a"}, Epoch: 3})
		if err != nil {
			f.Fatal(err)
		}
		f.Add(blob)
	}
	for _, seed := range []string{"", "s", "p", "p{}", "p{\"k\":\"key\"}", "s\x00\x00\x00\x00\x00\x00\x00\x00", "x"} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, blob []byte) {
		for _, c := range cores {
			h := c.hash(domainKey, "key")
			w, why := c.open(h, blob)
			if why == "" && (c.hash(domainKey, w.Key) != h || (c.aead != nil) != (blob[0] == formatSealed)) {
				t.Fatalf("an entry opened that was not sealed for this key in this mode")
			}
		}
	})
}
