package tencent_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/biembed/biembed-go/biembed"
	"github.com/biembed/biembed-go/internal/testkit/seeds"
	"github.com/biembed/biembed-go/tencent"
)

// bodyTransport answers every request with its body as HTTP 200 JSON.
type bodyTransport struct{ body []byte }

func (b bodyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{
		StatusCode: http.StatusOK, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:  http.Header{"Content-Type": {"application/json"}},
		Body:    io.NopCloser(bytes.NewReader(b.body)),
		Request: r,
	}, nil
}

// FuzzDecodeCreateEmbedTokenResponse feeds arbitrary answers through the
// client's whole decoding path (common's parsing, the typed envelope, the
// error mapping and the token conversion): no panic, a token or an *Error.
func FuzzDecodeCreateEmbedTokenResponse(f *testing.F) {
	f.Add(seeds.TencentCreateEmbedTokenResponse)
	f.Add(seeds.TencentCreateEmbedTokenResponse[:len(seeds.TencentCreateEmbedTokenResponse)/2])
	f.Add([]byte(`{"Response":{"Error":{"Code":"InternalError","Message":"x"},"RequestId":"r"}}`))
	f.Add([]byte(`{"Response":{"ErrorInfo":{"ErrorMessage":"m"},"Data":null}}`))
	f.Add([]byte(`{"Response":{"Data":{"BIToken":"t","ProjectId":1e400,"ExpireTime":"-5","PageId":"x"}}}`))
	f.Add([]byte(`{"code":5,"message":"legacy"}`))
	f.Add([]byte(`<html>oops</html>`))
	f.Add([]byte(``))
	f.Fuzz(func(t *testing.T, body []byte) {
		client, err := tencent.NewClient(tencent.WithSecret("id", "key"), tencent.WithTransport(bodyTransport{body}),
			tencent.WithRetries(0))
		if err != nil {
			t.Fatal(err)
		}
		tok, err := client.CreateEmbedToken(context.Background(), tencent.NewDashboardRequest(1))
		var e *tencent.Error
		switch {
		case err == nil && (tok == nil || tok.Value.Reveal() == "" || tok.ExpiresAt.IsZero()):
			t.Fatalf("success without a usable token: %#v", tok)
		case err != nil && (tok != nil || !errors.As(err, &e)):
			t.Fatalf("failure %v (%T) with token %v", err, err, tok)
		case err != nil && (!strings.HasPrefix(err.Error(), "tencent CreateEmbedToken: ") || len(err.Error()) > 2048):
			t.Fatalf("error %.200q does not name vendor and action or is too long", err)
		case err == nil && tok.Expiry.Minutes() > 240:
			t.Fatalf("a lifetime of %v, more than 240 minutes", tok.Expiry)
		}
	})
}

// FuzzEmbedURL checks that no token, id or page parameter can change the
// shape of an embed URL: it parses, keeps its path and has exactly the
// expected query keys with the values given.
func FuzzEmbedURL(f *testing.F) {
	f.Add("300cf2a4-cfb8-47b8-9bc0-4a1f1f74bc1d", uint64(1), uint64(2), uint8(0), "province", "Hubei")
	f.Add("a&scope=project#x/../?%", uint64(11015030), uint64(0), uint8(1), "p", "v")
	f.Add("tok", uint64(117), uint64(0), uint8(2), "", "")
	f.Add("", uint64(0), uint64(0), uint8(0), "a,b", "c=d")
	f.Fuzz(func(t *testing.T, value string, project, page uint64, kind uint8, name, param string) {
		tok := tencent.EmbedToken{Value: biembed.NewSecret(value), ProjectID: project, PageID: page}
		tok.Intention, tok.Scope = tencent.IntentionEmbed, []tencent.Scope{tencent.ScopePage, tencent.ScopePanel, tencent.ScopeProject}[kind%3]
		var opts []tencent.URLOption
		if tok.Scope == tencent.ScopeProject {
			tok.Intention = tencent.IntentionChatBI
		} else {
			opts = append(opts, tencent.WithPageParam(name, param))
		}
		raw, err := tok.URL(opts...)
		if err != nil {
			var ve *biembed.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("error %v is not a validation error", err)
			}
			return
		}
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatalf("URL %q does not parse: %v", raw, err)
		}
		q, err := url.ParseQuery(u.RawQuery)
		if err != nil || u.Host != "tcbi.qq.com" || u.Fragment != "" {
			t.Fatalf("URL %q changed shape (%v)", raw, err)
		}
		want := url.Values{"authType": {"strong"}, "projectId": {strconv.FormatUint(project, 10)}, "token": {value}}
		wantPath := "/page/chat-bi-embed"
		if tok.Scope != tencent.ScopeProject {
			wantPath = "/page/embed"
			want["pageId"] = []string{strconv.FormatUint(page, 10)}
			want["scope"] = []string{string(tok.Scope)}
			want["params[]"] = []string{"value=" + param + "&target=" + name}
		}
		if u.Path != wantPath || !reflect.DeepEqual(q, want) {
			t.Fatalf("URL %q: path %q query %v, want %q %v", raw, u.Path, q, wantPath, want)
		}
	})
}
