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

	"github.com/biembed/biembed-go/tencent"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// envOf returns an env func that knows only vars: a clean machine when empty.
func envOf(vars map[string]string) func(string) string {
	return func(name string) string { return vars[name] }
}

// The fake mints deterministic Tencent tokens; Youshu's fake mints 40 hex digits.
var (
	tencentFakeTokens = []string{"00000000-0000-4000-8000-000000000001", "00000000-0000-4000-8000-000000000002"}
	youshuTokenRun    = regexp.MustCompile(`[0-9a-f]{40}`)
)

func TestRunFakeMode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		args      []string
		wantLines []*regexp.Regexp
	}{
		{
			name: "defaults",
			wantLines: []*regexp.Regexp{
				regexp.MustCompile(`^Tencent Cloud BI: fake mode, in-process tencenttest`),
				regexp.MustCompile(`^  page   token: tencent\.EmbedToken\{.*ProjectID:117 PageID:11520 Intention:embed Scope:page Value:0000…\(36 chars\) `),
				regexp.MustCompile(`^  page   URL:   https://tcbi\.qq\.com/page/embed\?authType=strong&projectId=117&pageId=11520&scope=page&token=<token>$`),
				regexp.MustCompile(`^  ChatBI token: tencent\.EmbedToken\{.*Intention:chatBIEmbed Scope:project Value:0000…\(36 chars\) `),
				regexp.MustCompile(`^  ChatBI URL:   https://tcbi\.qq\.com/page/chat-bi-embed\?authType=strong&projectId=117&token=<token>$`),
				regexp.MustCompile(`^Youshu BI: fake mode, in-process youshutest`),
				regexp.MustCompile(`^  report token: youshu\.Token\{Value: "[0-9a-f]{4}…\(40 chars\)", IssuedAt: \S+, ExpiresAt: \S+\}$`),
				regexp.MustCompile(`^  report URL:   http://127\.0\.0\.1:\d+/dash/integration/1\?token=<token>$`),
			},
		},
		{
			name: "flags choose the dashboard and the report project",
			args: []string{"-project", "7", "-page", "9", "-youshu-project", "42"},
			wantLines: []*regexp.Regexp{
				regexp.MustCompile(`^Tencent Cloud BI: fake mode`),
				regexp.MustCompile(`^  page   token: .*ProjectID:7 PageID:9 `),
				regexp.MustCompile(`^  page   URL:   https://tcbi\.qq\.com/page/embed\?authType=strong&projectId=7&pageId=9&scope=page&token=<token>$`),
				regexp.MustCompile(`^  ChatBI token: .*ProjectID:7 `),
				regexp.MustCompile(`^  ChatBI URL:   https://tcbi\.qq\.com/page/chat-bi-embed\?authType=strong&projectId=7&token=<token>$`),
				regexp.MustCompile(`^Youshu BI: fake mode`),
				regexp.MustCompile(`^  report token: `),
				regexp.MustCompile(`^  report URL:   http://127\.0\.0\.1:\d+/dash/integration/42\?token=<token>$`),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			require.NoError(t, run(context.Background(), &out, envOf(nil), tt.args))

			lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
			require.Len(t, lines, len(tt.wantLines), out.String())
			for i, re := range tt.wantLines {
				assert.Regexp(t, re, lines[i])
			}
			for _, tok := range tencentFakeTokens {
				assert.NotContains(t, out.String(), tok, "a full Tencent token was printed")
			}
			assert.NotRegexp(t, youshuTokenRun, out.String(), "a full Youshu token was printed")
		})
	}
}

func TestRunErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		env     map[string]string
		args    []string
		wantOut string // a line the program printed before failing
		wantErr string
		wantIs  error
	}{
		{
			name:    "half a Tencent key pair",
			env:     map[string]string{"TENCENTCLOUD_SECRET_ID": "AKIDexample"},
			wantErr: "tencent: set both TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY",
		},
		{
			name:    "half a Youshu configuration",
			env:     map[string]string{"YOUSHU_TOKEN_KEY": "key"},
			wantOut: "Tencent Cloud BI: fake mode",
			wantErr: "youshu: set both YOUSHU_BASE_URL and YOUSHU_TOKEN_KEY",
		},
		{
			// Real mode is chosen, and the bad request fails before any call.
			name:    "real Tencent mode checks the request before calling",
			env:     map[string]string{"TENCENTCLOUD_SECRET_ID": "AKIDexample", "TENCENTCLOUD_SECRET_KEY": "example-key"},
			args:    []string{"-project", "0"},
			wantOut: "Tencent Cloud BI: real service",
			wantErr: "ProjectID",
			wantIs:  tencent.ErrInvalid,
		},
		{
			name:    "real Youshu host must be https",
			env:     map[string]string{"YOUSHU_BASE_URL": "http://bi.example.com", "YOUSHU_TOKEN_KEY": "key"},
			wantOut: "Tencent Cloud BI: fake mode",
			wantErr: "youshu: invalid baseURL: must use https",
		},
		{
			name:    "unknown flag",
			args:    []string{"-nope"},
			wantErr: "flag provided but not defined: -nope",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			err := run(context.Background(), &out, envOf(tt.env), tt.args)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
			if tt.wantIs != nil {
				assert.ErrorIs(t, err, tt.wantIs)
			}
			assert.Contains(t, out.String(), tt.wantOut)
			assert.NotContains(t, out.String(), "Youshu BI: real", "no Youshu client may be made from a bad configuration")
		})
	}
}
