package redisstore_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/biembed/biembed-go/redisstore"
)

// The SealKey never shows through fmt or slog.
func TestSealKeyNeverPrints(t *testing.T) {
	key := []byte("0123456789abcdef0123456789ABCDEF")
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	t.Cleanup(func() { _ = rdb.Close() })
	opts := redisstore.Options{Prefix: "p:", SealKey: key}
	store, err := redisstore.NewStore[string](rdb, stringCodec{}, opts)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
		fmt.Fprintf(&out, verb+" "+verb+"\n", opts, store)
	}
	slog.New(slog.NewTextHandler(&out, nil)).Info("x", "opts", opts, "store", store)
	slog.New(slog.NewJSONHandler(&out, nil)).Info("x", "opts", opts, "store", store)
	for _, form := range []string{string(key), fmt.Sprintf("%x", key), fmt.Sprint(key), "MDEyMzQ1Njc4"} {
		if strings.Contains(out.String(), form) {
			t.Fatalf("the SealKey leaked as %q in:\n%s", form, out.String())
		}
	}
}
