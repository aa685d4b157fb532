package redisstore_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/biembed/biembed-go/redisstore"
	"github.com/biembed/biembed-go/tencent"
	"github.com/biembed/biembed-go/tencent/tencenttest"
)

// A test re-runs its own binary as a replica in another OS process, with
// childEnv set to what the replica should do.
const (
	childEnv     = "BIEMBED_FLEET_CHILD" // "gets" or "hold"
	childFake    = "BIEMBED_FLEET_FAKE"
	childRedis   = "BIEMBED_FLEET_REDIS"
	childUser    = "BIEMBED_FLEET_USER"
	childGets    = "BIEMBED_FLEET_GETS"
	childLockTTL = "BIEMBED_FLEET_LOCK_TTL"
)

// runChild is main for a replica process. "gets": say ready, wait for go,
// run BIEMBED_FLEET_GETS concurrent Gets and print a digest of each distinct
// token. "hold": one Get, whose mint the test holds at the fake until it
// kills this process. It returns the exit code.
func runChild(mode string) int {
	fail := func(err error) int { fmt.Fprintln(os.Stderr, "replica:", err); return 2 }
	ttl, _ := time.ParseDuration(os.Getenv(childLockTTL))
	rdb := redis.NewClient(&redis.Options{Addr: os.Getenv(childRedis), MaxRetries: -1, PoolSize: 64})
	defer rdb.Close()
	client, err := tencent.NewClient(tencent.WithSecret(tencenttest.SecretID, tencenttest.SecretKey),
		tencent.WithEndpoint(os.Getenv(childFake)), tencent.WithRateLimit(math.Inf(1)), tencent.WithMaxRetries(0))
	if err != nil {
		return fail(err)
	}
	store, err := redisstore.NewTencentStore(rdb, redisstore.Options{Prefix: "fleet:", Timeout: 10 * time.Second, LockTTL: ttl})
	if err != nil {
		return fail(err)
	}
	cache, err := tencent.NewCache(client, tencent.CacheOptions{Store: store})
	if err != nil {
		return fail(err)
	}
	defer cache.Close()
	user, _ := strconv.Atoi(os.Getenv(childUser))
	ctx := context.Background()
	if mode == "hold" {
		_, err := cache.Get(ctx, fmt.Sprintf("user-%d", user), userRequest(user))
		return fail(fmt.Errorf("the held Get returned: %v", err))
	}
	if err := rdb.RPush(ctx, "test:ready", os.Getpid()).Err(); err != nil {
		return fail(err)
	}
	if err := rdb.BLPop(ctx, 30*time.Second, "test:go").Err(); err != nil {
		return fail(err)
	}
	n, _ := strconv.Atoi(os.Getenv(childGets))
	var (
		mu      sync.Mutex
		digests = map[string]bool{}
		errs    []error
		wg      sync.WaitGroup
	)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok, err := cache.Get(ctx, fmt.Sprintf("user-%d", user), userRequest(user))
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			digests[digest(string(tok.Value))] = true
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		return fail(fmt.Errorf("%d Gets failed, first: %v", len(errs), errs[0]))
	}
	for d := range digests {
		fmt.Println("token", d)
	}
	return 0
}

// digest names a token in test output without printing it.
func digest(value string) string {
	sum := sha256.Sum256([]byte(value))
	return hex.EncodeToString(sum[:8])
}

// startChild starts this test binary as a replica doing mode.
func startChild(t *testing.T, f *fleet, mode string, env ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+mode, childFake+"="+f.fake.URL(), childRedis+"="+f.redis.Addr())
	cmd.Env = append(cmd.Env, env...)
	out := &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start replica process: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	return cmd, out
}

// Four replicas in four OS processes (this one and three children), 1,000
// Gets for one key released together: one mint, one token everywhere.
func TestFleetSeparateProcessesMintOnce(t *testing.T) {
	f := newFleet(t, 1, fleetConfig{})
	ctx := context.Background()
	var children []*exec.Cmd
	var outs []*bytes.Buffer
	for range 3 {
		cmd, out := startChild(t, f, "gets", childUser+"=1", childGets+"=250")
		children, outs = append(children, cmd), append(outs, out)
	}
	admin := f.redis.Client()
	for range children {
		if err := admin.BLPop(ctx, 60*time.Second, "test:ready").Err(); err != nil {
			t.Fatalf("a replica process never got ready: %v", err)
		}
	}
	for range children {
		admin.LPush(ctx, "test:go", 1)
	}
	gets := make([][2]int, 250)
	for i := range gets {
		gets[i] = [2]int{0, 1}
	}
	values, errs := f.getAll(t, gets)
	if len(errs) > 0 {
		t.Fatalf("%d Gets failed here, first: %v", len(errs), errs[0])
	}
	seen := map[string]bool{}
	for v := range values[1] {
		seen[digest(v)] = true
	}
	for i, cmd := range children {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("replica process %d: %v\n%s", i, err, outs[i])
		}
		sc := bufio.NewScanner(outs[i])
		for sc.Scan() {
			if d, ok := strings.CutPrefix(sc.Text(), "token "); ok {
				seen[d] = true
			}
		}
	}
	if n := f.mints(); n != 1 || len(seen) != 1 {
		t.Fatalf("4 processes minted %d tokens and saw %d distinct ones, want 1 and 1", n, len(seen))
	}
}

// A replica process killed while it holds the mint lock (its mint hangs at
// the fake): another replica waits out the lock's TTL, then mints itself.
func TestFleetReplicaKilledHoldingTheLock(t *testing.T) {
	const lockTTL = 3 * time.Second
	f := newFleet(t, 1, fleetConfig{store: redisstore.Options{LockTTL: lockTTL}})
	f.fake.Inject(tencenttest.Fault{Action: tencent.ActionCreateEmbedToken, Delay: time.Hour, Times: 1})
	holder, out := startChild(t, f, "hold", childUser+"=1", childLockTTL+"="+lockTTL.String())
	ctx := context.Background()
	admin := f.redis.Client()
	// Wait until the child holds the lock and its mint reached the fake.
	deadline := time.Now().Add(30 * time.Second)
	for delay := time.Millisecond; admin.Exists(ctx, "fleet:l:user-1").Val() == 0 || f.mints() == 0; delay = min(2*delay, 50*time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the replica process never took the lock\n%s", out)
		}
		time.Sleep(delay)
	}
	if err := holder.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = holder.Wait()
	if admin.Exists(ctx, "fleet:l:user-1").Val() == 0 {
		t.Fatal("the dead replica's lock is gone already; the test proves nothing")
	}
	tok, err := f.replicas[0].cache.Get(ctx, "user-1", userRequest(1))
	if err != nil {
		t.Fatalf("Get after the lock holder died: %v", err)
	}
	if f.mints() != 2 || tok.Value == "" {
		t.Fatalf("mints = %d, want 2 (the dead replica's and this one's)", f.mints())
	}
	if s := f.replicas[0].cache.Stats(); s.Errors != 0 {
		t.Fatalf("the surviving replica counted %d errors; it should have waited, not given up", s.Errors)
	}
}
