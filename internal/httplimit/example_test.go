package httplimit_test

import (
	"fmt"
	"net/http"

	"github.com/biembed/biembed-go/internal/httplimit"
)

func ExampleTransport() {
	client := &http.Client{Transport: &httplimit.Transport{Base: httplimit.DefaultTransport()}}
	fmt.Println(client.Transport != nil, httplimit.MaxHeaderBytes)
	// Output: true 65536
}
