package redistest_test

import (
	"context"
	"testing"

	"github.com/biembed/biembed-go/internal/testkit/redistest"
)

// A test starts its own redis-server, which is stopped when the test ends;
// Kill and Restart simulate an outage.
func ExampleStart() {
	testWithRedis := func(t *testing.T) {
		srv := redistest.Start(t) // skips (or fails under CI=true) without redis-server
		rdb := srv.Client()
		if err := rdb.Ping(context.Background()).Err(); err != nil {
			t.Fatal(err)
		}
		srv.Kill()
		srv.Restart() // same port, empty
	}
	_ = testWithRedis
}

// Hostile data goes in through Raw, bypassing go-redis; a Proxy partitions
// one client from the server while others still reach it.
func ExampleNewProxy() {
	testPartition := func(t *testing.T) {
		srv := redistest.Start(t)
		srv.Raw("HSET", "myapp:e:1", "b", "garbage")
		p := redistest.NewProxy(t, srv)
		cutOff := p.Client()
		p.Cut() // cutOff's calls now fail; srv.Client()'s still work
		_ = cutOff
		p.Restore()
	}
	_ = testPartition
}
