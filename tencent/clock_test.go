package tencent_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/biembed/biembed-go/biembedtest"
	"github.com/biembed/biembed-go/tencent"
	"github.com/biembed/biembed-go/tencent/tencenttest"
	"github.com/biembed/biembed-go/tokencache"
)

// TestOneClockDrivesAnHourOfClientCacheAndFake shares one manual clock, set
// far from the real time, between the fake, the client and its cache, and
// plays two hours of token life: mint, refresh ahead, expiry, a new mint.
// Signatures use the system clock on both sides, so the fake's five-minute
// signature check never fails, and the whole test takes milliseconds.
func TestOneClockDrivesAnHourOfClientCacheAndFake(t *testing.T) {
	t.Parallel()
	start := time.Date(2024, 2, 29, 23, 58, 0, 0, time.UTC) // a leap day, two minutes before the date turns
	clock := biembedtest.NewClock(start)
	client, srv := setup(t, []tencenttest.Option{tencenttest.WithClock(clock.Now)}, tencent.WithClock(clock.Now))
	mints := make(chan struct{}, 8)
	cache, err := tencent.NewCache(client, tokencache.Options{Now: clock.Now, OnEvent: func(e tokencache.Event) {
		if e.Kind == tokencache.EventMint {
			mints <- struct{}{}
		}
	}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = cache.Close() })
	ctx := context.Background()
	req := tencent.NewPageRequest(7, 8)
	req.Expiry = time.Hour

	first, err := cache.Get(ctx, req)
	require.NoError(t, err, "the first mint")
	watch(t, first)
	<-mints
	assert.Equal(t, start.Add(time.Hour), first.ExpiresAt, "ExpiresAt follows the shared clock")
	stored, ok := srv.Lookup(first.Value.Reveal())
	require.True(t, ok)
	assert.Equal(t, start.Add(time.Hour), stored.ExpiresAt, "the fake's expiry follows the shared clock")

	clock.Advance(50 * time.Minute) // inside the 12-minute refresh margin
	served, err := cache.Get(ctx, req)
	require.NoError(t, err)
	assert.Equal(t, first.Value, served.Value, "the old token is served while the refresh runs")
	<-mints
	clock.Advance(10 * time.Minute) // the first token is within its Skew: only the refreshed one is served
	second, err := cache.Get(ctx, req)
	require.NoError(t, err)
	watch(t, second)
	assert.NotEqual(t, first.Value, second.Value, "the refresh ahead replaced the token")
	assert.Equal(t, start.Add(110*time.Minute), second.ExpiresAt)

	clock.Advance(5 * time.Minute) // the first token is past its hour
	err = client.ApplyEmbedInterval(ctx, tencent.ExtendRequestFor(first))
	assert.Equal(t, "InvalidParameter.Embed", asError(t, err).Code, "the fake saw the first token expire")

	clock.Advance(time.Hour) // the second token expired too
	third, err := cache.Get(ctx, req)
	require.NoError(t, err, "a mint two hours later")
	watch(t, third)
	assert.NotEqual(t, second.Value, third.Value)
	assert.Equal(t, start.Add(125*time.Minute+time.Hour), third.ExpiresAt)
	assert.Equal(t, 3, srv.Count("CreateEmbedToken"))
}

// signTC3 signs r (whose body is body) with TC3-HMAC-SHA256 as of at,
// signing content-type and host, for service bi.
func signTC3(r *http.Request, body []byte, id, key string, at time.Time) {
	sum := func(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }
	mac := func(k []byte, msg string) []byte {
		m := hmac.New(sha256.New, k)
		m.Write([]byte(msg))
		return m.Sum(nil)
	}
	ts, date := strconv.FormatInt(at.Unix(), 10), at.UTC().Format(time.DateOnly)
	r.Header.Set("X-TC-Timestamp", ts)
	headers := "content-type:" + strings.ToLower(r.Header.Get("Content-Type")) + "\nhost:" + strings.ToLower(r.Host) + "\n"
	canonical := strings.Join([]string{r.Method, "/", r.URL.RawQuery, headers, "content-type;host", sum(body)}, "\n")
	scope := date + "/bi/tc3_request"
	k := mac(mac(mac([]byte("TC3"+key), date), "bi"), "tc3_request")
	sig := hex.EncodeToString(mac(k, "TC3-HMAC-SHA256\n"+ts+"\n"+scope+"\n"+sum([]byte(canonical))))
	r.Header.Set("Authorization", "TC3-HMAC-SHA256 Credential="+id+"/"+scope+", SignedHeaders=content-type;host, Signature="+sig)
}

// resignAt is a RoundTripper that signs every request again as of
// time.Now()+offset. With offset 0 the fake accepts it, so with another
// offset only the signature's age is wrong.
type resignAt struct {
	offset time.Duration
	base   http.RoundTripper
}

func (rt resignAt) RoundTrip(r *http.Request) (*http.Response, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	r = r.Clone(r.Context())
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.Host = r.URL.Host
	at := time.Now().Add(rt.offset)
	signTC3(r, body, tencenttest.SecretID, tencenttest.SecretKey, at)
	return rt.base.RoundTrip(r)
}

// TestSignaturesUseTheSystemClock: a client and a fake sharing a manual
// clock hours ahead of the real time still mint (both sides sign and check
// by the system clock; the token's lifetime follows the shared clock), and
// the fake refuses a request signed more than five minutes off the system
// clock with AuthFailure.SignatureExpire, which the client reports as
// ErrUnauthorized with that Code, without retrying.
func TestSignaturesUseTheSystemClock(t *testing.T) {
	t.Parallel()
	clock := biembedtest.NewClock(time.Now().Add(5 * time.Hour))
	client, srv := setup(t, []tencenttest.Option{tencenttest.WithClock(clock.Now)}, tencent.WithClock(clock.Now))
	req := pageRequest()
	tok := mint(t, client, req)
	assert.Equal(t, clock.Now().Add(req.Expiry), tok.ExpiresAt, "ExpiresAt follows the shared clock")
	clock.Advance(7 * time.Hour)
	later := mint(t, client, req)
	assert.Equal(t, clock.Now().Add(req.Expiry), later.ExpiresAt)
	stored, ok := srv.Lookup(later.Value.Reveal())
	require.True(t, ok)
	assert.Equal(t, later.ExpiresAt, stored.ExpiresAt, "the fake stamps it by the shared clock too")

	resigned := func(offset time.Duration) *tencent.Client {
		tr := &http.Transport{}
		t.Cleanup(tr.CloseIdleConnections)
		return clientFor(t, srv, tencent.WithClock(clock.Now), tencent.WithRetries(3),
			tencent.WithTransport(resignAt{offset: offset, base: tr}))
	}
	_, err := resigned(0).CreateEmbedToken(context.Background(), req)
	require.NoError(t, err, "the test's signer is right when its time is")
	for _, offset := range []time.Duration{-10 * time.Minute, 6 * time.Minute} {
		skewed := resigned(offset)
		srv.ResetRequests()
		_, err := skewed.CreateEmbedToken(context.Background(), req)
		e := asError(t, err)
		assert.Equal(t, "AuthFailure.SignatureExpire", e.Code, "signed %v off", offset)
		checkSentinels(t, err, tencent.ErrUnauthorized)
		assert.Equal(t, 1, srv.Count("CreateEmbedToken"), "a signature error is not retried")
	}
}
