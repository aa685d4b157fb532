package tencent_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/biembed/biembed-go/tencent"
)

// lyingTransport answers with body, declaring length as its
// Content-Length, whatever the body's real length.
type lyingTransport struct {
	body   func() io.Reader
	length int64
}

func (l lyingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: http.StatusOK, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(l.body()),
		ContentLength: l.length, Request: r}, nil
}

// TestBodyIsReadWholeWhateverTheDeclaredLength: a caller's transport need
// not enforce Content-Length, so the client reads the body whole under its
// 1 MiB bound whether the declared length is right, short, long, unknown
// or over the bound; more than 1 MiB is ErrResponseTooLarge, a body cut
// short is ErrMalformedResponse.
func TestBodyIsReadWholeWhateverTheDeclaredLength(t *testing.T) {
	t.Parallel()
	answer := `{"Response":{"Data":{"BIToken":"tok-0123456789abcdef","ProjectId":"1","PageId":2},"RequestId":"r"}}`
	atLimit := answer[:len(answer)-1] + strings.Repeat(" ", 1<<20-len(answer)) + "}"
	big := answer[:len(answer)-1] + strings.Repeat(" ", 1<<20) + "}"
	text := func(s string) func() io.Reader { return func() io.Reader { return strings.NewReader(s) } }
	cut := func() io.Reader {
		return io.MultiReader(strings.NewReader(answer[:40]), iotest.ErrReader(errors.New("connection reset")))
	}
	cases := []struct {
		name   string
		body   func() io.Reader
		length int64
		want   error // nil: a token
	}{
		{"exact", text(answer), int64(len(answer)), nil},
		{"unknown", text(answer), -1, nil},
		{"declared shorter", text(answer), 3, nil},
		{"declared zero", text(answer), 0, nil},
		{"one byte reads", func() io.Reader { return iotest.OneByteReader(strings.NewReader(answer)) }, 3, nil},
		{"declared longer", text(answer), int64(len(answer)) + 5, nil},
		{"exactly the limit, declared short", text(atLimit), 10, nil},
		{"over the limit, declared", text(big), int64(len(big)), tencent.ErrResponseTooLarge},
		{"over the limit, unknown", text(big), -1, tencent.ErrResponseTooLarge},
		{"over the limit, declared short", text(big), 10, tencent.ErrResponseTooLarge},
		{"cut", cut, 100, tencent.ErrMalformedResponse},
		{"cut after the declared length", cut, 3, tencent.ErrMalformedResponse},
		{"two MiB, unknown", func() io.Reader { return bytes.NewReader(bytes.Repeat([]byte("{"), 2<<20)) }, -1, tencent.ErrResponseTooLarge},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			client, err := tencent.NewClient(tencent.WithSecret("AKID", "key"), tencent.WithTransport(lyingTransport{c.body, c.length}),
				tencent.WithRetries(0))
			if err != nil {
				t.Fatal(err)
			}
			tok, err := client.CreateEmbedToken(context.Background(), tencent.NewPageRequest(1, 2))
			switch {
			case c.want == nil && (err != nil || tok.Value.Reveal() != "tok-0123456789abcdef"):
				t.Errorf("got %v, want the token", err)
			case c.want != nil:
				asError(t, err)
				checkSentinels(t, err, c.want)
			}
		})
	}
}
