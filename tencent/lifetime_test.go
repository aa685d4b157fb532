package tencent_test

import (
	"context"
	"testing"
	"time"

	"github.com/biembed/biembed-go/tencent"
	"github.com/biembed/biembed-go/tencent/tencenttest"
)

// TestEchoedExpireTimeNeverLengthensTheLifetime pins hardening item 7: the
// lifetime is at most what was asked for (240 minutes, the service's, when
// nothing was), whatever ExpireTime the answer echoes.
func TestEchoedExpireTimeNeverLengthensTheLifetime(t *testing.T) {
	t.Parallel()
	sent := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	cases := []struct {
		name      string
		requested time.Duration
		wire      string
		want      time.Duration
	}{
		{"seconds where minutes are documented", 0, "14400", 240 * time.Minute},
		{"seconds, with a request", 30 * time.Minute, "1800", 30 * time.Minute},
		{"one minute over the maximum", 0, "241", 240 * time.Minute},
		{"longer than asked", 10 * time.Minute, "240", 10 * time.Minute},
		{"absurd", 0, "9223372036854775807", 240 * time.Minute},
		{"negative: refused", 10 * time.Minute, "-5", 0},
		{"2^64-1, negative as a Duration", 10 * time.Minute, "18446744073709551615", 10 * time.Minute},
		{"2^63, the least negative Duration", 0, "9223372036854775808", 240 * time.Minute},
		{"shorter than asked is kept", 30 * time.Minute, "5", 5 * time.Minute},
		{"as a string", 30 * time.Minute, `"1800"`, 30 * time.Minute},
		{"null", 20 * time.Minute, "null", 20 * time.Minute},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			client, srv := setup(t, nil, tencent.WithClock(func() time.Time { return sent }))
			srv.Inject(tencenttest.Fault{Body: []byte(`{"Response":{"RequestId":"r","Data":{"BIToken":"tok-0123456789abcdef",` +
				`"ProjectId":"1","Scope":"panel","ExpireTime":` + c.wire + `}}}`)})
			req := tencent.NewDashboardRequest(1)
			req.Expiry = c.requested
			if c.want == 0 {
				_, err := client.CreateEmbedToken(context.Background(), req)
				asError(t, err)
				checkSentinels(t, err, tencent.ErrMalformedResponse)
				return
			}
			tok := mint(t, client, req)
			if got := tok.ExpiresAt.Sub(sent); got != c.want {
				t.Errorf("ExpiresAt - sent = %v, want %v", got, c.want)
			}
			if tok.Expiry > c.want {
				t.Errorf("Expiry = %v, more than the %v the token may live", tok.Expiry, c.want)
			}
		})
	}
}
