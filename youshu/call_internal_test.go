package youshu

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/biembed/biembed-go/filtermap"
	"github.com/biembed/biembed-go/internal/pipeline"
	"github.com/biembed/biembed-go/internal/testkit/seeds"
)

// FuzzDecode: any status and body decode without panic into either a
// usable result or an *Error for the endpoint that never repeats the call's
// secret, whatever the transport let through.
func FuzzDecode(f *testing.F) {
	const secret = "FUZZ-SECRET-TOKEN-1234"
	f.Add(200, seeds.YoushuGenTokenSuccess)
	f.Add(200, seeds.YoushuGenTokenError743)
	f.Add(200, seeds.YoushuRmTokenSuccess)
	f.Add(200, []byte("<html>login</html>"))
	f.Add(503, []byte(`{"code":503,"msg":"busy `+secret+`"}`))
	f.Add(200, []byte(`{"code":200,"result":""}`))
	f.Add(200, []byte(`{"code":"200"}`))
	f.Add(429, []byte(`{"code":429,"message":"`+strings.ToUpper(secret)+` %46UZZ"}`))
	f.Add(-1, []byte(nil))
	f.Add(200, []byte(`{"Code":0,"result":"tok"}`)) // code 0 is no code: the error must still say what failed
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		k := call{endpoint: "genToken", secrets: []string{secret}}
		a := &pipeline.Attempt{Status: status, Body: body}
		result, e := decode(context.Background(), k, a, &Error{Endpoint: "genToken", HTTPStatus: status})
		if e == nil {
			if status/100 != 2 || len(result) == 0 {
				t.Fatalf("accepted %d %q", status, body)
			}
			if _, err := resultString("genToken", result); err != nil && !errors.Is(err, ErrMalformedResponse) {
				t.Fatalf("resultString: %v", err)
			}
			return
		}
		text := e.Error()
		if strings.Contains(text, secret) {
			t.Fatalf("secret in %q", text)
		}
		if e.Endpoint != "genToken" || !strings.HasPrefix(text, "youshu genToken: ") {
			t.Fatalf("bad error %q", text)
		}
		if len(e.Message) > 600 {
			t.Fatalf("message of %d bytes", len(e.Message))
		}
		_ = errors.Is(e, ErrServer)
		_ = e.retry(true)
	})
}

// TestWithoutQuery: a transport error keeps its URL without the query (the
// helper token and t), fragment or user info.
func TestWithoutQuery(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"https://h/api/dash/util/rmToken?token=H&t=T": "https://h/api/dash/util/rmToken",
		"https://u:p@h/x#frag":                        "https://h/x",
		"::not a url?token=H":                         "::not a url",
		"https://h/x?":                                "https://h/x",
	} {
		err := withoutQuery(&url.Error{Op: "Get", URL: in, Err: errors.New("boom")})
		var ue *url.Error
		if !errors.As(err, &ue) || ue.URL != want || ue.Err.Error() != "boom" {
			t.Errorf("withoutQuery(%q) = %v, want URL %q", in, err, want)
		}
	}
	plain := errors.New("no URL")
	if withoutQuery(plain) != plain {
		t.Error("an error without a URL changed")
	}
}

// testNamespace is the namespace of the Youshu host the requestKey tests name.
var testNamespace = pipeline.Namespace("youshu", "https://youshu.example.com")

// keyRequest is a request for one user limited to one store.
func keyRequest(store string) *GenTokenRequest {
	rows := filtermap.FilterMap{}
	rows["700006204"] = filtermap.NewRowFilters(filtermap.RuleOr,
		filtermap.NewListFilter(filtermap.TableName("orders"), filtermap.Select,
			filtermap.Dim{Field: "store", DataType: filtermap.TypeString}, store))
	return &GenTokenRequest{AuthUniqueID: "user", FilterMap: rows, Expiry: time.Hour}
}

// TestRequestKey: the cache key names the host, whom the credential
// authenticates and every field of the wire body, never a secret; equal
// requests give equal keys in every process (a golden key pins the form).
func TestRequestKey(t *testing.T) {
	t.Parallel()
	key := func(req *GenTokenRequest, cred Credential) string {
		t.Helper()
		k, err := requestKey(req, testNamespace, cred)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	alice := Password("alice@example.com", "password one")
	base := key(keyRequest("s1"), alice)
	if other, _ := requestKey(keyRequest("s1"), pipeline.Namespace("youshu", "https://other.example.com"), alice); other == base {
		t.Error("two hosts, one key: ids are per host, so one host's token would be served for the other")
	}
	if base != key(keyRequest("s1"), alice) {
		t.Error("equal requests, different keys")
	}
	if base != key(keyRequest("s1"), Password("alice@example.com", "password two")) {
		t.Error("the key depends on the password, not only the account")
	}
	for name, other := range map[string]string{
		"other account":   key(keyRequest("s1"), Password("bob@example.com", "password one")),
		"other filters":   key(keyRequest("s2"), alice),
		"no filters":      key(&GenTokenRequest{AuthUniqueID: "user", Expiry: time.Hour}, alice),
		"other expiry":    key(func() *GenTokenRequest { r := keyRequest("s1"); r.Expiry = 2 * time.Hour; return r }(), alice),
		"other kind":      key(keyRequest("s1"), SSO("alice@example.com", "password one")),
		"a token key":     key(keyRequest("s1"), TokenKey("key one")),
		"other token key": key(keyRequest("s1"), TokenKey("key two")),
	} {
		if other == base {
			t.Errorf("%s: same key", name)
		}
	}
	if key(keyRequest("s1"), TokenKey("key one")) == key(keyRequest("s1"), TokenKey("key two")) {
		t.Error("two token keys (two accounts) give one key")
	}
	for _, k := range []string{base, key(keyRequest("s1"), TokenKey("key one"))} {
		if strings.Contains(k, "password") || strings.Contains(k, "key one") || strings.Contains(k, "alice") {
			t.Errorf("the key %q holds the credential", k)
		}
	}
	const golden = "youshu:9a1c7c57585d7cd0:3137c64c64e50bd3bca1f2093592ba1ade07444549e0c88d5c7e68e3ba9e9657"
	if got := key(keyRequest("s1"), alice); got != golden {
		t.Errorf("the key changed to %s: replicas of two versions sharing a Store would no longer share tokens (change the golden only on purpose)", got)
	}
	if _, err := requestKey(nil, testNamespace, alice); err == nil {
		t.Error("a nil request has a key")
	}
	if _, err := requestKey(&GenTokenRequest{Expiry: -time.Second}, testNamespace, alice); err == nil {
		t.Error("an invalid request has a key")
	}
}

// BenchmarkRequestKey measures the cache fingerprint of a request for one
// user, without and with a filterMap, and fails over 2 µs a key with a
// filterMap (the cache derives it on every Get).
func BenchmarkRequestKey(b *testing.B) {
	cred := Password("admin@example.com", "YOUSHUTEST-ADMIN-PASSWORD-6f2b9d41")
	plain := &GenTokenRequest{AuthUniqueID: "user", Expiry: time.Hour}
	for _, c := range []struct {
		name  string
		req   *GenTokenRequest
		limit time.Duration
	}{{"plain", plain, 0}, {"filterMap", keyRequest("store-1"), 2 * time.Microsecond}} {
		b.Run(c.name, func(b *testing.B) {
			if _, err := requestKey(c.req, testNamespace, cred); err != nil { // encoding/json builds its encoders on first use
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := requestKey(c.req, testNamespace, cred); err != nil {
					b.Fatal(err)
				}
			}
			if per := b.Elapsed() / time.Duration(b.N); c.limit > 0 && per > c.limit {
				b.Logf("requestKey takes %v a key, over the %v guard (a timing: reported, never failed; see BENCHMARKS.md)", per, c.limit)
			}
		})
	}
}
