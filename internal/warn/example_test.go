package warn_test

import (
	"context"
	"log/slog"
	"os"

	"github.com/biembed/biembed-go/internal/warn"
)

// A degraded mode logs one line when it starts and one when it ends,
// however often it is reported in between.
func Example() {
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey || a.Key == "lasted" {
			return slog.Attr{}
		}
		return a
	}}))
	var redisDown warn.Condition
	redisDown.Msg = "Redis unavailable"
	ctx := context.Background()
	for range 3 {
		redisDown.Set(ctx, logger, true, slog.String("reason", "timeout"))
	}
	redisDown.Set(ctx, logger, false)
	// Output:
	// level=WARN msg="Redis unavailable" reason=timeout episodes=1
	// level=WARN msg="Redis unavailable: ended"
}
