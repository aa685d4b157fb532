package youshutest_test

import (
	"context"
	"fmt"

	"github.com/biembed/biembed-go/youshu"
	"github.com/biembed/biembed-go/youshu/youshutest"
)

// Test code that mints tokens against the fake, and check what it sent.
func Example() {
	srv := youshutest.NewServer(youshutest.WithDataModels(700284409))
	defer srv.Close()
	client, _ := youshu.NewClient(srv.URL(), youshu.WithInsecureHTTP(),
		youshu.WithCredential(youshutest.AdminCredential()), youshu.WithRetries(0))

	srv.Inject(youshutest.Fault{Endpoint: "genToken", HTTPStatus: 503, Times: 1})
	_, err := client.GenToken(context.Background(), &youshu.GenTokenRequest{AuthUniqueID: youshutest.User().UniqueID})
	fmt.Println(err)

	tok, err := client.GenToken(context.Background(), &youshu.GenTokenRequest{AuthUniqueID: youshutest.User().UniqueID, Once: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	info, _ := srv.Lookup(tok.Value.Reveal())
	fmt.Println(info.Caller, "->", info.Subject, "once:", info.Once)
	fmt.Println(srv.Count("genToken"), "genToken requests; last:", srv.Requests()[1])
	// Output:
	// youshu genToken: HTTP 503: code 503: Service Unavailable
	// admin -> user once: true
	// 2 genToken requests; last: POST /api/dash/util/genToken (genToken, 138-byte body)
}
