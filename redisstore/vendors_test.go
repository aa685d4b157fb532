package redisstore_test

import (
	"testing"
	"time"

	"github.com/biembed/biembed-go/redisstore"
	"github.com/biembed/biembed-go/tencent"
	"github.com/biembed/biembed-go/youshu"
)

// The codecs keep the token's value, which its own JSON masks.
func TestCodecsKeepTheSecretValue(t *testing.T) {
	tt := &tencent.EmbedToken{ID: 9, Value: "tencent-live-token", ProjectID: 7, ExpiresAt: time.Unix(1e9, 0).UTC()}
	b, err := redisstore.TencentCodec{}.Encode(tt)
	if err != nil {
		t.Fatal(err)
	}
	back, err := redisstore.TencentCodec{}.Decode(b)
	if err != nil || back.Value.Reveal() != "tencent-live-token" || back.ProjectID != 7 || !back.ExpiresAt.Equal(tt.ExpiresAt) {
		t.Fatalf("Tencent round trip: %v, %v", back, err)
	}
	yt := &youshu.Token{Value: "youshu-live-token", BaseURL: "https://bi.example.com", IssuedAt: time.Unix(1e9, 0).UTC()}
	b, err = redisstore.YoushuCodec{}.Encode(yt)
	if err != nil {
		t.Fatal(err)
	}
	yback, err := redisstore.YoushuCodec{}.Decode(b)
	if err != nil || yback.Value.Reveal() != "youshu-live-token" || yback.BaseURL != yt.BaseURL {
		t.Fatalf("Youshu round trip: %v, %v", yback, err)
	}
	if tok, err := (redisstore.TencentCodec{}).Decode([]byte("null")); tok != nil || err != nil {
		t.Fatalf("null: %v, %v", tok, err)
	}
}
