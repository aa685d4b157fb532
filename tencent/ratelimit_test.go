package tencent_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/biembed/biembed-go/biembed"
	"github.com/biembed/biembed-go/tencent"
	"github.com/biembed/biembed-go/tencent/tencenttest"
)

// countingLimiter records the actions it was asked for and can refuse.
type countingLimiter struct {
	mu      sync.Mutex
	actions []string
	refuse  error
}

func (l *countingLimiter) Wait(_ context.Context, action string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.actions = append(l.actions, action)
	return l.refuse
}

func TestWithRateLimiterIsAskedBeforeEveryAttempt(t *testing.T) {
	t.Parallel()
	lim := &countingLimiter{}
	client, srv := setup(t, nil, tencent.WithRateLimiter(lim), tencent.WithRetries(1))
	srv.Inject(tencenttest.Fault{Action: "CreateEmbedToken", Code: "RequestLimitExceeded", Times: 1})
	mint(t, client, pageRequest())
	lim.mu.Lock()
	defer lim.mu.Unlock()
	if len(lim.actions) != 2 || lim.actions[0] != "CreateEmbedToken" || lim.actions[1] != "CreateEmbedToken" {
		t.Fatalf("limiter saw %v, want CreateEmbedToken twice (attempt and retry)", lim.actions)
	}
}

func TestWithRateLimiterRefusalStopsTheCall(t *testing.T) {
	t.Parallel()
	refusal := errors.New("budget store says no")
	client, srv := setup(t, nil, tencent.WithRateLimiter(&countingLimiter{refuse: refusal}))
	_, err := client.CreateEmbedToken(context.Background(), pageRequest())
	asError(t, err)
	if !errors.Is(err, refusal) {
		t.Fatalf("err = %v, want one wrapping the limiter's error", err)
	}
	if n := srv.Count("CreateEmbedToken"); n != 0 {
		t.Fatalf("the fake got %d requests; a refused call must send none", n)
	}
}

// TestSharedRateLimiterPacesEveryClient: replicas that share a limiter
// share its budget: with a burst of 2 and a rate of 0.001/s, two clients
// get two requests through between them, and the third call waits until
// its deadline, sending nothing.
func TestSharedRateLimiterPacesEveryClient(t *testing.T) {
	t.Parallel()
	shared, err := biembed.NewRateLimiter(0.001, 2)
	if err != nil {
		t.Fatal(err)
	}
	a, srv := setup(t, nil, tencent.WithRateLimiter(shared))
	b := clientFor(t, srv, tencent.WithRateLimiter(shared))
	mint(t, a, pageRequest())
	mint(t, b, pageRequest())
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err = a.CreateEmbedToken(ctx, pageRequest())
	if !errors.Is(err, tencent.ErrTimeout) {
		t.Errorf("error = %v, want ErrTimeout: the shared budget is spent", err)
	}
	if n := srv.Count("CreateEmbedToken"); n != 2 {
		t.Errorf("count = %d, want 2", n)
	}
}
