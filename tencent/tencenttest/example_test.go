package tencenttest_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"

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
	req.Header.Set("X-TC-Action", "CreateEmbedToken")
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	resp, err := client.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, strings.Contains(string(body), "AuthFailure.MissingAuthorization"))
	fmt.Println(srv.Count("CreateEmbedToken"))
	// Output:
	// 200 true
	// 1
}
