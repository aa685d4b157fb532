package redisstore_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/biembed/biembed-go/biembed"
	"github.com/biembed/biembed-go/internal/testkit/redistest"
	"github.com/biembed/biembed-go/redisstore"
	"github.com/biembed/biembed-go/tencent"
	"github.com/biembed/biembed-go/tencent/tencenttest"
)

// The budget of the process test: Burst = Replicas, so the local shares
// add up to the budget (see TestFleetBudgetAcrossRedisOutage).
const (
	procReplicas = 4
	procRate     = 10
	procBurst    = 4
)

// admittedHeader carries the time (unix nanoseconds) the replica's limiter
// admitted a request, set by stampTransport.
const admittedHeader = "X-Test-Admitted"

// stampLimiter notes when its limiter admits a request; with one worker
// per process, the next request sent is that one.
type stampLimiter struct {
	inner biembed.RateLimiter
	at    *atomic.Int64
}

func (s stampLimiter) Wait(ctx context.Context, action string) error {
	err := s.inner.Wait(ctx, action)
	s.at.Store(time.Now().UnixNano())
	return err
}

// stampTransport puts the admission time on the request.
type stampTransport struct {
	base http.RoundTripper
	at   *atomic.Int64
}

func (s stampTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set(admittedHeader, strconv.FormatInt(s.at.Load(), 10))
	return s.base.RoundTrip(r)
}

// runBudgetChild is a replica process of TestFleetBudgetAcrossRedisOutageInProcesses:
// once a line arrives on stdin, one worker mints through the Fleet's
// limiter, as fast as it lets it, until stdin closes; then it prints its
// Stats.
func runBudgetChild() error {
	rdb := childRedisClient(1 << 16) // go-redis never reaches its dead-server probing (see newBudgetRun)
	defer rdb.Close()
	fl, err := redisstore.NewFleet(rdb, redisstore.Options{Prefix: "budget:", SealKey: testKey(),
		Rate: procRate, Burst: procBurst, Replicas: procReplicas})
	if err != nil {
		return err
	}
	var at atomic.Int64
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	client, err := tencent.NewClient(tencent.WithSecret(tencenttest.SecretID, tencenttest.SecretKey),
		tencent.WithEndpoint(os.Getenv(childFake)), tencent.WithTransport(stampTransport{tr, &at}),
		tencent.WithRateLimiter(stampLimiter{fl.Limiter, &at}), tencent.WithRetries(0))
	if err != nil {
		return err
	}
	in := bufio.NewReader(os.Stdin)
	if _, err := in.ReadString('\n'); err != nil {
		return nil // stopped before it was started
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	go func() {
		_, _ = io.Copy(io.Discard, in)
		stop()
	}()
	for i := 0; ctx.Err() == nil; i++ {
		if _, err := client.CreateEmbedToken(ctx, userRequest(i)); err != nil && ctx.Err() == nil {
			return err
		}
	}
	s := fl.Stats()
	fmt.Printf("stats %d %d\n", s.RedisErrors, s.Fallbacks)
	return nil
}

// countingFake counts the mints it serves, with their admission and
// arrival times, and signals when the count reaches a mark.
type countingFake struct {
	fake *tencenttest.Server

	mu       sync.Mutex
	admitted []time.Time
	arrived  []time.Time
	marks    map[int]chan struct{}
}

func (c *countingFake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("X-TC-Action") == "CreateEmbedToken" {
		ns, _ := strconv.ParseInt(r.Header.Get(admittedHeader), 10, 64)
		c.mu.Lock()
		c.admitted = append(c.admitted, time.Unix(0, ns))
		c.arrived = append(c.arrived, time.Now())
		if ch, ok := c.marks[len(c.admitted)]; ok {
			close(ch)
			delete(c.marks, len(c.admitted))
		}
		c.mu.Unlock()
	}
	c.fake.ServeHTTP(w, r)
}

// reach returns a channel closed once n mints were counted.
func (c *countingFake) reach(n int) <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan struct{})
	if len(c.admitted) >= n {
		close(ch)
		return ch
	}
	c.marks[n] = ch
	return ch
}

func (c *countingFake) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.admitted)
}

// Item 12 with real processes and a real outage: four replica processes
// share 10/s (burst 4) through one redis-server. Replica 0 mints alone
// until 12 mints; then Redis is killed, and replicas 1, 2 and 3 start two
// mints apart, so each learns of the outage (and ends its Cooldown) at
// another time; after 22 mints Redis is restarted (empty, or from a
// snapshot taken after 8), the replicas come back one by one, and after 25
// more they stop. No one-second window holds more than Rate+Burst = 14
// admissions. (With full local buckets at the start of the outage, as
// before local shares started empty, the second holding the kill saw 15.) Phases follow counts, never durations; the run takes a few
// seconds of real time. The windows are taken on the admission times the
// replicas put on each request (the limiter's decision): the times
// requests arrive at the server also carry the scheduling of eight busy
// processes on a small machine, which the log shows but the test does not
// judge.
func TestFleetBudgetAcrossRedisOutageInProcesses(t *testing.T) {
	for _, restart := range []string{"empty", "stale"} {
		t.Run(restart, func(t *testing.T) {
			t.Parallel()
			srv := redistest.Start(t)
			counting := &countingFake{fake: tencenttest.NewTestServer(t), marks: map[int]chan struct{}{}}
			front := httptest.NewServer(counting)
			t.Cleanup(front.Close)
			var stdins []io.WriteCloser
			var cmds []*exec.Cmd
			var outs []*bytes.Buffer
			for range procReplicas {
				cmd, out := prepareChild(t, front.URL, srv.Addr(), "budget")
				stdins, cmds, outs = append(stdins, childStdin(t, cmd)), append(cmds, cmd), append(outs, out)
			}
			for _, cmd := range cmds {
				if err := cmd.Start(); err != nil {
					t.Fatalf("start replica process: %v", err)
				}
			}
			await := func(n int, what string) {
				t.Helper()
				select {
				case <-counting.reach(n):
				case <-time.After(2 * time.Minute):
					t.Fatalf("the replicas made %d mints, not %d, %s", counting.count(), n, what)
				}
			}
			begin := func(i int) {
				t.Helper()
				if _, err := io.WriteString(stdins[i], "go\n"); err != nil {
					t.Fatalf("start replica %d: %v", i, err)
				}
			}
			begin(0)
			if restart == "stale" {
				await(8, "before the snapshot")
				srv.Snapshot()
			}
			await(12, "before the outage")
			srv.Kill()
			for i := 1; i < procReplicas; i++ {
				begin(i)
				await(12+2*i, "during the outage")
			}
			await(22, "during the outage")
			if restart == "stale" {
				srv.RestartFromSnapshot()
			} else {
				srv.Restart()
			}
			await(47, "after the outage")
			for _, in := range stdins {
				_ = in.Close()
			}
			fallbacks := 0
			for i, cmd := range cmds {
				if err := cmd.Wait(); err != nil {
					t.Fatalf("replica process %d: %v\n%s", i, err, outs[i])
				}
				sc := bufio.NewScanner(outs[i])
				for sc.Scan() {
					if f := strings.Fields(sc.Text()); len(f) == 3 && f[0] == "stats" {
						n, _ := strconv.Atoi(f[2])
						fallbacks += n
					}
				}
			}
			counting.mu.Lock()
			admitted, arrived := counting.admitted, counting.arrived
			counting.mu.Unlock()
			most, at := maxInOneSecond(admitted)
			mostArrived, _ := maxInOneSecond(arrived)
			first := slices.MinFunc(admitted, func(a, b time.Time) int { return a.Compare(b) })
			sorted := slices.SortedFunc(slices.Values(admitted), func(a, b time.Time) int { return a.Compare(b) })
			later, laterAt := maxInOneSecond(sorted[12:])
			t.Logf("%d mints; most in one second: %d admitted (from %v), %d arrived; after the outage began: %d (from %v); %d fallbacks",
				len(admitted), most, at.Sub(first), mostArrived, later, laterAt.Sub(first), fallbacks)
			if fallbacks < procReplicas {
				t.Fatalf("%d fallbacks in %d replicas: the outage proved nothing", fallbacks, procReplicas)
			}
			if most > procRate+procBurst {
				t.Fatalf("%d admissions in the second from %v, want at most rate+burst = %d", most, at.Sub(first), procRate+procBurst)
			}
		})
	}
}

// childStdin returns a pipe to cmd's stdin (before cmd starts).
func childStdin(t *testing.T, cmd *exec.Cmd) io.WriteCloser {
	t.Helper()
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	return in
}
