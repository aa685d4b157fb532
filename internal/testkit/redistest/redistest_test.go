package redistest_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"

	"github.com/biembed/biembed-go/internal/testkit/redistest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestStartKillRestart(t *testing.T) {
	srv := redistest.Start(t)
	rdb := srv.Client()
	ctx := context.Background()
	if !rdb.Options().ContextTimeoutEnabled {
		t.Fatal("Client's options lack ContextTimeoutEnabled")
	}
	if err := rdb.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatalf("SET: %v", err)
	}
	srv.Kill()
	if err := rdb.Get(ctx, "k").Err(); err == nil {
		t.Fatal("GET on a killed server succeeded")
	}
	srv.Restart()
	if err := rdb.Get(ctx, "k").Err(); !errors.Is(err, redis.Nil) {
		t.Fatalf("GET after restart = %v, want redis: nil (a restarted server is empty)", err)
	}
}

// A snapshot survives a restart from it, and only that one: a plain Restart
// is empty again.
func TestSnapshotAndRestartFromSnapshot(t *testing.T) {
	srv := redistest.Start(t)
	rdb := srv.Client()
	ctx := context.Background()
	rdb.Set(ctx, "old", "1", 0)
	srv.Snapshot()
	rdb.Set(ctx, "new", "2", 0)
	srv.RestartFromSnapshot()
	if v, err := rdb.Get(ctx, "old").Result(); err != nil || v != "1" {
		t.Fatalf("after RestartFromSnapshot GET old = %q, %v; want the snapshot's value", v, err)
	}
	if err := rdb.Get(ctx, "new").Err(); !errors.Is(err, redis.Nil) {
		t.Fatalf("after RestartFromSnapshot GET new = %v; want it gone (written after the snapshot)", err)
	}
	srv.Restart()
	if n := rdb.DBSize(ctx).Val(); n != 0 {
		t.Fatalf("after Restart the server holds %d keys, want 0", n)
	}
}

// Raw speaks RESP itself: big values, every reply type, error replies.
func TestRawRepliesAndBigValues(t *testing.T) {
	srv := redistest.Start(t)
	big := []byte(strings.Repeat("x", 5<<20))
	if r := srv.Raw("SET", "big", big); r != "OK" {
		t.Fatalf("SET big = %v", r)
	}
	if r := srv.Raw("STRLEN", "big"); r != int64(len(big)) {
		t.Fatalf("STRLEN = %v", r)
	}
	if r := srv.Raw("GET", "missing"); r != nil {
		t.Fatalf("GET missing = %v, want nil", r)
	}
	srv.Raw("HSET", "h", "f", "v")
	if r, ok := srv.Raw("GET", "h").(redis.Error); !ok || !strings.HasPrefix(r.Error(), "WRONGTYPE") {
		t.Fatalf("GET of a hash = %v, want a WRONGTYPE error reply", r)
	}
	if r, ok := srv.Raw("HGETALL", "h").([]any); !ok || len(r) != 2 || r[1] != "v" {
		t.Fatalf("HGETALL = %v", r)
	}
}

// New works without a test, for examples; Close stops the server.
func TestNewAndClose(t *testing.T) {
	srv, err := redistest.New()
	if err != nil && !redistest.Required() {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	rdb := srv.Client()
	defer rdb.Close()
	if err := rdb.Ping(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
	srv.Close()
	if err := rdb.Ping(context.Background()).Err(); err == nil {
		t.Fatal("a client of a closed server still answers")
	}
}
