package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/biembed/biembed-go/internal/testkit/redistest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func noEnv(string) string { return "" }

// Both vendors: one mint serves both replicas, and a revocation on A makes B
// mint anew while the old token's page fails at the fake.
func TestRunShowsOneMintAndACrossingRevocation(t *testing.T) {
	var out bytes.Buffer
	err := run(context.Background(), &out, noEnv)
	if errors.Is(err, errNoRedis) {
		if redistest.Required() {
			t.Fatal(err)
		}
		t.Skip("redis-server not found; install it with `" + redistest.InstallHint + "`")
	}
	if err != nil {
		t.Fatal(err)
	}
	want := "Tencent Cloud BI (in-process tencenttest), replicas A and B on one Redis:\n" +
		"  A and B serve alice the same token: true (mints: 1); its page: shows alice (corp corp-1)\n" +
		"  A revokes alice (RevokeUser: ClearEmbedToken for corp-1 on that page): B serves a new token: true (mints: 2); the old page: refused (HTTP 401, unknown)\n" +
		"Youshu BI (in-process youshutest), the same replicas:\n" +
		"  A and B serve alice the same token: true (mints: 1); its page: shows alice\n" +
		"  A revokes alice's token (Revoke: rmToken): B serves a new token: true (mints: 2); the old page: refused (HTTP 401, unknown)\n"
	if out.String() != want {
		t.Fatalf("output:\n%s\nwant:\n%s", out.String(), want)
	}
}

func TestRunWithoutRedisSaysHowToGetOne(t *testing.T) {
	t.Setenv("PATH", t.TempDir()) // no redis-server
	err := run(context.Background(), &bytes.Buffer{}, noEnv)
	if !errors.Is(err, errNoRedis) {
		t.Fatalf("err = %v, want errNoRedis", err)
	}
	if !strings.Contains(err.Error(), redistest.InstallHint) {
		t.Fatalf("err = %v, want the install command %q", err, redistest.InstallHint)
	}
}
