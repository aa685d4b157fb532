package youshu_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/biembed/biembed-go/internal/testkit/seeds"
	"github.com/biembed/biembed-go/youshu"
	"github.com/biembed/biembed-go/youshu/youshutest"
)

// credentialKeys are the wire fields of a credential: MarshalJSON leaves
// them out, UnmarshalJSON reads them.
var credentialKeys = []string{"tokenType", "email", "password", "key", "uniqueId", "integrateToken"}

// normaliseSeed applies the only differences the SDK's encoding may have
// from a documented example: expireTime is written as expiryTime, and the
// credential is left out.
func normaliseSeed(t *testing.T, seed []byte) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(seed, &m))
	if v, ok := m["expireTime"]; ok {
		m["expiryTime"] = v
		delete(m, "expireTime")
	}
	for _, k := range credentialKeys {
		delete(m, k)
	}
	return m
}

func TestGenTokenRequestGoldenSeeds(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		seed []byte
		cred youshu.Credential
	}{
		"password": {seeds.YoushuGenTokenPassword, youshu.Password("zhangsan@163.com", "123456")},
		"sso":      {seeds.YoushuGenTokenSSO, youshu.SSO("123456", "ljasljlkjdsiueiwkjajjsdkjhklajljsk")},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var req youshu.GenTokenRequest
			require.NoError(t, json.Unmarshal(tc.seed, &req))
			assert.Equal(t, tc.cred, req.Credential, "UnmarshalJSON reads the credential")
			assert.Equal(t, 1000*time.Second, req.Expiry, "expireTime is an alias of expiryTime")

			out, err := json.Marshal(req)
			require.NoError(t, err)
			var got map[string]any
			require.NoError(t, json.Unmarshal(out, &got))
			assert.Equal(t, normaliseSeed(t, tc.seed), got)
		})
	}
}

func TestGenTokenRequestPasswordSeedFields(t *testing.T) {
	t.Parallel()
	var req youshu.GenTokenRequest
	require.NoError(t, json.Unmarshal(seeds.YoushuGenTokenPassword, &req))
	assert.Equal(t, "lisi@163.com", req.AuthUniqueID)
	assert.True(t, req.Once)
	assert.True(t, req.OpenRP)
	assert.Equal(t, 20*time.Second, req.AutoRenew)
	assert.Equal(t, youshu.FromGlobal, req.ParameterAliasMap["全局参数-字符串"].From)
	assert.Equal(t, "zhangsan", req.UVID)
	assert.Equal(t, "12", req.PillFieldMap["123"]["12"]["expr"])
	assert.Len(t, req.ResourcePermissions, 4)
	assert.Equal(t, youshu.Password("zhangsan@163.com", "123456"), req.Credential, "the seed's credential fields are read")
}

// TestGenTokenRequestJSONLeavesTheCredentialOut: json.Marshal of a
// request never holds its credential (nor its secret in any form); the
// client splices the credential into the body it sends, where the fake's
// UnmarshalJSON reads it back whole.
func TestGenTokenRequestJSONLeavesTheCredentialOut(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		cred youshu.Credential
		wire string
	}{
		"password":       {youshu.Password(youshutest.User().Email, youshutest.User().Password), `{"tokenType":"userPassword","email":"` + youshutest.User().Email + `","password":"` + youshutest.User().Password + `"}`},
		"token key":      {youshu.TokenKey(youshutest.User().TokenKey), `{"tokenType":"tokenKey","key":"` + youshutest.User().TokenKey + `"}`},
		"sso":            {youshu.SSO(youshutest.User().UniqueID, youshutest.User().IntegrateToken), `{"tokenType":"custom","uniqueId":"user","integrateToken":"` + youshutest.User().IntegrateToken + `"}`},
		"sso no user id": {youshu.SSO("", youshutest.User().IntegrateToken), `{"tokenType":"custom","integrateToken":"` + youshutest.User().IntegrateToken + `"}`},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			req := youshu.GenTokenRequest{Credential: tc.cred, UVID: "v"}
			for _, v := range []any{req, &req, []youshu.GenTokenRequest{req}, map[string]any{"r": req}} {
				out, err := json.Marshal(v)
				require.NoError(t, err)
				assert.NotContains(t, string(out), tc.cred.Secret.Reveal())
				for _, k := range credentialKeys {
					assert.NotContains(t, string(out), `"`+k+`"`)
				}
			}
			out, _ := json.Marshal(req)
			assert.JSONEq(t, `{"uvId":"v"}`, string(out))

			srv := youshutest.NewTestServer(t)
			_, err := newClient(t, srv).GenToken(context.Background(), &req)
			require.NoError(t, err)
			sent := srv.Requests()[0]
			var body map[string]any
			require.NoError(t, json.Unmarshal(sent.Body, &body))
			var want map[string]any
			require.NoError(t, json.Unmarshal([]byte(tc.wire), &want))
			want["uvId"] = "v"
			assert.Equal(t, want, body, "the wire body holds the credential")
			assert.Equal(t, tc.cred, sent.GenToken.Credential, "and decodes back to it")
		})
	}
}

func TestGenTokenRequestInfersCredentialKind(t *testing.T) {
	t.Parallel()
	for body, want := range map[string]youshu.Credential{
		`{"email":"a","password":"p"}`:          youshu.Password("a", "p"),
		`{"key":"k"}`:                           youshu.TokenKey("k"),
		`{"integrateToken":"i"}`:                youshu.SSO("", "i"),
		`{"uniqueId":"u","integrateToken":"i"}`: youshu.SSO("u", "i"),
		`{"tokenType":"tokenKey","key":"k"}`:    youshu.TokenKey("k"),
	} {
		var req youshu.GenTokenRequest
		require.NoError(t, json.Unmarshal([]byte(body), &req), body)
		assert.Equal(t, want, req.Credential, body)
	}
}

func TestGenTokenRequestDecodeErrors(t *testing.T) {
	t.Parallel()
	for name, body := range map[string]string{
		"two credential kinds":   `{"email":"a","password":"p","key":"k"}`,
		"tokenType mismatch":     `{"tokenType":"tokenKey","password":"p"}`,
		"unknown tokenType":      `{"tokenType":"magic"}`,
		"both expiry keys":       `{"expiryTime":1,"expireTime":1}`,
		"fractional expiry":      `{"expiryTime":1.5}`,
		"expiry overflow":        `{"expiryTime":9223372036854775807}`,
		"unknown key":            `{"expiryTme":1}`,
		"unknown autoRenew key":  `{"once":true,"autoRenew":{"expiry":1}}`,
		"autoRenew needs expiry": `{"once":true,"autoRenew":{}}`,
		"autoRenew of zero":      `{"once":true,"autoRenew":{"expiryTime":0}}`,
		"watermark as string":    `{"watermark":"x"}`,
		"trailing data (direct)": `{} {}`,
		"not an object":          `[]`,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var req youshu.GenTokenRequest
			assert.Error(t, req.UnmarshalJSON([]byte(body)))
		})
	}
}

func TestGenTokenRequestEncoding(t *testing.T) {
	t.Parallel()
	req := youshu.GenTokenRequest{
		Expiry:    90 * time.Second,
		Once:      true,
		AutoRenew: 20 * time.Second,
		ParameterAliasMap: map[string]youshu.ParameterAlias{
			"p": {From: youshu.FromReport, Value: 3},
		},
		ApplyScope: youshu.ScopeProject, ProjectID: 7, AuthUserID: 9,
		RelationWithSystemPermission: youshu.RelationIgnore,
		UseType:                      youshu.UseDeleteToken,
		DomainID:                     5,
		EnableDefaultBookmark:        true,
		TableExprMap:                 map[string]string{"123": "select 1"},
	}
	out, err := json.Marshal(req)
	require.NoError(t, err)
	assert.JSONEq(t, `{"expiryTime":90,"once":true,"autoRenew":{"expiryTime":20},
		"parameterAliasMap":{"p":{"from":"report","value":3}},"applyScope":"Project","projectId":7,
		"authUserId":9,"relationWithSystemPermission":"ignore","useType":"deleteToken","domainId":5,
		"enableDefaultBookmark":true,"tableExprMap":{"123":"select 1"}}`, string(out))

	_, err = json.Marshal(youshu.GenTokenRequest{Expiry: 1500 * time.Millisecond})
	assert.Error(t, err, "fractional seconds cannot be encoded")
	_, err = json.Marshal(youshu.GenTokenRequest{AutoRenew: time.Millisecond})
	assert.Error(t, err)
}

// FuzzGenTokenRequestJSON: decoding never panics, and what decodes encodes
// to JSON that decodes again to the same encoding.
func FuzzGenTokenRequestJSON(f *testing.F) {
	f.Add(seeds.YoushuGenTokenPassword)
	f.Add(seeds.YoushuGenTokenSSO)
	for _, s := range []string{`{}`, `{"key":"k","expiryTime":-5}`, `{"parameterMap":{"1":1e400}}`,
		`{"parameterMap":{"1":12345678901234567890}}`, `{"filterMap":{}}`, `{"autoRenew":{}}`, `null`, `{"tokenType":"custom"}`,
		`{"watermark":"{\"uniqueId\":\"u\",\"nick\":\"\\u003c\"}"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var first youshu.GenTokenRequest
		if json.Unmarshal(data, &first) != nil {
			return
		}
		_ = first.Validate()
		enc1, err := json.Marshal(first)
		if err != nil {
			return // e.g. a value encoding/json cannot write back
		}
		var second youshu.GenTokenRequest
		if err := json.Unmarshal(enc1, &second); err != nil {
			t.Fatalf("re-decoding %s: %v", enc1, err)
		}
		enc2, err := json.Marshal(second)
		if err != nil || string(enc1) != string(enc2) {
			t.Fatalf("unstable: %s then %s (%v)", enc1, enc2, errors.Unwrap(err))
		}
	})
}
