// Package otelbiembed reports the biembed-go clients, caches, rate limiters
// and Redis fleets to OpenTelemetry. It is a module of its own
// (github.com/biembed/biembed-go/otel): the SDK needs no OpenTelemetry.
//
//	client, err := tencent.NewClient(
//		tencent.WithTransport(otelbiembed.Transport(nil, tp)),
//		tencent.WithRateLimiter(otelbiembed.Limiter(fleet.Limiter, mp)))
//	cache, err := tencent.NewCache(client, tokencache.Options{Store: fleet.Store,
//		OnEvent: otelbiembed.OnEvent(mp, "tencent")})
//	reg, err := otelbiembed.ObserveFleet(mp, "tencent", fleet)
//
// Transport records one client span per HTTP attempt (retries included)
// after the OpenTelemetry HTTP client conventions: named "POST
// CreateEmbedToken", "GET rmToken" (method and vendor action), with
// http.request.method, server.address, server.port, url.full,
// http.response.status_code, error.type and biembed.action (Tencent's
// X-TC-Action header, Youshu's endpoint). url.full holds no secret: each
// query value is REDACTED (Youshu sends tokens in the query), user info is
// REDACTED:REDACTED, the fragment is dropped. Bodies, headers and error
// messages are never recorded; no trace context is sent to the vendors.
//
// The meter github.com/biembed/biembed-go/otel has these instruments:
//
//	biembed.cache.events              counter   {event}     OnEvent
//	biembed.ratelimit.wait.duration   histogram s           Limiter
//	biembed.fleet.redis_errors        counter   {error}     ObserveFleet: Stats.RedisErrors
//	biembed.fleet.unreadable_entries  counter   {entry}     ObserveFleet: Stats.Unreadable
//	biembed.fleet.fallbacks           counter   {fallback}  ObserveFleet: Stats.Fallbacks
//
// Their attributes: biembed.vendor, the name given to OnEvent or
// ObserveFleet; biembed.cache.event, the tokencache.EventKind's name (hit,
// miss, mint, refresh, refresh_failed, error, bypass, forget, revoke,
// stale, extend); biembed.action, the limited action; error.type on failed
// events and waits. error.type is a code, never a message: a
// *tencent.Error's Code, a *youshu.Error's code or else HTTP status ("743",
// "503") or else kind ("network"), "timeout", "canceled", "invalid",
// "closed", "short_lived", "panicked", or else the error's Go type. Codes
// that are not short identifiers become "_OTHER": cardinality stays bounded
// whatever a server answers. A nil provider means the global one.
package otelbiembed

import (
	"context"
	"errors"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/biembed/biembed-go/biembed"
	"github.com/biembed/biembed-go/redisstore"
	"github.com/biembed/biembed-go/tencent"
	"github.com/biembed/biembed-go/tokencache"
	"github.com/biembed/biembed-go/youshu"
)

const (
	scope     = "github.com/biembed/biembed-go/otel" // the tracer's and the meter's name
	actionKey = attribute.Key("biembed.action")
	vendorKey = attribute.Key("biembed.vendor")
	eventKey  = attribute.Key("biembed.cache.event")
)

// Transport returns a RoundTripper for tencent.WithTransport or
// youshu.WithTransport: it sends through base and records a client span
// per request on a tracer of tp. A nil base is what the clients use by
// default: a clone of http.DefaultTransport reading at most 64 KiB of
// response headers.
func Transport(base http.RoundTripper, tp trace.TracerProvider) http.RoundTripper {
	if base == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxResponseHeaderBytes = 64 << 10
		base = t
	}
	if tp == nil {
		tp = otel.GetTracerProvider()
	}
	return &transport{base: base, tracer: tp.Tracer(scope, trace.WithSchemaURL(semconv.SchemaURL))}
}

type transport struct {
	base   http.RoundTripper
	tracer trace.Tracer
}

var (
	methods = map[string]bool{"GET": true, "HEAD": true, "POST": true, "PUT": true, "PATCH": true,
		"DELETE": true, "CONNECT": true, "OPTIONS": true, "TRACE": true}
	ports = map[string]int{"http": 80, "https": 443}
)

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	u, method, name := req.URL, or(req.Method, http.MethodGet), or(req.Method, http.MethodGet)
	attrs := []attribute.KeyValue{semconv.ServerAddress(u.Hostname()), semconv.URLFull(scrub(u))}
	port, _ := strconv.Atoi(u.Port())
	if port == 0 {
		port = ports[u.Scheme]
	}
	if port > 0 {
		attrs = append(attrs, semconv.ServerPort(port))
	}
	if !methods[method] {
		attrs = append(attrs, semconv.HTTPRequestMethodOriginal(method))
		method, name = "_OTHER", "HTTP"
	}
	action := req.Header.Get("X-TC-Action") // Tencent
	if i := strings.LastIndex(u.Path, "/api/dash/util/"); action == "" && i >= 0 {
		action = u.Path[i+len("/api/dash/util/"):] // Youshu
	}
	if action = identifier(action); action != "" {
		name += " " + action
		attrs = append(attrs, actionKey.String(action))
	}
	attrs = append(attrs, semconv.HTTPRequestMethodKey.String(method))
	ctx, span := t.tracer.Start(req.Context(), name, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
	resp, err := t.base.RoundTrip(req.WithContext(ctx))
	if err != nil {
		fail(span, errorType(err))
		span.End()
		return resp, err
	}
	span.SetAttributes(semconv.HTTPResponseStatusCode(resp.StatusCode))
	if resp.StatusCode >= 400 {
		fail(span, strconv.Itoa(resp.StatusCode))
	}
	if resp.Body == nil {
		span.End()
	} else {
		resp.Body = &body{ReadCloser: resp.Body, span: span}
	}
	return resp, nil
}

// CloseIdleConnections closes the idle connections of base.
func (t *transport) CloseIdleConnections() {
	if c, ok := t.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// scrub returns u without secrets: query values, user info, fragment.
func scrub(u *url.URL) string {
	c := *u
	if c.User != nil {
		c.User = url.UserPassword("REDACTED", "REDACTED")
	}
	q := c.Query()
	for k := range q {
		q[k] = []string{"REDACTED"}
	}
	c.RawQuery, c.ForceQuery, c.Fragment, c.RawFragment = q.Encode(), false, "", ""
	return c.String()
}

// identifier returns s if it is a short identifier (at most 64 letters,
// digits, '.', '_' or '-'), else "": bounded cardinality.
func identifier(s string) string {
	if len(s) > 64 || strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-')
	}) >= 0 {
		return ""
	}
	return s
}

// fail marks span failed with errType, never with an error's message.
func fail(span trace.Span, errType string) {
	span.SetAttributes(semconv.ErrorTypeKey.String(errType))
	span.SetStatus(codes.Error, errType)
}

// body ends its span once read to the end, failed or closed.
type body struct {
	io.ReadCloser
	span trace.Span
	once sync.Once
}

func (b *body) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil {
		b.end(err)
	}
	return n, err
}

func (b *body) Close() error {
	err := b.ReadCloser.Close()
	b.end(io.EOF)
	return err
}

func (b *body) end(err error) {
	b.once.Do(func() {
		if err != io.EOF {
			fail(b.span, errorType(err))
		}
		b.span.End()
	})
}

// OnEvent returns a tokencache.Options.OnEvent hook that counts each Event
// on biembed.cache.events, with biembed.vendor set to vendor. It allocates
// nothing for an event without an error.
func OnEvent(mp metric.MeterProvider, vendor string) func(tokencache.Event) {
	events, err := meter(mp).Int64Counter("biembed.cache.events", metric.WithUnit("{event}"),
		metric.WithDescription("Events of a biembed token cache: hits, misses, mints, refreshes, failures, revocations."))
	handle(err)
	var sets []metric.AddOption // by EventKind; 0 is "unknown"
	for k := tokencache.EventKind(0); k == 0 || k.String() != "unknown"; k++ {
		sets = append(sets, metric.WithAttributeSet(attribute.NewSet(vendorKey.String(vendor), eventKey.String(k.String()))))
	}
	return func(e tokencache.Event) {
		switch {
		case e.Err != nil:
			events.Add(context.Background(), 1, metric.WithAttributes(vendorKey.String(vendor),
				eventKey.String(e.Kind.String()), semconv.ErrorTypeKey.String(errorType(e.Err))))
		case e.Kind > 0 && int(e.Kind) < len(sets):
			events.Add(context.Background(), 1, sets[e.Kind])
		default:
			events.Add(context.Background(), 1, sets[0])
		}
	}
}

// Limiter returns l timing each Wait on biembed.ratelimit.wait.duration.
// Wrap the limiter you give the client: fleet.Limiter, or one from
// biembed.NewRateLimiter in place of the client's default. A nil l gives
// nil.
func Limiter(l biembed.RateLimiter, mp metric.MeterProvider) biembed.RateLimiter {
	if l == nil {
		return nil
	}
	wait, err := meter(mp).Float64Histogram("biembed.ratelimit.wait.duration", metric.WithUnit("s"),
		metric.WithDescription("Time a biembed client waited for its rate limiter before an HTTP attempt."),
		metric.WithExplicitBucketBoundaries(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
	handle(err)
	return &limiter{l: l, wait: wait}
}

type limiter struct {
	l    biembed.RateLimiter
	wait metric.Float64Histogram
}

// Wait implements biembed.RateLimiter.
func (w *limiter) Wait(ctx context.Context, action string) error {
	start := time.Now()
	err := w.l.Wait(ctx, action)
	attrs := []attribute.KeyValue{actionKey.String(or(identifier(action), "_OTHER"))}
	if err != nil {
		attrs = append(attrs, semconv.ErrorTypeKey.String(errorType(err)))
	}
	w.wait.Record(ctx, time.Since(start).Seconds(), metric.WithAttributes(attrs...))
	return err
}

// ObserveFleet reports fleet.Stats() on the biembed.fleet.* counters at each
// collection, with biembed.vendor set to vendor: once per fleet, each with
// its own name. Unregister the result when the fleet goes.
func ObserveFleet(mp metric.MeterProvider, vendor string, fleet *redisstore.Fleet) (metric.Registration, error) {
	if fleet == nil {
		return nil, &biembed.ValidationError{Field: "fleet", Rule: "must not be nil"}
	}
	m := meter(mp)
	redisErrors, err1 := m.Int64ObservableCounter("biembed.fleet.redis_errors", metric.WithUnit("{error}"),
		metric.WithDescription("Redis calls of a biembed fleet that failed: errors, timeouts, poisoned data."))
	unreadable, err2 := m.Int64ObservableCounter("biembed.fleet.unreadable_entries", metric.WithUnit("{entry}"),
		metric.WithDescription("Entries a biembed fleet could not open: foreign SealKey, tampered, replayed, undecodable."))
	fallbacks, err3 := m.Int64ObservableCounter("biembed.fleet.fallbacks", metric.WithUnit("{fallback}"),
		metric.WithDescription("Times a biembed fleet's store or limiter turned to its local fallback."))
	if err := errors.Join(err1, err2, err3); err != nil {
		return nil, err
	}
	set := metric.WithAttributeSet(attribute.NewSet(vendorKey.String(vendor)))
	return m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		s := fleet.Stats()
		o.ObserveInt64(redisErrors, int64(min(s.RedisErrors, math.MaxInt64)), set)
		o.ObserveInt64(unreadable, int64(min(s.Unreadable, math.MaxInt64)), set)
		o.ObserveInt64(fallbacks, int64(min(s.Fallbacks, math.MaxInt64)), set)
		return nil
	}, redisErrors, unreadable, fallbacks)
}

func meter(mp metric.MeterProvider) metric.Meter {
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	return mp.Meter(scope, metric.WithSchemaURL(semconv.SchemaURL))
}

// handle reports an instrument the SDK would not make; the instrument it
// returned still works or does nothing.
func handle(err error) {
	if err != nil {
		otel.Handle(err)
	}
}

// errorKinds name the errors without a code of their own, first match wins.
var errorKinds = []struct {
	err  error
	name string
}{
	{context.Canceled, "canceled"}, {biembed.ErrInvalid, "invalid"},
	{tokencache.ErrClosed, "closed"}, {tokencache.ErrShortLived, "short_lived"}, {tokencache.ErrPanicked, "panicked"},
	{youshu.ErrNetwork, "network"}, {youshu.ErrResponseTooLarge, "response_too_large"},
	{youshu.ErrMalformedResponse, "malformed_response"}, {youshu.ErrEmptyResponse, "empty_response"},
}

// errorType returns the error.type of err: a vendor code, a kind, or the Go
// type; never a message.
func errorType(err error) string {
	var te *tencent.Error
	var ye *youshu.Error
	var ne net.Error
	switch {
	case errors.As(err, &te):
		return or(identifier(te.Code), "_OTHER")
	case errors.As(err, &ye) && ye.Code != 0 && ye.Code != http.StatusOK:
		return strconv.Itoa(ye.Code)
	case ye != nil && ye.HTTPStatus != 0 && ye.HTTPStatus/100 != 2:
		return strconv.Itoa(ye.HTTPStatus)
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, youshu.ErrTimeout) || errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	}
	for _, k := range errorKinds {
		if errors.Is(err, k.err) {
			return k.name
		}
	}
	return semconv.ErrorType(err).Value.AsString()
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
