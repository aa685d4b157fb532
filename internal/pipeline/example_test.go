package pipeline_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/biembed/biembed-go/internal/pipeline"
)

// A redirect is refused and the Attempt says so; Do retries what the
// attempt marks as worth retrying, then gives up.
func Example() {
	srv := httptest.NewServer(http.RedirectHandler("https://elsewhere.example/", http.StatusFound))
	defer srv.Close()
	client := &http.Client{Transport: pipeline.NewTransport(nil)}

	calls := 0
	err := pipeline.Do(context.Background(), pipeline.Policy{Timeout: time.Minute, Retries: 2, Base: time.Microsecond, Max: time.Microsecond},
		func(ctx context.Context, n int) (bool, error) {
			calls++
			ctx, attempt := pipeline.WithAttempt(ctx)
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
			resp, err := client.Do(req)
			if err == nil {
				resp.Body.Close()
			}
			return attempt.Redirect, fmt.Errorf("attempt %d: redirect %v, refused %v", n, attempt.Redirect, errors.Is(err, pipeline.ErrRefused))
		})
	fmt.Println(calls, err)
	// Output:
	// 3 attempt 3: redirect true, refused true
}
