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

	"github.com/biembed/biembed-go/biembedtest"
	"github.com/biembed/biembed-go/tencent"
	"github.com/biembed/biembed-go/tokencache"
)

// TestCachePrintsOnlyCountsWhileMinting: printing a Cache, with any verb or
// slog handler, while Gets mint and track tokens shows only counts (never a
// token, a user or a request key) and does not race with the minting (run
// with -race).
func TestCachePrintsOnlyCountsWhileMinting(t *testing.T) {
	t.Parallel()
	var keys sync.Map
	cache, _, _ := cacheSetup(t, biembedtest.NewClock(time.Now()), tokencache.Options{OnEvent: func(e tokencache.Event) {
		if e.Key != "" {
			keys.Store(e.Key, true)
		}
	}})
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
			tok, err := cache.Get(context.Background(), req)
			if err == nil {
				mu.Lock()
				tokens = append(tokens, tok.Value.Reveal())
				mu.Unlock()
			}
		}()
	}
	var outputs []string
	for range 20 {
		for _, verb := range verbs {
			outputs = append(outputs, fmt.Sprintf(verb, cache))
		}
		var logs strings.Builder
		slog.New(slog.NewJSONHandler(&logs, nil)).Info("m", "cache", cache)
		slog.New(slog.NewTextHandler(&logs, nil)).Info("m", "cache", cache)
		outputs = append(outputs, logs.String())
	}
	wg.Wait()
	require.Len(t, tokens, 8)
	nkeys := 0
	keys.Range(func(k, _ any) bool {
		nkeys++
		for _, out := range outputs {
			if strings.Contains(out, k.(string)) {
				t.Fatalf("printed a request key: %s", out)
			}
		}
		return true
	})
	require.Equal(t, 8, nkeys)
	for _, out := range outputs {
		for _, tok := range tokens {
			if strings.Contains(out, tok) {
				t.Fatalf("printed a token: %s", out)
			}
		}
		if strings.Contains(out, "user-") || strings.Contains(out, "corp") {
			t.Fatalf("printed the index: %s", out)
		}
	}
}
