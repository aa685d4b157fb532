package tencent_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/biembed/biembed-go/biembed"
	"github.com/biembed/biembed-go/internal/testkit/hostiletest"
	"github.com/biembed/biembed-go/tencent"
	"github.com/biembed/biembed-go/tencent/tencenttest"
)

func TestServerCodesMapToSentinels(t *testing.T) {
	t.Parallel()
	cases := []struct {
		code      string
		want      []error
		retryable bool
	}{
		{"RequestLimitExceeded", []error{tencent.ErrRateLimited}, true},
		{"RequestLimitExceeded.UinLimitExceeded", []error{tencent.ErrRateLimited}, true},
		{"AuthFailure", []error{tencent.ErrUnauthorized}, false},
		{"AuthFailure.SignatureFailure", []error{tencent.ErrUnauthorized}, false},
		{"AuthFailure.SignatureExpire", []error{tencent.ErrUnauthorized}, false},
		{"InvalidParameter", []error{tencent.ErrInvalidParameter}, false},
		{"InvalidParameter.Embed", []error{tencent.ErrInvalidParameter}, false},
		{"InvalidParameterValue", []error{tencent.ErrInvalidParameter}, false},
		{"MissingParameter.MissingParam", []error{tencent.ErrInvalidParameter}, false},
		{"UnknownParameter", []error{tencent.ErrInvalidParameter}, false},
		{"UnauthorizedOperation", []error{tencent.ErrUnauthorized}, false},
		{"UnauthorizedOperation.Authorize", []error{tencent.ErrUnauthorized}, false},
		{"UnauthorizedOperation.UserNotExist", []error{tencent.ErrUnauthorized, tencent.ErrNotFound}, false},
		{"ResourceNotFound", []error{tencent.ErrNotFound}, false},
		{"InternalError", []error{tencent.ErrServer}, true},
		{"InternalError.Internal", []error{tencent.ErrServer}, true},
		{"OperationDenied", []error{tencent.ErrFailedOperation}, false},
		{"UnsupportedOperation", []error{tencent.ErrFailedOperation}, false},
		{"UnsupportedOperation.BIError", []error{tencent.ErrFailedOperation}, false},
		{"FailedOperation", []error{tencent.ErrFailedOperation}, false},
		{"LimitExceeded", []error{tencent.ErrFailedOperation}, false},
		{"InternalErrorX", nil, false}, // a family matches only itself and its dotted sub-codes
	}
	for _, c := range cases {
		t.Run(c.code, func(t *testing.T) {
			t.Parallel()
			client, srv := setup(t, nil, tencent.WithRetries(0))
			srv.Inject(tencenttest.Fault{Code: c.code, Message: "it went wrong"})
			_, err := client.CreateEmbedToken(context.Background(), tencent.NewPageRequest(1, 2))
			e := asError(t, err)
			checkSentinels(t, err, c.want...)
			if e.Code != c.code || e.Message != "it went wrong" || e.RequestID == "" ||
				e.HTTPStatus != 200 || e.Action != "CreateEmbedToken" {
				t.Errorf("fields = %+v", e)
			}
			want := "tencent CreateEmbedToken: " + c.code + ": it went wrong (request id " + e.RequestID + ")"
			if err.Error() != want {
				t.Errorf("Error() = %q, want %q", err.Error(), want)
			}
			if biembed.Retryable(err) != c.retryable {
				t.Errorf("biembed.Retryable = %v, want %v", !c.retryable, c.retryable)
			}
		})
	}
}

func TestErrorInfoAnswerIsAnError(t *testing.T) {
	t.Parallel()
	client, srv := setup(t, nil)
	srv.Inject(tencenttest.Fault{Body: []byte(`{"Response":{"ErrorInfo":{"ErrorTip":"tip","ErrorMessage":"no access",` +
		`"ErrorLevel":"WARN","DocLink":"https://doc","FAQ":"faq","ReservedField":"r"},` +
		`"Data":{"BIToken":"tok-0123456789abcdef"},"RequestId":"rid"}}`)})
	_, err := client.CreateEmbedToken(context.Background(), tencent.NewPageRequest(1, 2))
	e := asError(t, err)
	checkSentinels(t, err, tencent.ErrFailedOperation)
	want := tencent.ErrorInfo{ErrorTip: "tip", ErrorMessage: "no access", ErrorLevel: "WARN",
		DocLink: "https://doc", FAQ: "faq", ReservedField: "r"}
	if e.Code != "ClientError.ErrorInfo" || e.Message != "no access" || e.RequestID != "rid" || e.ErrorInfo == nil || *e.ErrorInfo != want {
		t.Errorf("error = %+v", e)
	}
}

func TestEmptyErrorInfoIsNotAnError(t *testing.T) {
	t.Parallel()
	client, srv := setup(t, nil)
	srv.Inject(tencenttest.Fault{Body: []byte(`{"Response":{"ErrorInfo":{"ErrorTip":"","ErrorMessage":""},` +
		`"Data":{"BIToken":"tok-0123456789abcdef","ProjectId":"1","PageId":2,"Scope":"page"},"RequestId":"rid"}}`)})
	if tok := mint(t, client, tencent.NewPageRequest(1, 2)); tok.Value.Reveal() != "tok-0123456789abcdef" {
		t.Errorf("token value = %q", tok.Value.Reveal())
	}
}

func TestSignatureFailuresFromTheVerifier(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		opts []tencent.Option
		code string
		want []error
	}{
		{"wrong key", []tencent.Option{tencent.WithSecret(tencenttest.SecretID, "wrong-key-0000000000")},
			"AuthFailure.SignatureFailure", []error{tencent.ErrUnauthorized}},
		{"unknown id", []tencent.Option{tencent.WithSecret("AKIDunknown", tencenttest.SecretKey)},
			"AuthFailure.SecretIdNotFound", []error{tencent.ErrUnauthorized}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			client, srv := setup(t, nil, c.opts...)
			_, err := client.CreateEmbedToken(context.Background(), tencent.NewPageRequest(1, 2))
			if e := asError(t, err); e.Code != c.code {
				t.Errorf("code = %q, want %q", e.Code, c.code)
			}
			checkSentinels(t, err, c.want...)
			if n := srv.Count("CreateEmbedToken"); n != 1 {
				t.Errorf("count = %d, want 1 (auth failures are not retried)", n)
			}
		})
	}
}

// TestServerCannotForgeClientCodes: a server that answers with a client-side
// code (ClientError.*) gets no sentinel of it: the answer is malformed.
func TestServerCannotForgeClientCodes(t *testing.T) {
	t.Parallel()
	for _, code := range []string{"ClientError.NetworkError", "ClientError.Timeout", "ClientError.ConnectFailed"} {
		client, srv := setup(t, nil, tencent.WithRetries(2))
		srv.Inject(tencenttest.Fault{Code: code, Message: "forged"})
		_, err := client.CreateEmbedToken(context.Background(), tencent.NewPageRequest(1, 2))
		e := asError(t, err)
		checkSentinels(t, err, tencent.ErrMalformedResponse)
		if e.Code == code || strings.Contains(err.Error(), "forged") || biembed.Retryable(err) {
			t.Errorf("%s: %v (retryable %v), want a malformed answer that is not retried", code, err, biembed.Retryable(err))
		}
		if n := srv.Count("CreateEmbedToken"); n != 1 {
			t.Errorf("%s: count = %d, want 1", code, n)
		}
	}
}

// TestErrorsNameVendorAndAction: every error of every action starts with
// "tencent <Action>: ", also when the caller's deadline passes while the
// server holds its answer back; then the error matches
// context.DeadlineExceeded and ErrTimeout, and is not worth retrying (the
// caller's own context ended).
func TestErrorsNameVendorAndAction(t *testing.T) {
	t.Parallel()
	actions := map[string]func(ctx context.Context, c *tencent.Client) error{
		"CreateEmbedToken": func(ctx context.Context, c *tencent.Client) error {
			_, err := c.CreateEmbedToken(ctx, tencent.NewPageRequest(1, 2))
			return err
		},
		"ApplyEmbedInterval": func(ctx context.Context, c *tencent.Client) error {
			return c.ApplyEmbedInterval(ctx, &tencent.ApplyEmbedIntervalRequest{ProjectID: 1, PageID: 2,
				BIToken: biembed.NewSecret("tok-0123456789"), Intention: tencent.IntentionEmbed, Scope: tencent.ScopePage})
		},
		"ClearEmbedToken": func(ctx context.Context, c *tencent.Client) error {
			return c.ClearEmbedToken(ctx, &tencent.ClearEmbedTokenRequest{ProjectID: 1, UserCorpID: "c", Scope: tencent.ScopePanel})
		},
	}
	for action, call := range actions {
		t.Run(action+"/deadline while the server hangs", func(t *testing.T) {
			t.Parallel()
			srv := hostiletest.New(t, hostiletest.SlowHeaders())
			client, err := tencent.NewClient(tencent.WithSecret("AKID", "key"), tencent.WithEndpoint(srv.URL))
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := hostiletest.StalledDeadline(srv)
			defer cancel()
			err = call(ctx, client)
			if !strings.HasPrefix(fmtErr(err), "tencent "+action+": ") {
				t.Errorf("error %q does not start with %q", fmtErr(err), "tencent "+action+": ")
			}
			if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, tencent.ErrTimeout) {
				t.Errorf("error %v does not match both context.DeadlineExceeded and ErrTimeout", err)
			}
			if biembed.Retryable(err) {
				t.Errorf("biembed.Retryable(%v) = true for the caller's own deadline", err)
			}
			if srv.Hits() != 1 {
				t.Errorf("the server got %d requests, want 1", srv.Hits())
			}
		})
		t.Run(action+"/server error", func(t *testing.T) {
			t.Parallel()
			client, srv := setup(t, nil, tencent.WithRetries(0))
			srv.Inject(tencenttest.Fault{Code: "FailedOperation", Message: "no"})
			asError(t, call(context.Background(), client))
		})
		t.Run(action+"/cancelled before sending", func(t *testing.T) {
			t.Parallel()
			client, srv := setup(t, nil)
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			err := call(ctx, client)
			asError(t, err)
			if !errors.Is(err, context.Canceled) || errors.Is(err, tencent.ErrTimeout) || biembed.Retryable(err) {
				t.Errorf("error %v: want context.Canceled, not ErrTimeout, not retryable", err)
			}
			if n := srv.Count(""); n != 0 {
				t.Errorf("%d requests reached the server, want 0", n)
			}
		})
	}
}

// fmtErr is err's text, "<nil>" for none.
func fmtErr(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// closedAddress returns a loopback address nothing listens on.
func closedAddress(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

// TestNetworkSentinels: a refused connection is ErrNetwork and worth
// retrying; an attempt that outlives WithTimeout against a server that
// never answers is ErrTimeout (and context.DeadlineExceeded).
func TestNetworkSentinels(t *testing.T) {
	t.Parallel()
	t.Run("connection refused", func(t *testing.T) {
		t.Parallel()
		client, err := tencent.NewClient(tencent.WithSecret("AKID", "key"), tencent.WithEndpoint("http://"+closedAddress(t)),
			tencent.WithRetries(0))
		if err != nil {
			t.Fatal(err)
		}
		_, err = client.CreateEmbedToken(context.Background(), tencent.NewPageRequest(1, 2))
		checkSentinels(t, err, tencent.ErrNetwork)
		if !biembed.Retryable(err) || !strings.HasPrefix(fmtErr(err), "tencent CreateEmbedToken: ") {
			t.Errorf("error %v: want a retryable tencent CreateEmbedToken error", err)
		}
		var op *net.OpError
		if !errors.As(err, &op) {
			t.Errorf("error %v does not carry the dial error", err)
		}
	})
	t.Run("attempt timeout", func(t *testing.T) {
		t.Parallel()
		srv := hostiletest.New(t, hostiletest.SlowHeaders())
		client, err := tencent.NewClient(tencent.WithSecret("AKID", "key"), tencent.WithEndpoint(srv.URL),
			tencent.WithRetries(0), tencent.WithTimeout(50*time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		_, err = client.CreateEmbedToken(context.Background(), tencent.NewPageRequest(1, 2))
		checkSentinels(t, err, tencent.ErrTimeout)
		if !errors.Is(err, context.DeadlineExceeded) || !strings.HasPrefix(fmtErr(err), "tencent CreateEmbedToken: ") {
			t.Errorf("error %v: want a tencent CreateEmbedToken error matching context.DeadlineExceeded", err)
		}
	})
}
