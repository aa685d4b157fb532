package main

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/biembed/biembed-go/biembed"
	"github.com/biembed/biembed-go/youshu/youshutest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// envOf returns an env func that knows only vars: a clean machine when empty.
func envOf(vars map[string]string) func(string) string {
	return func(name string) string { return vars[name] }
}

// Tokens of the fakes: Tencent's are UUIDs, Youshu's 40 hex digits. None
// may be printed whole; a biembed.Secret prints "***#" and six hex digits.
var (
	tencentTokenRun = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	youshuTokenRun  = regexp.MustCompile(`[0-9a-f]{40}`)
)

const mask = `\*\*\*#[0-9a-f]{6}`

func TestRunFakeModeMintsPerUserTokens(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		args      []string
		wantLines []string // regular expressions
	}{
		{
			name: "defaults: alice of corp-1",
			wantLines: []string{
				`^Tencent Cloud BI: fake mode, in-process tencenttest`,
				`^  page   token: ` + mask + ` for corp-1/alice, lifetime 30m0s$`,
				`^  page   URL:   https://tcbi\.qq\.com/page/embed\?authType=strong&projectId=117&pageId=11520&scope=page&token=<token>$`,
				`^  page   rows:  ` + regexp.QuoteMeta(`[{"ParamKey":"province","JoinType":"AND","WhereList":[{"Operator":"-is","Value":["Hubei","Hunan"]}]}]`) + `$`,
				`^  ChatBI token: ` + mask + ` for corp-1/alice, lifetime 30m0s$`,
				`^  ChatBI URL:   https://tcbi\.qq\.com/page/chat-bi-embed\?authType=strong&projectId=117&token=<token>$`,
				`^Youshu BI: fake mode, in-process youshutest`,
				`^  report token: ` + mask + ` for alice, lifetime 1h0m0s$`,
				`^  report URL:   http://127\.0\.0\.1:\d+/dash/integration/1\?token=<token>$`,
			},
		},
		{
			name: "no province filter",
			args: []string{"-provinces", ""},
			wantLines: []string{
				`^Tencent Cloud BI: fake mode`,
				`^  page   token: `,
				`^  page   URL:   `,
				`^  page   rows:  \(none: every row\)$`,
				`^  ChatBI token: `,
				`^  ChatBI URL:   `,
				`^Youshu BI: fake mode`,
				`^  report token: `,
				`^  report URL:   `,
			},
		},
		{
			name: "flags choose the dashboard, the user, their rows and the report project",
			args: []string{"-project", "7", "-page", "9", "-corp", "c9", "-user", "bob", "-provinces", " Guangdong,", "-youshu-project", "42"},
			wantLines: []string{
				`^Tencent Cloud BI: fake mode`,
				`^  page   token: ` + mask + ` for c9/bob, `,
				`^  page   URL:   https://tcbi\.qq\.com/page/embed\?authType=strong&projectId=7&pageId=9&scope=page&token=<token>$`,
				`^  page   rows:  .*"Value":\["Guangdong"\]`,
				`^  ChatBI token: ` + mask + ` for c9/bob, `,
				`^  ChatBI URL:   https://tcbi\.qq\.com/page/chat-bi-embed\?authType=strong&projectId=7&token=<token>$`,
				`^Youshu BI: fake mode`,
				`^  report token: ` + mask + ` for bob, `,
				`^  report URL:   http://127\.0\.0\.1:\d+/dash/integration/42\?token=<token>$`,
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
			assert.NotRegexp(t, tencentTokenRun, out.String(), "a full Tencent token was printed")
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
			wantIs:  biembed.ErrInvalid,
		},
		{
			// A user-bound token needs a user: refused before any call.
			name:    "no user",
			args:    []string{"-user", ""},
			wantOut: "Tencent Cloud BI: fake mode",
			wantErr: "UserID",
			wantIs:  biembed.ErrInvalid,
		},
		{
			name:    "real Youshu host must be https",
			env:     map[string]string{"YOUSHU_BASE_URL": "http://bi.example.com", "YOUSHU_TOKEN_KEY": "key"},
			wantOut: "Tencent Cloud BI: fake mode",
			wantErr: "youshu: invalid baseURL: must use https",
			wantIs:  biembed.ErrInvalid,
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

// The real-host mode line names the host, never the key.
func TestYoushuRealModeLineShowsNoKey(t *testing.T) {
	t.Parallel()
	client, mode, done, err := youshuClient(envOf(map[string]string{
		"YOUSHU_BASE_URL": "https://bi.example.com", "YOUSHU_TOKEN_KEY": youshutest.Admin().TokenKey,
	}), user{corp: "corp-1", id: "alice"})
	require.NoError(t, err)
	defer done()
	require.NotNil(t, client)
	assert.Equal(t, "real host https://bi.example.com (YOUSHU_BASE_URL is set)", mode)
	assert.NotContains(t, mode, youshutest.Admin().TokenKey)
	assert.NotContains(t, fmt.Sprint(client), youshutest.Admin().TokenKey)
}
