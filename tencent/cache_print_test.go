package tencent_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/biembed/biembed-go/internal/testkit/leaktest"
	"github.com/biembed/biembed-go/internal/tokencache"
	"github.com/biembed/biembed-go/tencent"
)

// TestCachePrintsOnlyCountsWhileMinting: printing a Cache, with any verb or
// slog handler, while Gets mint and track tokens shows only counts (never a
// token or a key) and does not race with the minting (run with -race).
func TestCachePrintsOnlyCountsWhileMinting(t *testing.T) {
	t.Parallel()
	cache, _, _ := cacheSetup(t, tokencache.NewFakeClock(time.Now()), tencent.CacheOptions{})
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		tokens []string
	)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req := pageRequest()
			req.TokenType, req.UserCorpID, req.UserID = tencent.TokenTypeSingleUser, "corp", fmt.Sprint("user-", i)
			tok, err := cache.Get(context.Background(), fmt.Sprint("key-", i), req)
			if err == nil {
				mu.Lock()
				tokens = append(tokens, tok.Value.Reveal())
				mu.Unlock()
			}
		}()
	}
	var outputs []string
	for range 20 {
		for _, verb := range leaktest.Verbs {
			outputs = append(outputs, fmt.Sprintf(verb, cache))
		}
		var logs strings.Builder
		slog.New(slog.NewJSONHandler(&logs, nil)).Info("m", "cache", cache)
		slog.New(slog.NewTextHandler(&logs, nil)).Info("m", "cache", cache)
		outputs = append(outputs, logs.String())
	}
	wg.Wait()
	require.Len(t, tokens, 8)
	for _, out := range outputs {
		for _, tok := range tokens {
			if strings.Contains(out, tok) {
				t.Fatalf("printed a token: %s", out)
			}
		}
		if strings.Contains(out, "key-") || strings.Contains(out, "corp") {
			t.Fatalf("printed the index: %s", out)
		}
	}
}
