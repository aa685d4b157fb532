package redistest_test

import (
	"context"
	"testing"

	"go.uber.org/goleak"

	"github.com/biembed/biembed-go/internal/testkit/redistest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestStartKillRestart(t *testing.T) {
	srv := redistest.Start(t)
	rdb := srv.Client()
	ctx := context.Background()
	if err := rdb.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatalf("SET: %v", err)
	}
	srv.Kill()
	if err := rdb.Get(ctx, "k").Err(); err == nil {
		t.Fatal("GET on a killed server succeeded")
	}
	srv.Restart()
	if err := rdb.Get(ctx, "k").Err(); err == nil || err.Error() != "redis: nil" {
		t.Fatalf("GET after restart = %v, want redis: nil (a restarted server is empty)", err)
	}
}
