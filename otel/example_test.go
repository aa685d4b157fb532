package otelbiembed_test

import (
	"context"
	"fmt"
	"sort"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/biembed/biembed-go/biembed"
	otelbiembed "github.com/biembed/biembed-go/otel"
	"github.com/biembed/biembed-go/tencent"
	"github.com/biembed/biembed-go/tencent/tencenttest"
	"github.com/biembed/biembed-go/tokencache"
)

// A Tencent client and cache reporting to an OpenTelemetry SDK (here, one
// keeping spans in memory and metrics until read). With a redisstore.Fleet,
// wrap fleet.Limiter instead and call ObserveFleet(mp, "tencent", fleet).
func Example() {
	srv := tencenttest.NewServer() // a fake Tencent BI
	defer srv.Close()
	spans, reader := tracetest.NewInMemoryExporter(), sdkmetric.NewManualReader()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	ctx := context.Background()
	defer func() { _ = tp.Shutdown(ctx); _ = mp.Shutdown(ctx) }()

	limiter, err := biembed.NewRateLimiter(20, 1)
	if err != nil {
		panic(err)
	}
	client, err := tencent.NewClient(tencent.WithSecret(tencenttest.SecretID, tencenttest.SecretKey),
		tencent.WithEndpoint(srv.URL()), tencent.WithTransport(otelbiembed.Transport(nil, tp)),
		tencent.WithRateLimiter(otelbiembed.Limiter(limiter, mp)))
	if err != nil {
		panic(err)
	}
	cache, err := tencent.NewCache(client, tokencache.Options{OnEvent: otelbiembed.OnEvent(mp, "tencent")})
	if err != nil {
		panic(err)
	}
	defer cache.Close()
	for range 2 { // a miss and its mint, then a hit
		if _, err := cache.Get(ctx, tencent.NewPageRequest(117, 11520)); err != nil {
			panic(err)
		}
	}

	for _, s := range spans.GetSpans() {
		fmt.Println("span:", s.Name)
	}
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(ctx, &rm); err != nil {
		panic(err)
	}
	var lines []string
	for _, m := range rm.ScopeMetrics[0].Metrics {
		switch data := m.Data.(type) {
		case metricdata.Sum[int64]:
			for _, p := range data.DataPoints {
				lines = append(lines, fmt.Sprintf("%s{%s} %d", m.Name, p.Attributes.Encoded(attribute.DefaultEncoder()), p.Value))
			}
		case metricdata.Histogram[float64]:
			for _, p := range data.DataPoints {
				lines = append(lines, fmt.Sprintf("%s{%s} count %d", m.Name, p.Attributes.Encoded(attribute.DefaultEncoder()), p.Count))
			}
		}
	}
	sort.Strings(lines)
	for _, l := range lines {
		fmt.Println(l)
	}
	// Output:
	// span: POST CreateEmbedToken
	// biembed.cache.events{biembed.cache.event=hit,biembed.vendor=tencent} 1
	// biembed.cache.events{biembed.cache.event=mint,biembed.vendor=tencent} 1
	// biembed.cache.events{biembed.cache.event=miss,biembed.vendor=tencent} 1
	// biembed.ratelimit.wait.duration{biembed.action=CreateEmbedToken} count 1
}
