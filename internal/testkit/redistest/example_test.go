package redistest_test

import (
	"context"
	"testing"

	"github.com/biembed/biembed-go/internal/testkit/redistest"
)

// A test starts its own redis-server, which is stopped when the test ends;
// hostile data goes in through Raw, bypassing go-redis; Kill and Restart
// simulate an outage.
func ExampleStart() {
	testWithRedis := func(t *testing.T) {
		srv := redistest.Start(t) // skips (or fails under CI=true) without redis-server
		srv.Raw("HSET", "myapp:e:1", "b", "garbage")
		rdb := srv.Client()
		if err := rdb.Ping(context.Background()).Err(); err != nil {
			t.Fatal(err)
		}
		srv.Kill()
		srv.Restart() // same port, empty
	}
	_ = testWithRedis
}
