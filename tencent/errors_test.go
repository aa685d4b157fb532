package tencent_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/biembed/biembed-go/biembedtest"
	"github.com/biembed/biembed-go/tencent"
	"github.com/biembed/biembed-go/tencent/tencenttest"
)

var allSentinels = []error{
	tencent.ErrRateLimited, tencent.ErrAuthFailure, tencent.ErrSignatureExpired, tencent.ErrInvalidParameter,
	tencent.ErrUnauthorized, tencent.ErrUserNotExist, tencent.ErrInternal, tencent.ErrOperationDenied,
	tencent.ErrUnsupported, tencent.ErrFailedOperation, tencent.ErrHTTPStatus, tencent.ErrMalformedResponse,
	tencent.ErrResponseTooLarge, tencent.ErrEmptyResponse,
}

// checkSentinels fails t unless err matches exactly the sentinels in want.
func checkSentinels(t *testing.T, err error, want ...error) {
	t.Helper()
	for _, s := range allSentinels {
		wanted := false
		for _, w := range want {
			wanted = wanted || w == s
		}
		if errors.Is(err, s) != wanted {
			t.Errorf("errors.Is(%v, %v) = %v, want %v", err, s, !wanted, wanted)
		}
	}
}

func TestServerCodesMapToSentinels(t *testing.T) {
	t.Parallel()
	cases := []struct {
		code string
		want []error
	}{
		{tencent.CodeRequestLimitExceeded, []error{tencent.ErrRateLimited}},
		{"RequestLimitExceeded.UinLimitExceeded", []error{tencent.ErrRateLimited}},
		{tencent.CodeAuthFailure, []error{tencent.ErrAuthFailure}},
		{tencent.CodeSignatureFailure, []error{tencent.ErrAuthFailure}},
		{tencent.CodeSignatureExpire, []error{tencent.ErrAuthFailure, tencent.ErrSignatureExpired}},
		{tencent.CodeInvalidParameter, []error{tencent.ErrInvalidParameter}},
		{tencent.CodeInvalidParameterEmbed, []error{tencent.ErrInvalidParameter}},
		{tencent.CodeInvalidParameterValue, []error{tencent.ErrInvalidParameter}},
		{tencent.CodeMissingParameterMissingParam, []error{tencent.ErrInvalidParameter}},
		{tencent.CodeUnknownParameter, []error{tencent.ErrInvalidParameter}},
		{tencent.CodeUnauthorizedOperation, []error{tencent.ErrUnauthorized}},
		{tencent.CodeUnauthorizedOperationAuthorize, []error{tencent.ErrUnauthorized}},
		{tencent.CodeUserNotExist, []error{tencent.ErrUnauthorized, tencent.ErrUserNotExist}},
		{tencent.CodeInternalError, []error{tencent.ErrInternal}},
		{tencent.CodeInternalErrorInternal, []error{tencent.ErrInternal}},
		{tencent.CodeOperationDenied, []error{tencent.ErrOperationDenied}},
		{tencent.CodeUnsupportedOperation, []error{tencent.ErrUnsupported}},
		{tencent.CodeUnsupportedOperationBIError, []error{tencent.ErrUnsupported}},
		{tencent.CodeFailedOperation, []error{tencent.ErrFailedOperation}},
		{"ResourceNotFound", nil},
		{"InternalErrorX", nil}, // a family matches only itself and its dotted sub-codes
	}
	for _, c := range cases {
		t.Run(c.code, func(t *testing.T) {
			t.Parallel()
			client, srv := setup(t, nil, tencent.WithMaxRetries(0))
			srv.Inject(tencenttest.Fault{Code: c.code, Message: "it went wrong"})
			_, err := client.CreateEmbedToken(context.Background(), tencent.NewPageRequest(1, 2))
			e := asError(t, err)
			checkSentinels(t, err, c.want...)
			if e.Code != c.code || e.Message != "it went wrong" || e.RequestID == "" ||
				e.HTTPStatus != 200 || e.Action != tencent.ActionCreateEmbedToken {
				t.Errorf("fields = %#v", e)
			}
			want := "tencent: CreateEmbedToken: " + c.code + ": it went wrong (request id " + e.RequestID + ")"
			if err.Error() != want {
				t.Errorf("Error() = %q, want %q", err.Error(), want)
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
	want := tencent.ErrorInfo{ErrorTip: "tip", ErrorMessage: "no access", ErrorLevel: tencent.ErrorLevelWarn,
		DocLink: "https://doc", FAQ: "faq", ReservedField: "r"}
	if e.Code != tencent.CodeErrorInfo || e.Message != "no access" || e.RequestID != "rid" || e.ErrorInfo == nil || *e.ErrorInfo != want {
		t.Errorf("error = %#v", e)
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
		name     string
		fakeOpts []tencenttest.Option
		opts     []tencent.Option
		code     string
		want     []error
	}{
		{"wrong key", nil, []tencent.Option{tencent.WithSecret(tencenttest.SecretID, "wrong-key-0000000000")},
			tencent.CodeSignatureFailure, []error{tencent.ErrAuthFailure}},
		{"unknown id", nil, []tencent.Option{tencent.WithSecret("AKIDunknown", tencenttest.SecretKey)},
			tencent.CodeSecretIDNotFound, []error{tencent.ErrAuthFailure}},
		{"clock 10 minutes off", []tencenttest.Option{tencenttest.WithClock(biembedtest.ClockFunc(func() time.Time { return time.Now().Add(10 * time.Minute) }))},
			nil, tencent.CodeSignatureExpire, []error{tencent.ErrAuthFailure, tencent.ErrSignatureExpired}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			client, srv := setup(t, c.fakeOpts, c.opts...)
			_, err := client.CreateEmbedToken(context.Background(), tencent.NewPageRequest(1, 2))
			if e := asError(t, err); e.Code != c.code {
				t.Errorf("code = %q, want %q", e.Code, c.code)
			}
			checkSentinels(t, err, c.want...)
			if n := srv.Count(tencent.ActionCreateEmbedToken); n != 1 {
				t.Errorf("count = %d, want 1 (auth failures are not retried)", n)
			}
		})
	}
}

func TestErrorGoStringShowsOnlySafeFields(t *testing.T) {
	t.Parallel()
	client, srv := setup(t, nil)
	srv.Inject(tencenttest.Fault{Code: tencent.CodeInternalError, Message: "boom"})
	_, err := client.CreateEmbedToken(context.Background(), tencent.NewPageRequest(1, 2))
	got := fmt.Sprintf("%#v", err)
	if !strings.HasPrefix(got, `&tencent.Error{Action:"CreateEmbedToken", Code:"InternalError", Message:"boom"`) {
		t.Errorf("%%#v = %s", got)
	}
}
