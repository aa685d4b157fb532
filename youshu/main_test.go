package youshu_test

import (
	"errors"
	"maps"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/biembed/biembed-go/biembed"
	"github.com/biembed/biembed-go/filtermap"
	"github.com/biembed/biembed-go/internal/testkit/secrettest"
	"github.com/biembed/biembed-go/tokencache"
	"github.com/biembed/biembed-go/youshu"
	"github.com/biembed/biembed-go/youshu/youshutest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// newClient returns a client for srv with the fake's admin as default
// credential and a fast backoff; opts come last and win.
func newClient(t testing.TB, srv *youshutest.Server, opts ...youshu.Option) *youshu.Client {
	t.Helper()
	// Every client a test builds logs at debug level into a recorder that
	// fails the test if a password, key or integrate token of the fake's
	// accounts appears in a log line. Benchmarks keep the default (no logging).
	var base []youshu.Option
	if _, isTest := t.(*testing.T); isTest {
		base = append(base, youshu.WithLogger(secrettest.New(t, youshutest.Secrets()...).Logger()))
	}
	base = append(base,
		youshu.WithInsecureHTTP(),
		youshu.WithCredential(youshutest.AdminCredential()),
		youshu.WithBackoff(time.Millisecond, 2*time.Millisecond),
	)
	c, err := youshu.NewClient(srv.URL(), append(base, opts...)...)
	require.NoError(t, err)
	return c
}

// newCache returns a cache over c, closed when t ends.
func newCache(t testing.TB, c *youshu.Client, opts tokencache.Options) *youshu.Cache {
	t.Helper()
	cache, err := youshu.NewCache(c, opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = cache.Close() })
	return cache
}

// rowFilters returns a valid filterMap: region in East or North on connection 700006204.
func rowFilters() filtermap.FilterMap {
	return regionFilters("East", "North")
}

// regionFilters returns a filterMap that lets the viewer see regions only.
func regionFilters(regions ...string) filtermap.FilterMap {
	m := filtermap.FilterMap{}
	m["700006204"] = filtermap.NewRowFilters(filtermap.RuleOr,
		filtermap.NewListFilter(filtermap.TableName("orders"), filtermap.Select,
			filtermap.Dim{Field: "region", DataType: filtermap.TypeString}, regions...))
	return m
}

// reportRequest is a cacheable request for the fake's user.
func reportRequest() *youshu.GenTokenRequest {
	return &youshu.GenTokenRequest{AuthUniqueID: youshutest.User().UniqueID, Expiry: 10 * time.Minute, FilterMap: rowFilters()}
}

// reportPermission returns one valid resource permission.
func reportPermission() filtermap.ResourcePermissions {
	return filtermap.ResourcePermissions{{ProjectID: 1, ResourceType: filtermap.NewReport, ResourceID: 173, Permissions: []filtermap.Permission{filtermap.PermView}}}
}

// sentinels are every errors.Is target of the package, by name.
var sentinels = map[string]error{
	"ErrRateLimited":       youshu.ErrRateLimited,
	"ErrUnauthorized":      youshu.ErrUnauthorized,
	"ErrNotFound":          youshu.ErrNotFound,
	"ErrReportDataFilters": youshu.ErrReportDataFilters,
	"ErrServer":            youshu.ErrServer,
	"ErrNetwork":           youshu.ErrNetwork,
	"ErrTimeout":           youshu.ErrTimeout,
	"ErrHTTPStatus":        youshu.ErrHTTPStatus,
	"ErrMalformedResponse": youshu.ErrMalformedResponse,
	"ErrResponseTooLarge":  youshu.ErrResponseTooLarge,
}

// matched lists the names of the sentinels err matches, in sorted order.
func matched(err error) []string {
	var names []string
	for _, name := range slices.Sorted(maps.Keys(sentinels)) {
		if errors.Is(err, sentinels[name]) {
			names = append(names, name)
		}
	}
	return names
}

// checkSentinels fails t unless err is an *Error for endpoint, prefixed
// "youshu <endpoint>: ", that matches exactly the sentinels named in want
// (in any order) and no *biembed.ValidationError.
func checkSentinels(t *testing.T, err error, endpoint string, want ...string) {
	t.Helper()
	var e *youshu.Error
	require.ErrorAs(t, err, &e)
	if e.Endpoint != endpoint {
		t.Errorf("Endpoint %q, want %q", e.Endpoint, endpoint)
	}
	if !strings.HasPrefix(err.Error(), "youshu "+endpoint+": ") {
		t.Errorf("error %q does not name vendor and endpoint", err)
	}
	wanted := map[string]bool{}
	for _, w := range want {
		if sentinels[w] == nil {
			t.Fatalf("no sentinel %s", w)
		}
		wanted[w] = true
	}
	for _, name := range slices.Sorted(maps.Keys(sentinels)) {
		if got := errors.Is(err, sentinels[name]); got != wanted[name] {
			t.Errorf("errors.Is(err, %s) = %v for %v (matches %v, want %v)", name, got, err, matched(err), want)
		}
	}
	if errors.Is(err, biembed.ErrInvalid) {
		t.Errorf("%v matches biembed.ErrInvalid", err)
	}
}

// closedPort returns a loopback address nothing listens on.
func closedPort(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}
