package redisstore_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
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
	"github.com/biembed/biembed-go/tokencache"
)

// A test re-runs its own binary as a replica in another OS process, with
// childEnv set to what the replica should do and the rest of its setup in
// the other variables.
const (
	childEnv     = "BIEMBED_FLEET_CHILD" // "gets", "hold" or "budget"
	childFake    = "BIEMBED_FLEET_FAKE"
	childRedis   = "BIEMBED_FLEET_REDIS"
	childUser    = "BIEMBED_FLEET_USER"
	childGets    = "BIEMBED_FLEET_GETS"
	childLockTTL = "BIEMBED_FLEET_LOCK_TTL"
)

// childRedisClient is a replica process's client: ContextTimeoutEnabled,
// no retries.
func childRedisClient(poolSize int) *redis.Client {
	return redis.NewClient(&redis.Options{Addr: os.Getenv(childRedis), ContextTimeoutEnabled: true,
		MaxRetries: -1, DialerRetries: 1, PoolSize: poolSize, DialTimeout: 10 * time.Second,
		ReadTimeout: 10 * time.Second, WriteTimeout: 10 * time.Second, PoolTimeout: 30 * time.Second})
}

// runChild is main for a replica process; it returns the exit code.
//
//   - "gets": say ready, wait for go, run BIEMBED_FLEET_GETS concurrent Gets
//     and print a digest of each distinct token.
//   - "hold": one Get, whose mint the test holds at the fake until it kills
//     this process.
//   - "budget": see runBudgetChild.
func runChild(mode string) int {
	fail := func(err error) int { fmt.Fprintln(os.Stderr, "replica:", err); return 2 }
	if mode == "budget" {
		if err := runBudgetChild(); err != nil {
			return fail(err)
		}
		return 0
	}
	ttl, _ := time.ParseDuration(os.Getenv(childLockTTL))
	rdb := childRedisClient(64)
	defer rdb.Close()
	fl, err := redisstore.NewFleet(rdb, redisstore.Options{Prefix: "fleet:", SealKey: testKey(), Timeout: 10 * time.Second, LockTTL: ttl})
	if err != nil {
		return fail(err)
	}
	client, err := tencent.NewClient(tencent.WithSecret(tencenttest.SecretID, tencenttest.SecretKey),
		tencent.WithEndpoint(os.Getenv(childFake)), tencent.WithRateLimiter(unlimited()), tencent.WithRetries(0))
	if err != nil {
		return fail(err)
	}
	cache, err := tencent.NewCache(client, tokencache.Options{Store: fl.Store})
	if err != nil {
		return fail(err)
	}
	defer cache.Close()
	user, _ := strconv.Atoi(os.Getenv(childUser))
	ctx := context.Background()
	if mode == "hold" {
		_, err := cache.Get(ctx, userRequest(user))
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
			tok, err := cache.Get(ctx, userRequest(user))
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			digests[digest(tok.Value.Reveal())] = true
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

// startChild starts this test binary as a replica doing mode, against the
// fake at fakeURL and the Redis at redisAddr.
func startChild(t *testing.T, fakeURL, redisAddr, mode string, env ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	cmd, out := prepareChild(t, fakeURL, redisAddr, mode, env...)
	if err := cmd.Start(); err != nil {
		t.Fatalf("start replica process: %v", err)
	}
	return cmd, out
}

// prepareChild is startChild without the start; the process is killed
// when t ends if it was started.
func prepareChild(t *testing.T, fakeURL, redisAddr, mode string, env ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+mode, childFake+"="+fakeURL, childRedis+"="+redisAddr)
	cmd.Env = append(cmd.Env, env...)
	out := &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = out, out
	t.Cleanup(func() {
		if cmd.Process != nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	return cmd, out
}

// Four replicas in four OS processes (this one and three children), 1,000
// Gets for one key released together: one mint, one token everywhere.
func TestFleetSeparateProcessesMintOnce(t *testing.T) {
	f := newReplicas(t, 1, fleetConfig{})
	ctx := context.Background()
	var children []*exec.Cmd
	var outs []*bytes.Buffer
	for range 3 {
		cmd, out := startChild(t, f.fake.URL(), f.redis.Addr(), "gets", childUser+"=1", childGets+"=250")
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

// A replica process SIGKILLed while it holds the mint lock (its mint hangs
// at the fake): another replica waits out the lock's TTL, then mints
// itself, and counts no error (it waited, it did not give up).
func TestFleetReplicaKilledHoldingTheLock(t *testing.T) {
	const lockTTL = time.Second
	f := newReplicas(t, 1, fleetConfig{opts: redisstore.Options{LockTTL: lockTTL}})
	f.fake.Inject(tencenttest.Fault{Action: "CreateEmbedToken", Delay: time.Hour, Times: 1})
	holder, out := startChild(t, f.fake.URL(), f.redis.Addr(), "hold", childUser+"=1", childLockTTL+"="+lockTTL.String())
	ctx := context.Background()
	admin := f.redis.Client()
	locked := func() bool { return len(admin.Keys(ctx, "fleet:l:*").Val()) > 0 && f.mints() > 0 }
	// Wait until the child holds the lock and its mint reached the fake.
	deadline := time.Now().Add(60 * time.Second)
	for delay := time.Millisecond; !locked(); delay = min(2*delay, 50*time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the replica process never took the lock\n%s", out)
		}
		time.Sleep(delay)
	}
	if err := holder.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = holder.Wait()
	if len(admin.Keys(ctx, "fleet:l:*").Val()) == 0 {
		t.Skip("the dead replica's lock expired before the test could look: too slow a machine to prove anything")
	}
	tok, err := f.replicas[0].cache.Get(ctx, userRequest(1))
	if err != nil {
		t.Fatalf("Get after the lock holder died: %v", err)
	}
	if f.mints() != 2 || tok.Value.Reveal() == "" {
		t.Fatalf("mints = %d, want 2 (the dead replica's and this one's)", f.mints())
	}
	if s := f.replicas[0].cache.Stats(); s.Errors != 0 {
		t.Fatalf("the surviving replica counted %d errors; it should have waited, not given up", s.Errors)
	}
}
