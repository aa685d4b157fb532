// Package otelbiembed reports biembed-go's clients, token caches, rate
// limiters and Redis fleets to OpenTelemetry. It is a module of its own
// (github.com/biembed/biembed-go/otel): the SDK needs no OpenTelemetry.
// Give a client Transport and Limiter, a cache's Options OnEvent, and call
// ObserveFleet once per redisstore.Fleet. A nil provider is the global one.
//
// Transport records a client span per HTTP attempt, retries included, after
// the HTTP client conventions: named after the method and action ("POST
// CreateEmbedToken", "GET rmToken"), with http.request.method,
// server.address, server.port, url.full, http.response.status_code,
// error.type and biembed.action. url.full has every query value (Youshu
// sends tokens there) and any user info REDACTED, and no fragment. No body,
// header or error message is recorded and no trace context is sent. The
// span ends when the response headers arrive.
//
// The meter github.com/biembed/biembed-go/otel has three instruments:
//
//	biembed.cache.events             counter   {event}  OnEvent       biembed.vendor biembed.cache.event [error.type]
//	biembed.ratelimit.wait.duration  histogram s        Limiter       biembed.action [error.type]
//	biembed.fleet.events             counter   {event}  ObserveFleet  biembed.vendor biembed.fleet.event
//
// biembed.cache.event is the tokencache.EventKind's name: mint, hit, miss,
// refresh_failed, refresh, error, bypass, forget, revoke, stale, extend or
// unknown. biembed.fleet.event counts redisstore.Stats: fallback (Redis
// unavailable, the store or limiter turned to its local fallback),
// redis_error or unreadable (an entry that would not open: foreign SealKey,
// tampered). error.type, on failures only, is the vendor's error code when
// there is one (a *tencent.Error's Code, a *youshu.Error's code or HTTP
// status), else a kind ("timeout", "canceled", "network", ...) or the
// error's Go type: never a message, and "_OTHER" for a code that is not a
// short identifier. By error.type, biembed.cache.events counts vendor errors.
package otelbiembed

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
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

const scope = "github.com/biembed/biembed-go/otel" // the tracer's and the meter's name

// Transport returns a RoundTripper for tencent.WithTransport or
// youshu.WithTransport that sends through base (nil: as the clients do, a
// clone of http.DefaultTransport reading at most 64 KiB of headers), with a
// span per request on a tracer of tp.
func Transport(base http.RoundTripper, tp trace.TracerProvider) http.RoundTripper {
	if base == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxResponseHeaderBytes = 64 << 10
		base = t
	}
	if tp == nil {
		tp = otel.GetTracerProvider()
	}
	tracer := tp.Tracer(scope, trace.WithSchemaURL(semconv.SchemaURL))
	return roundTripFunc(func(req *http.Request) (*http.Response, error) {
		u, method := req.URL, cmp.Or(req.Method, http.MethodGet)
		port, err := strconv.Atoi(u.Port())
		if err != nil {
			port = map[string]int{"http": 80, "https": 443}[u.Scheme]
		}
		attrs := []attribute.KeyValue{semconv.HTTPRequestMethodKey.String(method), semconv.ServerAddress(u.Hostname()),
			semconv.ServerPort(port), semconv.URLFull(scrub(u))}
		name, action := method, req.Header.Get("X-TC-Action") // Tencent's
		if _, endpoint, ok := strings.Cut(u.Path, "/api/dash/util/"); ok && action == "" {
			action = endpoint // Youshu's
		}
		if action = identifier(action); action != "" {
			name += " " + action
			attrs = append(attrs, attribute.String("biembed.action", action))
		}
		ctx, span := tracer.Start(req.Context(), name, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
		defer span.End()
		resp, err := base.RoundTrip(req.WithContext(ctx))
		errType := ""
		if err != nil {
			errType = errorType(err)
		} else {
			span.SetAttributes(semconv.HTTPResponseStatusCode(resp.StatusCode))
			if resp.StatusCode >= 400 {
				errType = strconv.Itoa(resp.StatusCode)
			}
		}
		if errType != "" { // never an error's message
			span.SetAttributes(semconv.ErrorTypeKey.String(errType))
			span.SetStatus(codes.Error, errType)
		}
		return resp, err
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

// scrub returns u without secrets: query values, user info, fragment.
func scrub(u *url.URL) string {
	c, q := *u, u.Query()
	if c.User != nil {
		c.User = url.UserPassword("REDACTED", "REDACTED")
	}
	for k := range q {
		q[k] = []string{"REDACTED"}
	}
	c.RawQuery, c.ForceQuery, c.Fragment, c.RawFragment = q.Encode(), false, "", ""
	return c.String()
}

// identifier returns s if it is a short identifier, else "": bounded
// cardinality.
func identifier(s string) string {
	if !shortIdentifier.MatchString(s) {
		return ""
	}
	return s
}

var shortIdentifier = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// OnEvent returns a tokencache.Options.OnEvent hook counting each Event on
// biembed.cache.events, with biembed.vendor set to vendor.
func OnEvent(mp metric.MeterProvider, vendor string) func(tokencache.Event) {
	events, err := meter(mp).Int64Counter("biembed.cache.events", metric.WithUnit("{event}"),
		metric.WithDescription("Events of a biembed token cache: hits, misses, mints, refresh failures, vendor errors."))
	handle(err)
	return func(e tokencache.Event) {
		attrs := []attribute.KeyValue{attribute.String("biembed.vendor", vendor), attribute.String("biembed.cache.event", e.Kind.String())}
		if e.Err != nil {
			attrs = append(attrs, semconv.ErrorTypeKey.String(errorType(e.Err)))
		}
		events.Add(context.Background(), 1, metric.WithAttributes(attrs...))
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
	return limiterFunc(func(ctx context.Context, action string) error {
		start := time.Now()
		err := l.Wait(ctx, action)
		attrs := []attribute.KeyValue{attribute.String("biembed.action", cmp.Or(identifier(action), "_OTHER"))}
		if err != nil {
			attrs = append(attrs, semconv.ErrorTypeKey.String(errorType(err)))
		}
		wait.Record(ctx, time.Since(start).Seconds(), metric.WithAttributes(attrs...))
		return err
	})
}

type limiterFunc func(ctx context.Context, action string) error

func (f limiterFunc) Wait(ctx context.Context, action string) error { return f(ctx, action) }

// ObserveFleet reports fleet.Stats() on biembed.fleet.events at each
// collection, with biembed.vendor set to vendor: once per fleet, each with
// its own name. Unregister the result when the fleet goes.
func ObserveFleet(mp metric.MeterProvider, vendor string, fleet *redisstore.Fleet) (metric.Registration, error) {
	if fleet == nil {
		return nil, &biembed.ValidationError{Field: "fleet", Rule: "must not be nil"}
	}
	m := meter(mp)
	events, err := m.Int64ObservableCounter("biembed.fleet.events", metric.WithUnit("{event}"),
		metric.WithDescription("What a biembed fleet met: Redis fallbacks, Redis errors, unreadable entries."))
	if err != nil {
		return nil, err
	}
	return m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		s := fleet.Stats()
		for event, n := range map[string]uint64{"fallback": s.Fallbacks, "redis_error": s.RedisErrors, "unreadable": s.Unreadable} {
			o.ObserveInt64(events, int64(n), metric.WithAttributes(attribute.String("biembed.vendor", vendor), attribute.String("biembed.fleet.event", event)))
		}
		return nil
	}, events)
}

func meter(mp metric.MeterProvider) metric.Meter {
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	return mp.Meter(scope, metric.WithSchemaURL(semconv.SchemaURL))
}

// handle reports an instrument the SDK would not make (the one it returned
// does nothing).
func handle(err error) {
	if err != nil {
		otel.Handle(err)
	}
}

// kinds name the errors without a code, first match wins.
var kinds = []struct {
	err  error
	name string
}{
	{context.DeadlineExceeded, "timeout"}, {youshu.ErrTimeout, "timeout"}, {context.Canceled, "canceled"},
	{youshu.ErrNetwork, "network"}, {biembed.ErrInvalid, "invalid"}, {tokencache.ErrClosed, "closed"},
	{tokencache.ErrShortLived, "short_lived"}, {tokencache.ErrPanicked, "panicked"},
	{youshu.ErrMalformedResponse, "malformed_response"}, {youshu.ErrResponseTooLarge, "response_too_large"},
}

// errorType returns the error.type of err: a vendor code, a kind, or the Go
// type; never a message.
func errorType(err error) string {
	var te *tencent.Error
	var ye *youshu.Error
	switch {
	case errors.As(err, &te):
		return cmp.Or(identifier(te.Code), "_OTHER")
	case errors.As(err, &ye) && ye.Code != 0 && ye.Code != http.StatusOK:
		return strconv.Itoa(ye.Code)
	case ye != nil && ye.HTTPStatus >= 300:
		return strconv.Itoa(ye.HTTPStatus)
	}
	for _, k := range kinds {
		if errors.Is(err, k.err) {
			return k.name
		}
	}
	return semconv.ErrorType(err).Value.AsString()
}
