package biembed_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/biembed/biembed-go/biembed"
)

// A Secret prints as a mask everywhere; Reveal is the only way to the value.
func Example() {
	key := biembed.NewSecret("my-secret-key")
	fmt.Println(key.Reveal() == "my-secret-key", len(fmt.Sprintf("%v", key)) == len("***#")+6)
	var log strings.Builder
	slog.New(slog.NewJSONHandler(&log, nil)).Info("configured", "key", key)
	fmt.Println(strings.Contains(log.String(), "my-secret-key"))

	limiter, err := biembed.NewRateLimiter(20, 1) // Tencent's 20 requests a second per action
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := limiter.Wait(context.Background(), "CreateEmbedToken"); err != nil {
		fmt.Println(err)
	}
	_, err = biembed.NewRateLimiter(0, 1)
	fmt.Println(err, errors.Is(err, biembed.ErrInvalid), biembed.Retryable(err))
	// Output:
	// true true
	// false
	// invalid perSecond: must be positive (math.Inf(1) for no limit) true false
}
