package tencent_test

import (
	"context"
	"errors"
	"sync"
	"testing"

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
	lim := &countingLimiter{}
	client, srv := setup(t, nil, tencent.WithRateLimiter(lim), tencent.WithMaxRetries(1))
	srv.Inject(tencenttest.Fault{Action: tencent.ActionCreateEmbedToken, Code: "RequestLimitExceeded", Times: 1})
	mint(t, client, pageRequest())
	if len(lim.actions) != 2 || lim.actions[0] != tencent.ActionCreateEmbedToken || lim.actions[1] != tencent.ActionCreateEmbedToken {
		t.Fatalf("limiter saw %v, want CreateEmbedToken twice (attempt and retry)", lim.actions)
	}
}

func TestWithRateLimiterRefusalStopsTheCall(t *testing.T) {
	refusal := errors.New("budget store says no")
	client, srv := setup(t, nil, tencent.WithRateLimiter(&countingLimiter{refuse: refusal}))
	_, err := client.CreateEmbedToken(context.Background(), pageRequest())
	if !errors.Is(err, refusal) {
		t.Fatalf("err = %v, want one wrapping the limiter's error", err)
	}
	if n := srv.Count(tencent.ActionCreateEmbedToken); n != 0 {
		t.Fatalf("the fake got %d requests; a refused call must send none", n)
	}
}

func TestWithRateLimiterNil(t *testing.T) {
	_, err := tencent.NewClient(tencent.WithSecret("id", "key"), tencent.WithRateLimiter(nil))
	var ve *tencent.ValidationError
	if !errors.As(err, &ve) || ve.Field != "WithRateLimiter" {
		t.Fatalf("err = %v, want a ValidationError naming WithRateLimiter", err)
	}
}
