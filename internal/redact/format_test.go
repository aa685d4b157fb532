package redact

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

const sentinel = "SENTINEL-secret-value-0123456789"

var verbs = []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%t", "%o", "%O", "%b", "%c", "%U",
	"%e", "%f", "%g", "%10.3v", "%-8s", "% x", "%#x"}

func TestSecretMasksEveryVerb(t *testing.T) {
	t.Parallel()
	s := Secret(sentinel)
	for _, verb := range verbs {
		for _, v := range []any{s, &s, []Secret{s}, map[string]Secret{"k": s}} {
			if out := fmt.Sprintf(verb, v); strings.Contains(out, sentinel) || strings.Contains(out, fmt.Sprintf("%x", sentinel)) {
				t.Errorf("Sprintf(%q, %T) = %q reveals the secret", verb, v, out)
			}
		}
	}
	if got := fmt.Sprintf("%q|%#v|%v", s, s, s); got != `"SENT…(32 chars)"|"SENT…(32 chars)"|SENT…(32 chars)` {
		t.Errorf("masked forms = %s", got)
	}
}

func TestSecretJSONMasksAndUnmarshalTakesTheValue(t *testing.T) {
	t.Parallel()
	out, err := json.Marshal(struct{ K Secret }{Secret(sentinel)})
	if err != nil || string(out) != `{"K":"SENT…(32 chars)"}` {
		t.Fatalf("Marshal = %s, %v", out, err)
	}
	var back struct{ K Secret }
	if err := json.Unmarshal([]byte(`{"K":"`+sentinel+`"}`), &back); err != nil || back.K.Reveal() != sentinel {
		t.Fatalf("Unmarshal = %q, %v", back.K.Reveal(), err)
	}
	if err := json.Unmarshal([]byte(`{"K":1}`), &back); err == nil {
		t.Error("Unmarshal of a number: no error")
	}
}

func TestSecretLogsMasked(t *testing.T) {
	t.Parallel()
	for _, out := range logged(Secret(sentinel)) {
		if strings.Contains(out, sentinel) || !strings.Contains(out, "SENT…(32 chars)") {
			t.Errorf("log line %q: want the masked secret only", out)
		}
	}
}

type inner struct {
	Name  string
	token Secret
}

type outer struct {
	ID      int
	Key     Secret
	key     Secret
	In      inner
	in      inner
	Ptr     *inner
	List    []Secret
	ByName  map[string]Secret
	Any     any
	When    time.Time
	Timeout time.Duration
	mu      sync.Mutex
}

var _ = (&outer{}).mu.TryLock // mu is there to be printed

func newOuter() *outer {
	s := Secret(sentinel)
	return &outer{
		ID: 7, Key: s, key: s, In: inner{"a", s}, in: inner{"b", s}, Ptr: &inner{"c", s},
		List: []Secret{s}, ByName: map[string]Secret{"x": s}, Any: inner{"d", s},
		When: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Timeout: time.Second,
	}
}

func (o *outer) Format(f fmt.State, verb rune) { Format(f, verb, o) }
func (o *outer) LogValue() slog.Value          { return LogValue(o) }

func TestFormatMasksSecretsAtAnyDepth(t *testing.T) {
	t.Parallel()
	o := newOuter()
	for _, verb := range append(verbs, "%p") {
		out := fmt.Sprintf(verb, o)
		if strings.Contains(out, sentinel) || strings.Contains(out, fmt.Sprintf("%x", sentinel)) {
			t.Errorf("Sprintf(%q) = %q reveals the secret", verb, out)
		}
	}
}

func TestFormatPrintsLikeFmt(t *testing.T) {
	t.Parallel()
	type plain struct {
		A string
		b int
		C []string
		D map[string]int
		E *int
	}
	v := plain{A: "x", b: 2, C: []string{"y", "z"}, D: map[string]int{"k": 1, "j": 2}}
	for _, verb := range []string{"%v", "%+v", "%#v"} {
		want := fmt.Sprintf(verb, v)
		if got := fmt.Sprintf(verb, formatted{v}); got != want {
			t.Errorf("%s: got %s, want %s", verb, got, want)
		}
	}
	if got := fmt.Sprintf("%+v", newOuter()); !strings.Contains(got, "Key:SENT…(32 chars) key:SENT…(32 chars) In:{Name:a token:SENT…(32 chars)}") ||
		!strings.Contains(got, "When:2026-01-02 03:04:05 +0000 UTC Timeout:1s") {
		t.Errorf("%%+v = %s", got)
	}
	var nilPtr *outer
	if got := fmt.Sprint(nilPtr); got != "<nil>" {
		t.Errorf("nil pointer prints %q", got)
	}
}

func TestLogValueMasksSecrets(t *testing.T) {
	t.Parallel()
	o := newOuter()
	o.Ptr.Name, o.In.Name, o.Any = "", "", nil // zero fields are not logged
	for _, out := range logged(o) {
		if strings.Contains(out, sentinel) {
			t.Errorf("log line reveals the secret: %s", out)
		}
		for _, want := range []string{"ID", "SENT…(32 chars)", "2026-01-02T03:04:05"} {
			if !strings.Contains(out, want) {
				t.Errorf("log line %s lacks %q", out, want)
			}
		}
		if strings.Contains(out, ".Name=") || strings.Contains(out, `"Name"`) {
			t.Errorf("log line %s holds a zero field", out)
		}
	}
}

// logged returns v logged by slog's JSON and text handlers.
func logged(v any) []string {
	var out []string
	for _, text := range []bool{false, true} {
		var buf bytes.Buffer
		var h slog.Handler = slog.NewJSONHandler(&buf, nil)
		if text {
			h = slog.NewTextHandler(&buf, nil)
		}
		slog.New(h).Info("m", "v", v)
		out = append(out, buf.String())
	}
	return out
}

type described struct{ key Secret }

func (d described) String() string                { return "described(" + d.key.String() + ")" }
func (d described) Format(f fmt.State, verb rune) { FormatString(f, verb, d) }

func TestFormatStringUsesTheDescriptionForEveryVerb(t *testing.T) {
	t.Parallel()
	d := described{Secret(sentinel)}
	for _, verb := range verbs {
		out := fmt.Sprintf(verb, d)
		if strings.Contains(out, sentinel) || !strings.Contains(out, "described(SENT…(32 chars))") {
			t.Errorf("Sprintf(%q) = %q", verb, out)
		}
	}
}
