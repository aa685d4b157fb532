package main

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"go.uber.org/goleak"

	"github.com/biembed/biembed-go/internal/testkit/redistest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestRunShowsOneMintAndACrossingInvalidation(t *testing.T) {
	var out bytes.Buffer
	err := run(context.Background(), &out, func(string) string { return "" })
	if errors.Is(err, errNoRedis) {
		if redistest.Required() {
			t.Fatal(err)
		}
		t.Skip("redis-server not found; install it with `" + redistest.InstallHint + "`")
	}
	if err != nil {
		t.Fatal(err)
	}
	want := "A and B serve the same token for alice: true (mints at Tencent: 1)\n" +
		"after A invalidated alice, B serves a new token: true (mints at Tencent: 2)\n"
	if out.String() != want {
		t.Fatalf("output:\n%s\nwant:\n%s", out.String(), want)
	}
}

func TestRunWithoutRedisSaysHowToGetOne(t *testing.T) {
	t.Setenv("PATH", t.TempDir()) // no redis-server
	err := run(context.Background(), &bytes.Buffer{}, func(string) string { return "" })
	if !errors.Is(err, errNoRedis) {
		t.Fatalf("err = %v, want errNoRedis", err)
	}
}
