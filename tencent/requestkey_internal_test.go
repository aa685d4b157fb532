package tencent

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/biembed/biembed-go/biembed"
	"github.com/biembed/biembed-go/clientsetting"
	"github.com/biembed/biembed-go/filtermap"
	"github.com/biembed/biembed-go/internal/pipeline"
)

// testNamespace is the namespace of the endpoint and embed host the
// requestKey tests name.
var testNamespace = pipeline.Namespace("tencent", "https://bi.tencentcloudapi.com https://bi.cloud.tencent.com")

func keyOf(t *testing.T, r *CreateEmbedTokenRequest) string {
	t.Helper()
	k, err := requestKey(r, testNamespace)
	if err != nil {
		t.Fatalf("requestKey: %v", err)
	}
	return k
}

// TestRequestKeyIsStableAndDistinguishesRequests: equal requests give equal
// keys; changing any field a token depends on gives another key; a bad
// request is refused like CreateEmbedToken refuses it; another host gives
// another key.
func TestRequestKeyIsStableAndDistinguishesRequests(t *testing.T) {
	t.Parallel()
	base := func() *CreateEmbedTokenRequest {
		r := NewPageRequest(7, 8)
		r.Expiry = 30 * time.Minute
		r.TokenType, r.UserCorpID, r.UserID = TokenTypeSingleUser, "corp", "alice"
		r.ExtraParam = "x"
		r.GlobalParams = filtermap.GlobalParams{filtermap.In("province", "Hubei").GlobalParam()}
		return r
	}
	key := keyOf(t, base())
	if key != keyOf(t, base()) || !strings.HasPrefix(key, testNamespace) || len(key) != len(testNamespace)+64 {
		t.Fatalf("key %q is not stable or not <namespace><sha256 hex>", key)
	}
	edits := map[string]func(*CreateEmbedTokenRequest){
		"ProjectID":       func(r *CreateEmbedTokenRequest) { r.ProjectID = 9 },
		"PageID":          func(r *CreateEmbedTokenRequest) { r.PageID = 9 },
		"Scope":           func(r *CreateEmbedTokenRequest) { r.Scope, r.PageID = ScopePanel, 0 },
		"Expiry":          func(r *CreateEmbedTokenRequest) { r.Expiry = 31 * time.Minute },
		"no Expiry":       func(r *CreateEmbedTokenRequest) { r.Expiry = 0 },
		"ExtraParam":      func(r *CreateEmbedTokenRequest) { r.ExtraParam = "y" },
		"UserCorpID":      func(r *CreateEmbedTokenRequest) { r.UserCorpID = "corp2" },
		"UserID":          func(r *CreateEmbedTokenRequest) { r.UserID = "bob" },
		"TicketNum":       func(r *CreateEmbedTokenRequest) { r.TicketNum = 3 },
		"TokenType":       func(r *CreateEmbedTokenRequest) { r.TokenType, r.TokenNum = TokenTypeMultiUser, 2 },
		"GlobalParams":    func(r *CreateEmbedTokenRequest) { r.GlobalParams[0].WhereList[0].Value = []string{"Hunan"} },
		"no GlobalParams": func(r *CreateEmbedTokenRequest) { r.GlobalParams = nil },
		"field boundary":  func(r *CreateEmbedTokenRequest) { r.UserCorpID, r.UserID = "corpa", "lice" },
	}
	seen := map[string]string{key: "base"}
	for name, edit := range edits {
		r := base()
		edit(r)
		k := keyOf(t, r)
		if other, dup := seen[k]; dup {
			t.Errorf("%s gives the key of %s", name, other)
		}
		seen[k] = name
	}
	if k, _ := requestKey(base(), pipeline.Namespace("tencent", "https://bi.example.com https://bi.cloud.tencent.com")); k == key {
		t.Error("another API host gives the same key: one deployment's token would be served for the other")
	}
	chat := NewChatBIRequest(7)
	chat.Config = clientsetting.NewChatBIConfig(clientsetting.SQLView(true))
	other := NewChatBIRequest(7)
	other.Config = clientsetting.NewChatBIConfig(clientsetting.SQLView(false))
	if keyOf(t, chat) == keyOf(t, other) {
		t.Error("ChatBI configs do not change the key")
	}
	for _, bad := range []*CreateEmbedTokenRequest{nil, {}, NewPageRequest(7, 0)} {
		var ve *biembed.ValidationError
		if _, err := requestKey(bad, testNamespace); !errors.As(err, &ve) {
			t.Errorf("requestKey(%+v) = %v, want a *biembed.ValidationError", bad, err)
		}
	}
}

// TestRequestKeyIsTheHashOfTheBodySent: over many generated valid
// requests, the key is the namespace and the SHA-256 of exactly the body
// CreateEmbedToken sends, so the key and the wire cannot disagree about
// what was asked.
func TestRequestKeyIsTheHashOfTheBodySent(t *testing.T) {
	t.Parallel()
	var (
		mu     sync.Mutex
		bodies []string
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, string(b))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"Response":{"Data":{"BIToken":"tok-0123456789","ProjectId":"1"},"RequestId":"r"}}`)
	}))
	defer srv.Close()
	limiter, _ := biembed.NewRateLimiter(1e9, 1)
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	client, err := NewClient(WithSecret("AKID", "key"), WithEndpoint(srv.URL), WithRateLimiter(limiter), WithTransport(tr))
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	texts := []string{"", "a", "corp-1", "<b>&\"quoted\"</b>", "ünïcode 区域", "tab\tx", "\x01ctl"}
	pick := func() string { return texts[rng.IntN(len(texts))] }
	for checked := 0; checked < 200; {
		req := randomRequest(rng, pick)
		if req.Validate() != nil {
			continue
		}
		if _, err := client.CreateEmbedToken(context.Background(), req); err != nil {
			t.Fatalf("CreateEmbedToken(%+v): %v", req, err)
		}
		mu.Lock()
		body := bodies[len(bodies)-1]
		mu.Unlock()
		sum := sha256.Sum256([]byte(body))
		if key := keyOf(t, req); key != testNamespace+hex.EncodeToString(sum[:]) {
			t.Fatalf("requestKey(%+v) = %s is not the namespace and the hash of the body sent, %s", req, key, body)
		}
		checked++
	}
}

func randomRequest(rng *rand.Rand, pick func() string) *CreateEmbedTokenRequest {
	var req *CreateEmbedTokenRequest
	switch rng.IntN(3) {
	case 0:
		req = NewPageRequest(rng.Uint64N(1<<40)+1, rng.Uint64N(1<<40)+1)
	case 1:
		req = NewDashboardRequest(rng.Uint64() | 1)
	default:
		req = NewChatBIRequest(rng.Uint64N(1000) + 1)
		if rng.IntN(2) == 0 {
			req.Config = clientsetting.NewChatBIConfig(clientsetting.TableFilter("26513", pick()), clientsetting.SQLView(rng.IntN(2) == 0))
		}
	}
	req.Expiry = time.Duration(rng.IntN(241)) * time.Minute
	req.ExtraParam = pick()
	if rng.IntN(4) == 0 {
		req.TicketNum = rng.Int64N(maxTicketNum) + 1
	}
	switch rng.IntN(4) {
	case 1:
		req.TokenType = TokenTypeNoUser
	case 2:
		req.TokenType, req.UserCorpID, req.UserID = TokenTypeSingleUser, "corp-"+pick(), "user-"+pick()
	case 3:
		req.TokenType, req.UserCorpID, req.UserID, req.TokenNum = TokenTypeMultiUser, "corp", pick()+"u", rng.Int64N(50)+1
	}
	for range rng.IntN(3) {
		req.GlobalParams = append(req.GlobalParams, filtermap.GlobalParam{
			ParamKey: "key" + pick(), JoinType: "AND",
			WhereList: []filtermap.Where{{Operator: filtermap.OpIs, Value: []string{pick(), pick()}}, {Operator: filtermap.OpEq, Value: []string{pick()}}},
		})
	}
	return req
}

// maxRequestKeyNanos is the cost of requestKey that BenchmarkRequestKey
// guards: the cache pays it on every Get, hits included.
const maxRequestKeyNanos = 2000

// BenchmarkRequestKey measures the cache key of a page request, without
// and with a GlobalParam, and fails when either costs more than 2 µs a key
// (not under the race detector, which slows everything).
func BenchmarkRequestKey(b *testing.B) {
	plain := NewPageRequest(117, 11520)
	plain.Expiry = 30 * time.Minute
	plain.UserCorpID, plain.UserID, plain.TokenType = "corp-1", "user-1", TokenTypeSingleUser
	withParams := *plain
	withParams.GlobalParams = filtermap.GlobalParams{
		{ParamKey: "region", JoinType: "AND", WhereList: []filtermap.Where{{Operator: filtermap.OpIs, Value: []string{"East", "North"}}}},
	}
	for _, c := range []struct {
		name string
		req  *CreateEmbedTokenRequest
	}{{"plain", plain}, {"globalParam", &withParams}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := requestKey(c.req, testNamespace); err != nil {
					b.Fatal(err)
				}
			}
			per := b.Elapsed().Nanoseconds() / int64(b.N)
			b.Logf("requestKey: %d ns a key over %d keys", per, b.N)
			if !raceEnabled && per > maxRequestKeyNanos {
				b.Logf("requestKey costs %d ns, more than the %d ns guard (a timing: reported, never failed; see BENCHMARKS.md)", per, maxRequestKeyNanos)
			}
		})
	}
}

// FuzzBodyIsWhatCommonSends: the hand-written body is valid JSON holding the
// request's fields, and a fixed point of encoding/json (which common runs
// over it before sending), so the key hashes the very bytes sent.
func FuzzBodyIsWhatCommonSends(f *testing.F) {
	f.Add("<b>&\"x\"</b>", "corp\u2028", "用户\\")
	f.Fuzz(func(t *testing.T, extra, corp, user string) {
		r := NewPageRequest(1, 2)
		r.ExtraParam, r.UserCorpID, r.UserID, r.TokenType = extra, corp, user, TokenTypeSingleUser
		b, err := r.body()
		if err != nil {
			return // invalid input: nothing is sent
		}
		sent, err := json.Marshal(json.RawMessage(b))
		if err != nil || !bytes.Equal(sent, b) {
			t.Fatalf("encoding/json changes the body:\n%s\n%s", b, sent)
		}
		var got struct{ ExtraParam, UserCorpId, UserId string }
		if err := json.Unmarshal(b, &got); err != nil || got.ExtraParam != extra || got.UserCorpId != corp || got.UserId != user {
			t.Fatalf("the body does not decode to the fields: %v %+v", err, got)
		}
	})
}
