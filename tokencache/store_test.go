package tokencache_test

import (
	"testing"
	"time"

	"github.com/biembed/biembed-go/internal/testkit/storetest"
	"github.com/biembed/biembed-go/tokencache"
)

func TestMemoryStoreKeepsTheStoreContract(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(*testing.T) tokencache.Store { return tokencache.NewMemoryStore(0, 0) })
	storetest.Run(t, func(*testing.T) tokencache.Store { return tokencache.NewMemoryStore(3, time.Hour) })
}
