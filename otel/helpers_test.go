package otelbiembed_test

import (
	"context"
	"net/http"
	"sort"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	// go-redis probes a server that refused a dial in a background goroutine
	// that ends, within a second, once its client is closed (as in redisstore).
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("github.com/redis/go-redis/v9/internal/pool.(*ConnPool).tryDial"))
}

// kit is one test's telemetry: spans kept in memory, metrics read on demand,
// and the HTTP transport under the instrumented one.
type kit struct {
	spans  *tracetest.InMemoryExporter
	tp     *sdktrace.TracerProvider
	reader *sdkmetric.ManualReader
	mp     *sdkmetric.MeterProvider
	base   *http.Transport
}

func newKit(t *testing.T) *kit {
	t.Helper()
	k := &kit{spans: tracetest.NewInMemoryExporter(), reader: sdkmetric.NewManualReader(), base: &http.Transport{}}
	k.tp = sdktrace.NewTracerProvider(sdktrace.WithSyncer(k.spans))
	k.mp = sdkmetric.NewMeterProvider(sdkmetric.WithReader(k.reader))
	t.Cleanup(func() {
		k.base.CloseIdleConnections()
		_ = k.tp.Shutdown(context.Background())
		_ = k.mp.Shutdown(context.Background())
	})
	return k
}

// collect reads every metric now.
func (k *kit) collect(t *testing.T) metricdata.ResourceMetrics {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := k.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatalf("Collect: %v", err)
	}
	return rm
}

// find returns the metric called name, or fails t.
func find(t *testing.T, rm metricdata.ResourceMetrics, name string) metricdata.Metrics {
	t.Helper()
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name == name {
				if sm.Scope.Name != "github.com/biembed/biembed-go/otel" {
					t.Errorf("%s: scope %q", name, sm.Scope.Name)
				}
				return m
			}
		}
	}
	t.Fatalf("no metric %s in %v", name, names(rm))
	return metricdata.Metrics{}
}

func names(rm metricdata.ResourceMetrics) []string {
	var out []string
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			out = append(out, m.Name)
		}
	}
	return out
}

// has reports whether set holds every attribute of want.
func has(set attribute.Set, want ...attribute.KeyValue) bool {
	for _, kv := range want {
		if v, ok := set.Value(kv.Key); !ok || v != kv.Value {
			return false
		}
	}
	return true
}

// sum adds the points of the counter name whose attributes hold want.
func sum(t *testing.T, rm metricdata.ResourceMetrics, name string, want ...attribute.KeyValue) int64 {
	t.Helper()
	s, ok := find(t, rm, name).Data.(metricdata.Sum[int64])
	if !ok || !s.IsMonotonic || s.Temporality != metricdata.CumulativeTemporality {
		t.Fatalf("%s is not a cumulative monotonic int64 sum", name)
	}
	var n int64
	for _, p := range s.DataPoints {
		if has(p.Attributes, want...) {
			n += p.Value
		}
	}
	return n
}

// attrs returns the attribute sets of the points of the counter name, as
// sorted strings.
func attrs(t *testing.T, rm metricdata.ResourceMetrics, name string) []string {
	t.Helper()
	var out []string
	for _, p := range find(t, rm, name).Data.(metricdata.Sum[int64]).DataPoints {
		out = append(out, p.Attributes.Encoded(attribute.DefaultEncoder()))
	}
	sort.Strings(out)
	return out
}

// spanAttrs returns a span's attributes by key.
func spanAttrs(s tracetest.SpanStub) map[attribute.Key]attribute.Value {
	m := map[attribute.Key]attribute.Value{}
	for _, kv := range s.Attributes {
		m[kv.Key] = kv.Value
	}
	return m
}

// noSecretIn fails t when a span's name, attributes, status or events hold
// any of secrets.
func noSecretIn(t *testing.T, spans tracetest.SpanStubs, secrets []string) {
	t.Helper()
	for _, s := range spans {
		texts := []string{s.Name, s.Status.Description}
		for _, kv := range s.Attributes {
			texts = append(texts, string(kv.Key), kv.Value.String())
		}
		for _, e := range s.Events {
			texts = append(texts, e.Name)
			for _, kv := range e.Attributes {
				texts = append(texts, kv.Value.String())
			}
		}
		for _, secret := range secrets {
			if secret == "" {
				continue
			}
			for _, text := range texts {
				if strings.Contains(text, secret) {
					t.Errorf("span %q records a secret: %q holds %q", s.Name, text, secret)
				}
			}
		}
	}
}

// roundTripFunc is a RoundTripper made of a function.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
