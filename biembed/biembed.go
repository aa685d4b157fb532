// Package biembed holds what every biembed-go package shares: the Secret
// type that masks itself wherever it is printed, the ValidationError every
// package returns for bad input, the RateLimiter replicas share, and
// Retryable, the one way to ask whether a failed call is worth trying again.
//
// The vendor clients live in packages tencent and youshu; biembedtest is
// this package's companion for tests.
package biembed

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"strconv"
	"sync"

	"golang.org/x/time/rate"

	"github.com/biembed/biembed-go/internal/pipeline"
)

// Secret holds a key, password, integrate token or minted token so that
// nothing prints it: String, every fmt verb (fmt's bad-verb path included),
// slog (any handler) and json.Marshal show "***#" and six hex digits of a
// keyed hash of the value (the same secret shows the same tag within one
// process, so two tokens can be told apart in a log; the tag reveals
// nothing of the value). Printers that ignore methods (spew in test
// diffs, reflection dumps) see only the value encrypted under a key drawn
// at random when the process starts. Reveal is the only way to the value.
// Make one with NewSecret; the zero Secret is the empty one. Equal values
// give equal Secrets (== and reflect.DeepEqual hold).
type Secret struct {
	sealed string // nonce (a keyed hash of the value), then the value encrypted with AES-CTR; "" when empty
}

// NewSecret returns a Secret holding v.
func NewSecret(v string) Secret {
	if v == "" {
		return Secret{}
	}
	m := macs.Get().(hash.Hash)
	m.Reset()
	m.Write([]byte(v))
	out := make([]byte, aes.BlockSize+len(v))
	copy(out, m.Sum(out[:0])[:aes.BlockSize])
	macs.Put(m)
	cipher.NewCTR(secretKeys.block, out[:aes.BlockSize]).XORKeyStream(out[aes.BlockSize:], []byte(v))
	return Secret{sealed: string(out)}
}

// macs holds HMACs under secretKeys.mac, reused to make nonces.
var macs = sync.Pool{New: func() any { return hmac.New(sha256.New, secretKeys.mac) }}

// secretKeys encrypt and tag Secrets; they never leave the process.
var secretKeys = func() (k struct {
	block cipher.Block
	mac   []byte
}) {
	key := make([]byte, 64)
	_, _ = rand.Read(key)
	k.block, _ = aes.NewCipher(key[:32])
	k.mac = key[32:]
	return k
}()

// Reveal returns the value. Call it only where the value goes on the wire
// or into a store.
func (s Secret) Reveal() string {
	if len(s.sealed) < aes.BlockSize {
		return ""
	}
	v := []byte(s.sealed[aes.BlockSize:])
	cipher.NewCTR(secretKeys.block, []byte(s.sealed[:aes.BlockSize])).XORKeyStream(v, v)
	return string(v)
}

// String returns the mask: "" for an empty secret, else "***#" and a tag.
func (s Secret) String() string {
	if s.sealed == "" {
		return ""
	}
	return "***#" + hex.EncodeToString([]byte(s.sealed[:3])) // three bytes of the nonce
}

// GoString returns the mask, quoted.
func (s Secret) GoString() string { return strconv.Quote(s.String()) }

// Format writes the mask for every verb: quoted for %q and %#v.
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'q' || (verb == 'v' && f.Flag('#')) {
		_, _ = io.WriteString(f, s.GoString())
		return
	}
	_, _ = io.WriteString(f, s.String())
}

// LogValue logs the mask.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalJSON writes the mask as a JSON string. A store that must keep the
// value encodes Reveal() itself.
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// UnmarshalJSON reads a JSON string as the value.
func (s *Secret) UnmarshalJSON(data []byte) error {
	var v string
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	*s = NewSecret(v)
	return nil
}

// ErrInvalid is matched by errors.Is for every *ValidationError.
var ErrInvalid = errors.New("invalid input")

// ValidationError reports one field that breaks one rule, before anything
// is sent. Field is a path such as
// `CreateEmbedTokenRequest.GlobalParams[0].ParamKey` or an option's name;
// Rule says what the field must be. Neither ever holds a value.
type ValidationError struct {
	Field string
	Rule  string
}

// Error returns "invalid <field>: <rule>".
func (e *ValidationError) Error() string { return "invalid " + e.Field + ": " + e.Rule }

// Is reports whether target is ErrInvalid.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }

// RateLimiter paces a client's requests. Wait blocks until one request for
// action (a vendor action or endpoint name, such as "CreateEmbedToken" or
// "genToken") may be sent, or returns an error when ctx ends first. Clients
// call it before every attempt, retries included. It must be safe for
// concurrent use. Replicas that share a vendor account share its budget
// through one limiter backed by a shared store, such as a
// redisstore.Fleet's Limiter.
type RateLimiter interface {
	Wait(ctx context.Context, action string) error
}

// NewRateLimiter returns an in-process RateLimiter: one token bucket of
// perSecond requests a second and burst requests at once per action.
// perSecond must be positive (math.Inf(1) lets everything through) and
// burst at least 1.
func NewRateLimiter(perSecond float64, burst int) (RateLimiter, error) {
	if !(perSecond > 0) {
		return nil, &ValidationError{Field: "perSecond", Rule: "must be positive (math.Inf(1) for no limit)"}
	}
	if burst < 1 {
		return nil, &ValidationError{Field: "burst", Rule: "must be at least 1"}
	}
	return &localLimiter{limit: rate.Limit(perSecond), burst: burst, buckets: map[string]*rate.Limiter{}}, nil
}

// Retryable reports whether err, from any client of this SDK, is worth
// trying again later with the same input: the vendor was rate limiting,
// briefly unavailable, or the connection failed. It is false for nil, for
// bad input, for answers that will not change (refused, not found), and for
// the caller's own context ending. The clients already retry what is safe
// to retry (see their WithRetries); this is for what they gave up on.
func Retryable(err error) bool { return errors.Is(err, pipeline.ErrRetryable) }

// localLimiter is NewRateLimiter's limiter: a bucket per action, made on
// first use.
type localLimiter struct {
	limit   rate.Limit
	burst   int
	mu      sync.Mutex
	buckets map[string]*rate.Limiter
}

// Wait implements RateLimiter.
func (l *localLimiter) Wait(ctx context.Context, action string) error {
	if ctx == nil {
		return &ValidationError{Field: "ctx", Rule: "must not be nil"}
	}
	if l.limit == rate.Inf {
		return ctx.Err()
	}
	l.mu.Lock()
	b := l.buckets[action]
	if b == nil {
		b = rate.NewLimiter(l.limit, l.burst)
		l.buckets[action] = b
	}
	l.mu.Unlock()
	if err := b.Wait(ctx); err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		return fmt.Errorf("waiting for the rate limit would pass the deadline: %w", context.DeadlineExceeded)
	}
	return nil
}
