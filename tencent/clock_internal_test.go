package tencent

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestSignTC3MatchesTheDocumentedExample checks the re-signer of WithClock
// against the worked example of Tencent Cloud's signature v3 documentation.
func TestSignTC3MatchesTheDocumentedExample(t *testing.T) {
	t.Parallel()
	payload := `{"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]}`
	r, err := http.NewRequest(http.MethodPost, "https://cvm.tencentcloudapi.com/", strings.NewReader(payload))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/json; charset=utf-8")
	r.Header.Set("X-TC-Action", "DescribeInstances")
	signTC3(r, []byte(payload), "cvm", "AKIDEXAMPLE", strings.Repeat("*", 32), time.Unix(1551113065, 0),
		[]string{"content-type", "host", "x-tc-action"})
	want := "TC3-HMAC-SHA256 Credential=AKIDEXAMPLE/2019-02-25/cvm/tc3_request, " +
		"SignedHeaders=content-type;host;x-tc-action, " +
		"Signature=10b1a37a7301a02ca19a647ad722d5e43b4b3cff309d421d85b46093f6ab6c4f"
	if got := r.Header.Get("Authorization"); got != want {
		t.Errorf("Authorization =\n%s\nwant\n%s", got, want)
	}
	if got := r.Header.Get("X-TC-Timestamp"); got != "1551113065" {
		t.Errorf("X-TC-Timestamp = %s", got)
	}
}
