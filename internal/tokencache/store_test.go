package tokencache_test

import (
	"testing"

	"github.com/biembed/biembed-go/internal/tokencache"
	"github.com/biembed/biembed-go/internal/tokencache/storetest"
)

func TestMemoryStoreKeepsTheStoreContract(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(*testing.T) tokencache.Store[string] { return tokencache.NewMemoryStore[string]() })
}
