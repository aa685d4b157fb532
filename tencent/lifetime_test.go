package tencent_test

import (
	"testing"
	"time"

	"github.com/biembed/biembed-go/biembedtest"
	"github.com/biembed/biembed-go/tencent"
	"github.com/biembed/biembed-go/tencent/tencenttest"
)

// TestEchoedExpireTimeNeverLengthensTheLifetime pins hardening item 7: the
// lifetime is at most what was asked for (DefaultExpiry when nothing was) and
// never more than MaxExpiry, whatever ExpireTime the answer echoes.
func TestEchoedExpireTimeNeverLengthensTheLifetime(t *testing.T) {
	t.Parallel()
	sent := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	cases := []struct {
		name      string
		requested time.Duration
		wire      string
		want      time.Duration
	}{
		{"seconds where minutes are documented", 0, "14400", tencent.MaxExpiry},
		{"seconds, with a request", 30 * time.Minute, "1800", 30 * time.Minute},
		{"one minute over the maximum", 0, "241", tencent.MaxExpiry},
		{"longer than asked", 10 * time.Minute, "240", 10 * time.Minute},
		{"absurd", 0, "9223372036854775807", tencent.MaxExpiry},
		{"negative", 10 * time.Minute, "-5", 10 * time.Minute},
		{"shorter than asked is kept", 30 * time.Minute, "5", 5 * time.Minute},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			client, srv := setup(t, nil, tencent.WithClock(biembedtest.ClockFunc(func() time.Time { return sent })))
			srv.Inject(tencenttest.Fault{Body: []byte(`{"Response":{"RequestId":"r","Data":{"BIToken":"tok-0123456789abcdef",` +
				`"ProjectId":"1","Scope":"panel","ExpireTime":` + c.wire + `}}}`)})
			req := tencent.NewDashboardRequest(1)
			req.Expiry = c.requested
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
