package tencenttest_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/biembed/biembed-go/tencent/tencenttest"
)

// The fake answers like the real service: HTTP 200 with an error envelope,
// here because the request carries no TC3 signature. Point a client at it
// with tencent.WithEndpoint(srv.URL()).
func ExampleNewServer() {
	srv := tencenttest.NewServer()
	defer srv.Close()

	req, _ := http.NewRequest(http.MethodPost, srv.URL(), strings.NewReader(`{"ProjectId":1}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-TC-Action", tencenttest.ActionCreateEmbedToken)
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	resp, err := client.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, strings.Contains(string(body), tencenttest.CodeMissingAuthorization))
	fmt.Println(srv.Count(tencenttest.ActionCreateEmbedToken))
	// Output:
	// 200 true
	// 1
}

// VerifyTC3 passes the example of Tencent Cloud's signing documentation.
func ExampleVerifyTC3() {
	payload := `{"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]}`
	req, _ := http.NewRequest(http.MethodPost, "https://cvm.tencentcloudapi.com/", strings.NewReader(payload))
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("X-TC-Action", "DescribeInstances")
	req.Header.Set("X-TC-Timestamp", "1551113065")
	req.Header.Set("Authorization", "TC3-HMAC-SHA256 Credential=AKIDEXAMPLE/2019-02-25/cvm/tc3_request, "+
		"SignedHeaders=content-type;host;x-tc-action, "+
		"Signature=10b1a37a7301a02ca19a647ad722d5e43b4b3cff309d421d85b46093f6ab6c4f")
	secrets := map[string]string{"AKIDEXAMPLE": strings.Repeat("*", 32)}

	fmt.Println(tencenttest.VerifyTC3(req, []byte(payload), secrets, time.Unix(1551113065, 0)))
	fmt.Println(tencenttest.VerifyTC3(req, []byte(payload), secrets, time.Unix(1551113065+600, 0)))
	// Output:
	// <nil>
	// AuthFailure.SignatureExpire: the signature has expired: the request timestamp is more than 5 minutes off the server clock
}
