package youshu_test

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/biembed/biembed-go/youshu"
	"github.com/biembed/biembed-go/youshu/youshutest"
)

// TestConcurrentCalls shares one client among 100 goroutines (run with -race).
func TestConcurrentCalls(t *testing.T) {
	t.Parallel()
	srv := youshutest.NewTestServer(t)
	c := newClient(t, srv)
	var revoked sync.Map
	c.OnRevoke(func(token string) { revoked.Store(token, true) })

	const n = 100
	tokens := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok, err := c.GenToken(context.Background(), &youshu.GenTokenRequest{AuthUniqueID: "user", FilterMap: rowFilters()})
			if err != nil {
				errs[i] = err
				return
			}
			tokens[i] = tok.Value.Reveal()
			if i%2 == 0 {
				errs[i] = c.RemoveToken(context.Background(), tok.Value.Reveal())
			} else {
				errs[i] = c.RenewToken(context.Background(), tok.Value.Reveal())
			}
		}()
	}
	wg.Wait()
	for i := range n {
		assert.NoError(t, errs[i])
		_, removed := revoked.Load(tokens[i])
		assert.Equal(t, i%2 == 0, removed, "token %d", i)
	}
	assert.Equal(t, 2*n, srv.Count(youshu.EndpointGenToken))
	assert.Equal(t, n/2, srv.Count(youshu.EndpointRmToken))
}
