package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestRunFakeMode(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, func(string) string { return "" }))

	want := []*regexp.Regexp{
		regexp.MustCompile(`^Youshu BI: fake mode, in-process youshutest$`),
		regexp.MustCompile(`^minted:  youshu\.Token\{Value: "[0-9a-f]{4}…\(40 chars\)", IssuedAt: \S+, ExpiresAt: \S+\}$`),
		regexp.MustCompile(`^renewed: ok$`),
		regexp.MustCompile(`^revoked: ok$`),
		regexp.MustCompile(`^renew after revoke: refused by renewToken, code 404, server failure: false$`),
		regexp.MustCompile(`^  error: youshu renewToken: code 404: token not found$`),
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	require.Len(t, lines, len(want), out.String())
	for i, re := range want {
		assert.Regexp(t, re, lines[i])
	}
	// The fake's tokens are 40 hex digits; none may be printed whole.
	assert.NotRegexp(t, `[0-9a-f]{40}`, out.String())
}

func TestRunConfigErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		env     map[string]string
		wantErr string
	}{
		{"key without host", map[string]string{"YOUSHU_TOKEN_KEY": "k"}, "set both YOUSHU_BASE_URL and YOUSHU_TOKEN_KEY"},
		{"host without key", map[string]string{"YOUSHU_BASE_URL": "https://bi.example.com"}, "set both YOUSHU_BASE_URL and YOUSHU_TOKEN_KEY"},
		{"plain http host", map[string]string{"YOUSHU_BASE_URL": "http://bi.example.com", "YOUSHU_TOKEN_KEY": "k"}, "must use https"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			err := run(context.Background(), &out, func(k string) string { return tt.env[k] })
			assert.ErrorContains(t, err, tt.wantErr)
			assert.Empty(t, out.String(), "nothing happens with a bad configuration")
		})
	}
}
