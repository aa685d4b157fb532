package tencent_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"

	"github.com/biembed/biembed-go/tencent"
)

// TestClientNeverPrintsItsCredential: the credential lives in common's
// client, out of reach of the module-wide leak test's planting, so this test
// prints real clients (a permanent key and a temporary credential) every
// way the leak test does.
func TestClientNeverPrintsItsCredential(t *testing.T) {
	t.Parallel()
	const key, token = "SENTINEL-KEY-0123456789abcdef", "SENTINEL-SESSION-TOKEN-0123456789"
	permanent, err := tencent.NewClient(tencent.WithSecret("AKIDexample", key))
	if err != nil {
		t.Fatal(err)
	}
	temporary, err := tencent.NewClient(tencent.WithCredential(common.NewTokenCredential("AKIDexample", key, token)))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []*tencent.Client{permanent, temporary} {
		var logs bytes.Buffer
		slog.New(slog.NewJSONHandler(&logs, nil)).Info("m", "client", c)
		slog.New(slog.NewTextHandler(&logs, nil)).Info("m", "client", c)
		outputs := []string{logs.String()}
		for _, verb := range verbs {
			outputs = append(outputs, fmt.Sprintf(verb, c))
		}
		type holder struct{ C *tencent.Client }
		outputs = append(outputs, fmt.Sprintf("%+v", holder{c}), fmt.Sprintf("%#v", holder{c}))
		for _, out := range outputs {
			if strings.Contains(out, "SENTINEL") || strings.Contains(out, "AKIDexample") {
				t.Errorf("printed the credential: %s", out)
			}
		}
		if got := fmt.Sprint(c); got != "tencent.Client{endpoint: bi.tencentcloudapi.com, embedHost: https://tcbi.qq.com}" {
			t.Errorf("Sprint = %s", got)
		}
	}
}
