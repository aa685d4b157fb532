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

	"github.com/biembed/biembed-go/biembed"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func noEnv(string) string { return "" }

// The fake's tokens are UUIDs; none may be printed whole.
var tokenRun = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

func TestRunFakeMode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want []*regexp.Regexp
	}{
		{
			name: "defaults",
			want: []*regexp.Regexp{
				regexp.MustCompile(`^Tencent Cloud BI: fake mode`),
				regexp.MustCompile(`^token:  \*\*\*#[0-9a-f]{6}, lifetime 30m0s$`),
				regexp.MustCompile(`^user:   corp 1120, user 219301, token type 200$`),
				regexp.MustCompile(`^config: ` + regexp.QuoteMeta(`{"ChatBIConfigList":[{"ConfigType":"TableFilter","ConfigDetails":{"Values":["26513"]}},{"ConfigType":"SqlView","ConfigDetails":{"Enabled":false}}]}`) + `$`),
				regexp.MustCompile(`^URL:    https://tcbi\.qq\.com/page/chat-bi-embed\?authType=strong&projectId=117&token=<token>$`),
			},
		},
		{
			name: "flags reach the service",
			args: []string{"-project", "5", "-corp", "c9", "-user", "u7", "-table", "t3"},
			want: []*regexp.Regexp{
				regexp.MustCompile(`^Tencent Cloud BI: fake mode`),
				regexp.MustCompile(`^token:  \*\*\*#[0-9a-f]{6}, lifetime 30m0s$`),
				regexp.MustCompile(`^user:   corp c9, user u7, token type 200$`),
				regexp.MustCompile(`^config: .*"Values":\["t3"\]`),
				regexp.MustCompile(`^URL:    https://tcbi\.qq\.com/page/chat-bi-embed\?authType=strong&projectId=5&token=<token>$`),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			require.NoError(t, run(context.Background(), &out, noEnv, tt.args))
			lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
			require.Len(t, lines, len(tt.want), out.String())
			for i, re := range tt.want {
				assert.Regexp(t, re, lines[i])
			}
			assert.NotRegexp(t, tokenRun, out.String(), "the full token was printed")
		})
	}
}

// Bad input fails before anything is sent, with the field named.
func TestRunErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		env     map[string]string
		args    []string
		wantErr string
	}{
		{"no user for a user-bound token", nil, []string{"-user", ""}, "CreateEmbedTokenRequest.UserID: must be set for token type 200"},
		{"no enterprise", nil, []string{"-corp", ""}, "CreateEmbedTokenRequest.UserCorpID"},
		{"empty table id", nil, []string{"-table", ""}, "CreateEmbedTokenRequest.Config.ChatBIConfigList[0]"},
		{"no project", nil, []string{"-project", "0"}, "CreateEmbedTokenRequest.ProjectID"},
		// Real mode: still refused locally, so no request leaves the machine.
		{"real mode, bad request", map[string]string{"TENCENTCLOUD_SECRET_ID": "AKIDx", "TENCENTCLOUD_SECRET_KEY": "k"}, []string{"-user", ""}, "UserID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			err := run(context.Background(), &out, func(k string) string { return tt.env[k] }, tt.args)
			require.ErrorIs(t, err, biembed.ErrInvalid)
			assert.Contains(t, err.Error(), tt.wantErr)
			assert.NotContains(t, out.String(), "token:")
		})
	}

	err := run(context.Background(), &bytes.Buffer{}, func(k string) string {
		return map[string]string{"TENCENTCLOUD_SECRET_KEY": "k"}[k]
	}, nil)
	assert.ErrorContains(t, err, "set both TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY")
}
