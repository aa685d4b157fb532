package hostiletest_test

import (
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/biembed/biembed-go/internal/testkit/hostiletest"
)

// A redirect is a Body with a Location header.
func ExampleBody() {
	t := &testing.T{}
	sink := hostiletest.New(t, hostiletest.JSON(200, "{}"))
	defer sink.Close()
	srv := hostiletest.New(t, hostiletest.Body(307, "application/json", "{}", "Location", sink.URL))
	defer srv.Close()

	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(srv.URL)
	if err != nil {
		fmt.Println(err)
		return
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	fmt.Println(resp.StatusCode, srv.Hits(), sink.Hits())
	// Output: 307 1 0
}
