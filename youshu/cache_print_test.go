package youshu_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/biembed/biembed-go/internal/testkit/leaktest"
	"github.com/biembed/biembed-go/youshu"
	"github.com/biembed/biembed-go/youshu/youshutest"
)

// TestYoushuCachePrintsOnlyCountsWhileMinting: printing a Cache, with any
// verb or slog handler, while Gets mint shows only counts (never a token or
// a key) and does not race with the minting (run with -race).
func TestYoushuCachePrintsOnlyCountsWhileMinting(t *testing.T) {
	t.Parallel()
	srv := youshutest.NewTestServer(t)
	cache := newCache(t, newClient(t, srv), youshu.CacheOptions{})
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		tokens []string
	)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok, err := cache.Get(context.Background(), fmt.Sprint("key-", i), reportRequest())
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
		if strings.Contains(out, "key-") {
			t.Fatalf("printed the index: %s", out)
		}
	}
}
