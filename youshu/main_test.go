package youshu_test

import (
	"testing"
	"time"

	"github.com/biembed/biembed-go/internal/testkit/secrettest"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/biembed/biembed-go/filtermap"
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
	t.Cleanup(c.CloseIdleConnections)
	return c
}

// rowFilters returns a valid filterMap: region in East or North on connection 700006204.
func rowFilters() filtermap.FilterMap {
	var m filtermap.FilterMap
	m.Set(700006204, filtermap.NewRowFilters(filtermap.RuleOr,
		filtermap.NewListFilter(filtermap.TableName("orders"), filtermap.Select,
			filtermap.Field("region", filtermap.TypeString), "East", "North")))
	return m
}

// reportPermission returns one valid resource permission.
func reportPermission() filtermap.ResourcePermissions {
	return filtermap.ResourcePermissions{filtermap.ResourceByID(filtermap.NewReport, 173, filtermap.PermView).InProject(1)}
}
