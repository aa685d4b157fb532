package safetext_test

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/biembed/biembed-go/internal/safetext"
)

// TestCleanMasksASecretStraddlingTheInputBound: a 4 KiB token that the
// 64 KiB input bound cuts, at any offset and in any form, leaves no
// MinFragment-byte piece of itself in the output.
func TestCleanMasksASecretStraddlingTheInputBound(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	token := randomToken(rng, 4<<10)
	s := safetext.NewScrubber([]string{token})
	offsets := []int{1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 464, 4095}
	for range 3 {
		offsets = append(offsets, 1+rng.IntN(12<<10))
	}
	for name, enc := range someForms(rng, "raw", "json twice", "url query", "html", "every rune, form 2", "every rune, form 9", "mixed") {
		encoded := enc(token)
		for _, before := range offsets {
			before = min(before, len(encoded)-1)
			text := strings.Repeat(".", safetext.MaxInputBytes-before) + encoded + " and more"
			out := strings.TrimLeft(s.Clean(t.Context(), text, 1<<20), ".")
			if piece := leak(out, token, safetext.MinFragment); piece != "" {
				t.Errorf("%s, %d bytes before the bound: %q survives in ...%q", name, before, piece, out[max(0, len(out)-64):])
			}
		}
	}
}

// TestCleanMasksEveryFragment: any piece of a secret of MinFragment bytes
// or more, in any form or mix of forms, is masked whole.
func TestCleanMasksEveryFragment(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 4))
	secrets := []string{secret, "Zq9 tab\there <b>&</b> 100% ü€😀 +plus/slash'\"end", randomToken(rng, 64)}
	for _, sec := range secrets {
		s := safetext.NewScrubber([]string{sec})
		for name, enc := range wholeForms(rng) {
			for range 20 {
				form := enc(runeFragment(rng, sec, safetext.MinFragment))
				got := s.Clean(t.Context(), "echo:["+form+"]:end", 1<<20)
				if got != "echo:[***]:end" {
					t.Errorf("%s of %q: %q gives %q", name, sec, form, got)
				}
			}
		}
	}
}

// nearCopies returns about n bytes of copies of secret with its last byte
// changed: every window but the last of each copy matches.
func nearCopies(secret string, n int) string {
	near := secret[:len(secret)-1] + "!"
	return strings.Repeat(near, n/len(near)+1)
}

// workPerByte bounds Clean's work per byte of text: two decode steps, and
// one window check per view (raw, decoded twice) and window length in use.
const workPerByte = 2 + 3*(safetext.MinFragment+1)

// TestCleanWorkIsLinear: an echo full of near-copies of a long secret, raw
// or escaped, costs work linear in the text and the secrets (the regexp per
// secret this replaced did about len(text)·len(secret) steps).
func TestCleanWorkIsLinear(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(5, 6))
	token := randomToken(rng, 4<<10)
	secrets := []string{token, "k", "ab", "xyz", "p<w>&"}
	s := safetext.NewScrubber(secrets)
	for name, enc := range someForms(rng, "raw", "json", "json twice", "url query", "html", "every rune, form 2", "mixed, then twice") {
		text := enc(nearCopies(token, safetext.MaxInputBytes))
		out, work := safetext.CleanCounting(t.Context(), s, text, safetext.MaxMessageBytes)
		size := safetext.MaxInputBytes
		for _, sec := range secrets {
			size += len(sec)
		}
		if work > workPerByte*size {
			t.Errorf("%s: work %d > %d·(text + secrets) = %d", name, work, workPerByte, workPerByte*size)
		}
		if out == safetext.ContextEnded || !strings.HasPrefix(out, safetext.Masked) {
			t.Errorf("%s: %q", name, out)
		}
	}
}

// BenchmarkCleanAdversarial: 64 KiB of near-copies of a 4 KiB token (about
// 30 s a call with the regexp per secret this replaced).
func BenchmarkCleanAdversarial(b *testing.B) {
	rng := rand.New(rand.NewPCG(7, 8))
	token := randomToken(rng, 4<<10)
	s := safetext.NewScrubber([]string{token})
	for name, enc := range map[string]func(string) string{"raw": rawForm, "json": jsonForm, "every rune \\u": func(s string) string { return perRune(s, runeForms[2]) }} {
		text := enc(nearCopies(token, safetext.MaxInputBytes))
		b.Run(name, func(b *testing.B) {
			b.SetBytes(safetext.MaxInputBytes)
			for b.Loop() {
				s.Clean(context.Background(), text, safetext.MaxMessageBytes)
			}
		})
	}
}

// countdown is a context whose Err turns to context.Canceled after left
// calls; it counts the calls.
type countdown struct {
	context.Context
	left, calls int
}

// Err counts the call and reports whether the countdown has run out.
func (c *countdown) Err() error {
	c.calls++
	if c.calls > c.left {
		return context.Canceled
	}
	return nil
}

// TestCleanStopsWhenContextEnds: a context that has ended, or ends part-way
// (Clean looks at it every 4 KiB of work), gives the fixed text and nothing
// of the input.
func TestCleanStopsWhenContextEnds(t *testing.T) {
	t.Parallel()
	token := randomToken(rand.New(rand.NewPCG(9, 10)), 4<<10)
	s := safetext.NewScrubber([]string{token})
	text := "marker " + nearCopies(token, safetext.MaxInputBytes)
	ended, cancel := context.WithCancel(t.Context())
	cancel()
	if got := s.Clean(ended, text, 1<<20); got != safetext.ContextEnded {
		t.Errorf("ended context: %.40q", got)
	}
	for _, left := range []int{1, 2, 5, 10} {
		if got := s.Clean(&countdown{Context: t.Context(), left: left}, text, 1<<20); got != safetext.ContextEnded {
			t.Errorf("context that ends after %d looks: %.40q", left, got)
		}
	}
	never := &countdown{Context: t.Context(), left: 1 << 30}
	if got := s.Clean(never, text, 1<<20); !strings.HasPrefix(got, "marker ***") {
		t.Errorf("live context: %.40q", got)
	}
	if want := safetext.MaxInputBytes / (4 << 10); never.calls < want {
		t.Errorf("looked at the context %d times over 64 KiB, want at least %d", never.calls, want)
	}
}
