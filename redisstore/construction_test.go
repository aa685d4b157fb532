package redisstore_test

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/biembed/biembed-go/biembed"
	"github.com/biembed/biembed-go/redisstore"
)

// wrappedClient is a UniversalClient that is none of go-redis's three.
type wrappedClient struct{ *redis.Client }

// Mistakes caught at start-up: every bad client and option is refused by
// NewFleet with a *biembed.ValidationError naming the field, whose text
// never quotes a value.
func TestHostileConstruction(t *testing.T) {
	const sentinelKey = "SENTINEL-SEALKEY-15"
	ok := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", ContextTimeoutEnabled: true})
	noDeadlines := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	cluster := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{"127.0.0.1:1"}, ContextTimeoutEnabled: true})
	ring := redis.NewRing(&redis.RingOptions{Addrs: map[string]string{"a": "127.0.0.1:1"}, ContextTimeoutEnabled: true})
	ringNoDeadlines := redis.NewRing(&redis.RingOptions{Addrs: map[string]string{"a": "127.0.0.1:1"}})
	for _, c := range []interface{ Close() error }{ok, noDeadlines, cluster, ring, ringNoDeadlines} {
		t.Cleanup(func() { _ = c.Close() })
	}
	var (
		nilClient  *redis.Client
		nilCluster *redis.ClusterClient
		nilRing    *redis.Ring
	)
	good := redisstore.Options{Prefix: "p:", SealKey: testKey()}
	with := func(f func(o *redisstore.Options)) redisstore.Options { o := good; f(&o); return o }
	for _, c := range []struct {
		name  string
		rdb   redis.UniversalClient
		opts  redisstore.Options
		field string
		hint  string // the rule must say this
	}{
		{"nil rdb", nil, good, "rdb", ""},
		{"typed-nil *redis.Client", nilClient, good, "rdb", ""},
		{"typed-nil *redis.ClusterClient", nilCluster, good, "rdb", ""},
		{"typed-nil *redis.Ring", nilRing, good, "rdb", ""},
		{"another UniversalClient", wrappedClient{ok}, good, "rdb", "*redis.Client"},
		{"ContextTimeoutEnabled false", noDeadlines, good, "rdb", "ContextTimeoutEnabled"},
		{"Ring without ContextTimeoutEnabled", ringNoDeadlines, good, "rdb", "ContextTimeoutEnabled"},
		{"empty Prefix", ok, with(func(o *redisstore.Options) { o.Prefix = "" }), "Prefix", ""},
		{"Prefix with a space", ok, with(func(o *redisstore.Options) { o.Prefix = "my app:" }), "Prefix", ""},
		{"Prefix with CR/LF", ok, with(func(o *redisstore.Options) { o.Prefix = "a\r\nb" }), "Prefix", ""},
		{"Prefix over 128 bytes", ok, with(func(o *redisstore.Options) { o.Prefix = strings.Repeat("p", 129) }), "Prefix", ""},
		{"missing SealKey", ok, with(func(o *redisstore.Options) { o.SealKey = biembed.Secret{} }), "SealKey", "openssl rand"},
		{"wrong-length SealKey", ok, with(func(o *redisstore.Options) { o.SealKey = biembed.NewSecret(sentinelKey) }), "SealKey", "32"},
		{"SealKey and Plaintext", ok, with(func(o *redisstore.Options) { o.Plaintext = true }), "SealKey", ""},
		{"negative Timeout", ok, with(func(o *redisstore.Options) { o.Timeout = -1 }), "Timeout", ""},
		{"negative Cooldown", ok, with(func(o *redisstore.Options) { o.Cooldown = -time.Second }), "Cooldown", ""},
		{"negative LockTTL", ok, with(func(o *redisstore.Options) { o.LockTTL = -1 }), "LockTTL", ""},
		{"NaN Rate", ok, with(func(o *redisstore.Options) { o.Rate = math.NaN() }), "Rate", ""},
		{"infinite Rate", ok, with(func(o *redisstore.Options) { o.Rate = math.Inf(1) }), "Rate", ""},
		{"negative Rate", ok, with(func(o *redisstore.Options) { o.Rate = -1 }), "Rate", ""},
		{"Rate over 1e6", ok, with(func(o *redisstore.Options) { o.Rate = 2e6 }), "Rate", ""},
		{"negative Burst", ok, with(func(o *redisstore.Options) { o.Burst = -1 }), "Burst", ""},
		{"negative Replicas", ok, with(func(o *redisstore.Options) { o.Replicas = -1 }), "Replicas", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			if constructionPending[c.name] {
				t.Skip("not fixed yet")
			}
			f, err := redisstore.NewFleet(c.rdb, c.opts)
			var ve *biembed.ValidationError
			if !errors.As(err, &ve) || ve.Field != c.field || !strings.Contains(ve.Rule, c.hint) {
				t.Fatalf("NewFleet = %v, %v; want a ValidationError naming %s (rule saying %q)", f, err, c.field, c.hint)
			}
			if strings.Contains(err.Error(), sentinelKey) || !errors.Is(err, biembed.ErrInvalid) {
				t.Fatalf("the error quotes a value or is not ErrInvalid: %v", err)
			}
		})
	}
	// The three clients, with ContextTimeoutEnabled, are accepted.
	for _, rdb := range []redis.UniversalClient{ok, cluster, ring} {
		if _, err := redisstore.NewFleet(rdb, good); err != nil {
			t.Fatalf("NewFleet(%T) = %v", rdb, err)
		}
	}
	if _, err := redisstore.NewFleet(ok, redisstore.Options{Prefix: "p:", Plaintext: true}); err != nil {
		t.Fatalf("Plaintext without a SealKey: %v", err)
	}
}

// constructionPending lists the rows NewFleet does not pass yet.
var constructionPending = map[string]bool{}
