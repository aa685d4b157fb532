package biembed_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/biembed/biembed-go/biembed"
)

const value = "tok-3f9a-SECRET-VALUE"

// holder is how the SDK's types carry a Secret: a field among others.
type holder struct {
	Name  string
	Token biembed.Secret
	inner *biembed.Secret
}

func TestSecretMasksEveryVerbAndHandler(t *testing.T) {
	s := biembed.NewSecret(value)
	h := holder{Name: "alice", Token: s, inner: &s}
	var outs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%t", "%T", "%10.3s", "%-8v", "%U", "%c", "%e", "%b", "%o", "%p"} {
		outs = append(outs, fmt.Sprintf(verb, s), fmt.Sprintf(verb, &s), fmt.Sprintf(verb, h), fmt.Sprintf(verb, &h), fmt.Sprintf(verb, []any{s, map[string]biembed.Secret{"k": s}}))
	}
	outs = append(outs, s.String(), s.GoString(), fmt.Sprint(s), fmt.Sprintln(h))
	for _, newHandler := range []func(*bytes.Buffer) slog.Handler{
		func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
		func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
	} {
		var buf bytes.Buffer
		slog.New(newHandler(&buf)).Info("m", "token", s, "holder", h, slog.Any("any", &h))
		outs = append(outs, buf.String())
	}
	b, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	outs = append(outs, string(b))
	for _, out := range outs {
		// the value, any 8 bytes of it, and its hex or base64 never show
		for i := 0; i+8 <= len(value); i++ {
			if strings.Contains(out, value[i:i+8]) {
				t.Fatalf("output %q shows part of the secret", out)
			}
		}
		if strings.Contains(out, fmt.Sprintf("%x", value)[:16]) {
			t.Fatalf("output %q shows the secret in hex", out)
		}
	}
	if got := s.String(); !strings.HasPrefix(got, "***#") || len(got) != len("***#")+6 {
		t.Fatalf("mask %q: want ***# and six hex digits", got)
	}
	if s.Reveal() != value {
		t.Fatalf("Reveal lost the value")
	}
}

func TestSecretEqualityJSONAndZero(t *testing.T) {
	a, b, c := biembed.NewSecret(value), biembed.NewSecret(value), biembed.NewSecret(value+"x")
	if a != b || !reflect.DeepEqual(a, b) || a.String() != b.String() {
		t.Fatal("equal values must give equal Secrets and masks")
	}
	if a == c || a.String() == c.String() {
		t.Fatal("different values must differ")
	}
	var zero biembed.Secret
	if zero != biembed.NewSecret("") || zero.Reveal() != "" || zero.String() != "" || fmt.Sprint(zero) != "" {
		t.Fatal("the zero Secret is the empty one and prints nothing")
	}
	var back biembed.Secret
	if err := json.Unmarshal([]byte(`"`+value+`"`), &back); err != nil || back != a {
		t.Fatalf("UnmarshalJSON takes the value: %v", err)
	}
	if err := json.Unmarshal([]byte(`42`), &back); err == nil {
		t.Fatal("UnmarshalJSON of a number must fail")
	}
	long := strings.Repeat("\x00é\n", 1<<16)
	if biembed.NewSecret(long).Reveal() != long {
		t.Fatal("any value round-trips")
	}
}

func TestValidationErrorNamesFieldAndRule(t *testing.T) {
	var err error = &biembed.ValidationError{Field: "Req.Expiry", Rule: "must be 1..240 minutes"}
	if !errors.Is(fmt.Errorf("wrapped: %w", err), biembed.ErrInvalid) {
		t.Fatal("errors.Is(err, ErrInvalid) must hold through wrapping")
	}
	if err.Error() != "invalid Req.Expiry: must be 1..240 minutes" {
		t.Fatalf("text %q", err)
	}
}

func TestNewRateLimiterRefusesBadInputAndPaces(t *testing.T) {
	for _, c := range []struct {
		rate  float64
		burst int
		field string
	}{{0, 1, "perSecond"}, {-1, 1, "perSecond"}, {math.NaN(), 1, "perSecond"}, {1, 0, "burst"}} {
		_, err := biembed.NewRateLimiter(c.rate, c.burst)
		var ve *biembed.ValidationError
		if !errors.As(err, &ve) || ve.Field != c.field {
			t.Errorf("NewRateLimiter(%v, %d) = %v, want a ValidationError on %s", c.rate, c.burst, err, c.field)
		}
	}
	l, err := biembed.NewRateLimiter(1e-5, 2) // two at once, then one a day
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for range 2 {
		if err := l.Wait(ctx, "CreateEmbedToken"); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Wait(ctx, "genToken"); err != nil {
		t.Fatal("each action has its own bucket:", err)
	}
	short, cancel := context.WithTimeout(ctx, time.Hour)
	defer cancel()
	if err := l.Wait(short, "CreateEmbedToken"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a wait past the deadline must fail at once with DeadlineExceeded, got %v", err)
	}
	//lint:ignore SA1012 a nil ctx must be refused, not panic
	if err := l.Wait(nil, "x"); !errors.Is(err, biembed.ErrInvalid) {
		t.Fatalf("nil ctx: %v", err)
	}
	inf, _ := biembed.NewRateLimiter(math.Inf(1), 1)
	for range 1000 {
		if err := inf.Wait(ctx, "x"); err != nil {
			t.Fatal(err)
		}
	}
}

func TestRetryable(t *testing.T) {
	for _, err := range []error{nil, errors.New("x"), context.Canceled, context.DeadlineExceeded, &biembed.ValidationError{}} {
		if biembed.Retryable(err) {
			t.Errorf("Retryable(%v) = true", err)
		}
	}
}
