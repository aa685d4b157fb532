package tencent_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/biembed/biembed-go/biembed"
	"github.com/biembed/biembed-go/tencent"
)

const docToken = "300cf2a4-cfb8-47b8-9bc0-4a1f1f74bc1d"

var docSecret = biembed.NewSecret(docToken)

func pageToken() tencent.EmbedToken {
	return tencent.EmbedToken{Value: docSecret, ProjectID: 1, PageID: 2, Intention: tencent.IntentionEmbed, Scope: tencent.ScopePage}
}

func TestURLGolden(t *testing.T) {
	t.Parallel()
	dashboard := tencent.EmbedToken{Value: docSecret, ProjectID: 1, Intention: tencent.IntentionEmbed, Scope: tencent.ScopePanel}
	chat := tencent.EmbedToken{Value: docSecret, ProjectID: 1, Intention: tencent.IntentionChatBI, Scope: tencent.ScopeProject}
	private := pageToken()
	private.EmbedHost = "https://bi.corp.example/tcbi"
	cases := []struct {
		name string
		tok  tencent.EmbedToken
		opts []tencent.URLOption
		want string
	}{
		{"page", pageToken(), nil,
			"https://tcbi.qq.com/page/embed?authType=strong&projectId=1&pageId=2&scope=page&token=" + docToken},
		{"dashboard", dashboard, nil,
			"https://tcbi.qq.com/page/embed?authType=strong&projectId=1&pageId=0&scope=panel&token=" + docToken},
		{"ChatBI", chat, nil,
			"https://tcbi.qq.com/page/chat-bi-embed?authType=strong&projectId=1&token=" + docToken},
		{"page parameters", pageToken(), []tencent.URLOption{
			tencent.WithPageParam("province", "Hubei", "Hunan"), tencent.WithPageParam("gender", "Male"),
		}, "https://tcbi.qq.com/page/embed?authType=strong&projectId=1&pageId=2&scope=page&token=" + docToken +
			"&params[]=value%3DHubei%2CHunan%26target%3Dprovince&params[]=value%3DMale%26target%3Dgender"},
		{"non-ASCII page parameter", pageToken(), []tencent.URLOption{tencent.WithPageParam("省份", "湖北省")},
			"https://tcbi.qq.com/page/embed?authType=strong&projectId=1&pageId=2&scope=page&token=" + docToken +
				"&params[]=" + url.QueryEscape("value=湖北省&target=省份")},
		{"token's embed host", private, nil,
			"https://bi.corp.example/tcbi/page/embed?authType=strong&projectId=1&pageId=2&scope=page&token=" + docToken},
		{"WithHost override", private, []tencent.URLOption{tencent.WithHost("http://127.0.0.1:8080/")},
			"http://127.0.0.1:8080/page/embed?authType=strong&projectId=1&pageId=2&scope=page&token=" + docToken},
	}
	for _, c := range cases {
		got, err := c.tok.URL(c.opts...)
		if err != nil || got != c.want {
			t.Errorf("%s:\n got %s (%v)\nwant %s", c.name, got, err, c.want)
		}
	}
}

func TestURLResistsInjection(t *testing.T) {
	t.Parallel()
	for _, evil := range []string{"a&scope=project", "a#frag", "a/../../admin", "a?token=x", "a%26b", "a+b c", "a;b"} {
		tok := pageToken()
		tok.Value = biembed.NewSecret(evil)
		tok.ExtraParam = evil
		raw, err := tok.URL(tencent.WithPageParam("p", "v"))
		if err != nil {
			t.Fatalf("%q: %v", evil, err)
		}
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatalf("%q: URL %s does not parse: %v", evil, raw, err)
		}
		q, err := url.ParseQuery(u.RawQuery)
		if err != nil || u.Path != "/page/embed" || u.Fragment != "" || u.Host != "tcbi.qq.com" {
			t.Fatalf("%q: URL %s changed shape", evil, raw)
		}
		want := map[string][]string{"authType": {"strong"}, "projectId": {"1"}, "pageId": {"2"}, "scope": {"page"},
			"token": {evil}, "params[]": {"value=v&target=p"}}
		if !reflect.DeepEqual(map[string][]string(q), want) {
			t.Errorf("%q: query %v, want %v", evil, q, want)
		}
	}
}

func TestURLRejectsBadInput(t *testing.T) {
	t.Parallel()
	chat := tencent.EmbedToken{Value: docSecret, ProjectID: 1, Intention: tencent.IntentionChatBI, Scope: tencent.ScopeProject}
	edit := func(f func(*tencent.EmbedToken)) tencent.EmbedToken {
		tok := pageToken()
		f(&tok)
		return tok
	}
	cases := []struct {
		name  string
		tok   tencent.EmbedToken
		opts  []tencent.URLOption
		field string
	}{
		{"no value", edit(func(t *tencent.EmbedToken) { t.Value = biembed.Secret{} }), nil, "EmbedToken"},
		{"no project", edit(func(t *tencent.EmbedToken) { t.ProjectID = 0 }), nil, "EmbedToken"},
		{"page without page id", edit(func(t *tencent.EmbedToken) { t.PageID = 0 }), nil, "EmbedToken.PageID"},
		{"unknown scope", edit(func(t *tencent.EmbedToken) { t.Scope = "x" }), nil, "EmbedToken.Scope"},
		{"bad embed host", edit(func(t *tencent.EmbedToken) { t.EmbedHost = "javascript:alert(1)" }), nil, "EmbedToken.EmbedHost"},
		{"bad WithHost", pageToken(), []tencent.URLOption{tencent.WithHost("")}, "WithHost"},
		{"param name with &", pageToken(), []tencent.URLOption{tencent.WithPageParam("a&b", "v")}, `WithPageParam["a&b"]`},
		{"param without values", pageToken(), []tencent.URLOption{tencent.WithPageParam("a")}, `WithPageParam["a"]`},
		{"param value with comma", pageToken(), []tencent.URLOption{tencent.WithPageParam("a", "x", "y,z")}, `WithPageParam["a"]`},
		{"param value with =", pageToken(), []tencent.URLOption{tencent.WithPageParam("a", "x=1")}, `WithPageParam["a"]`},
		{"param value with %", pageToken(), []tencent.URLOption{tencent.WithPageParam("a", "100%")}, `WithPageParam["a"]`},
		{"empty param value", pageToken(), []tencent.URLOption{tencent.WithPageParam("a", "x", "")}, `WithPageParam["a"]`},
		{"params on ChatBI", chat, []tencent.URLOption{tencent.WithPageParam("a", "b")}, "WithPageParam"},
	}
	for _, c := range cases {
		u, err := c.tok.URL(c.opts...)
		var ve *biembed.ValidationError
		if !errors.As(err, &ve) || ve.Field != c.field || u != "" {
			t.Errorf("%s: %q, error = %v, want a validation error on %s", c.name, u, err, c.field)
		}
	}
	var nilToken *tencent.EmbedToken
	if _, err := nilToken.URL(); err == nil {
		t.Error("a nil token made a URL")
	}
}

// TestEmbedTokenNeverPrintsItsValue: an EmbedToken printed with any verb,
// as a value, a pointer or a field, and logged with either slog handler,
// shows its value only as the Secret's mask.
func TestEmbedTokenNeverPrintsItsValue(t *testing.T) {
	t.Parallel()
	tok := pageToken()
	tok.ExpiresAt = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var text, js bytes.Buffer
	slog.New(slog.NewTextHandler(&text, nil)).Info("minted", "token", tok, "ptr", &tok, "value", tok.Value)
	slog.New(slog.NewJSONHandler(&js, nil)).Info("minted", "token", tok, "ptr", &tok, "value", tok.Value)
	type holder struct{ Tok tencent.EmbedToken }
	outputs := []string{text.String(), js.String(), fmt.Sprintf("%+v", holder{tok}), fmt.Sprintf("%#v", holder{tok}),
		fmt.Sprintf("%v", []tencent.EmbedToken{tok})}
	for _, verb := range verbs {
		outputs = append(outputs, fmt.Sprintf(verb, tok), fmt.Sprintf(verb, &tok), fmt.Sprintf(verb, tok.Value))
	}
	mask := tok.Value.String()
	if !strings.HasPrefix(mask, "***#") || len(mask) != len("***#")+6 {
		t.Fatalf("mask %q, want ***# and six hex digits", mask)
	}
	for _, out := range outputs {
		if strings.Contains(out, docToken) || strings.Contains(out, docToken[:8]) || !strings.Contains(out, mask) {
			t.Errorf("printed form must show the value masked: %s", out)
		}
	}
	if got := fmt.Sprintf("%+v", tok); !strings.Contains(got, "Value:"+mask+" ProjectID:1 PageID:2") {
		t.Errorf("%%+v = %s", got)
	}
}

// TestEmbedTokenJSONMasksTheValue: json.Marshal masks Value (a store
// encodes Value.Reveal() itself); json.Unmarshal takes the raw value back.
func TestEmbedTokenJSONMasksTheValue(t *testing.T) {
	t.Parallel()
	tok := pageToken()
	tok.ExpiresAt = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	tok.GlobalParams = seedGlobalParams
	b, err := json.Marshal(tok)
	if err != nil {
		t.Fatal(err)
	}
	mask := tok.Value.String()
	if strings.Contains(string(b), docToken) || !strings.Contains(string(b), `"value":"`+mask+`"`) {
		t.Errorf("JSON must hold the value masked: %s", b)
	}
	var back tencent.EmbedToken
	stored := strings.Replace(string(b), mask, docToken, 1)
	if err := json.Unmarshal([]byte(stored), &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, tok) {
		t.Errorf("JSON round trip\n got %+v\nwant %+v", back, tok)
	}
	var keys map[string]any
	_ = json.Unmarshal(b, &keys)
	names := make([]string, 0, len(keys))
	for k := range keys {
		names = append(names, k)
	}
	sort.Strings(names)
	if want := "expiresAt,expiry,globalParams,id,intention,pageId,projectId,scope,value"; strings.Join(names, ",") != want {
		t.Errorf("JSON keys %v, want %s (zero fields omitted)", names, want)
	}
}
