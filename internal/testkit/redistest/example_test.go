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
