package youshu_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/biembed/biembed-go/biembed"
	"github.com/biembed/biembed-go/clientsetting"
	"github.com/biembed/biembed-go/filtermap"
	"github.com/biembed/biembed-go/youshu"
	"github.com/biembed/biembed-go/youshu/youshutest"
)

// TestGenTokenValidation: every rule rejects its request with a
// *ValidationError naming the field, and nothing reaches the server.
func TestGenTokenValidation(t *testing.T) {
	t.Parallel()
	project := func(mod func(r *youshu.GenTokenRequest)) *youshu.GenTokenRequest {
		r := &youshu.GenTokenRequest{
			ApplyScope: youshu.ScopeProject, ProjectID: 1, AuthUniqueID: "user",
			RelationWithSystemPermission: youshu.RelationIgnore,
			ResourcePermissions:          reportPermission(), OpenRP: true,
		}
		mod(r)
		return r
	}
	badRows := rowFilters()
	badRows["700006204"] = filtermap.RowFilters{Rule: "xor", DataFilters: badRows["700006204"].DataFilters}
	badColumns := filtermap.ColumnFilterMap{}
	badColumns["1"] = filtermap.NewColumnFilters("", filtermap.NewColumnFilter("orders", filtermap.DataMask{Field: "region", DataType: "Text", ApplyRange: []filtermap.ApplyRange{filtermap.ApplyView}}))
	badTables := filtermap.TableFilterMap{}
	badTables["1"] = filtermap.TableFilters{Rule: filtermap.RuleAnd}
	badReport := filtermap.ReportDataFilters{{ReportID: "1", DataModelFilters: []filtermap.DataModelFilter{{
		DataModelID: 1, DataConnectionID: 2, Type: "row",
		Columns: []filtermap.ColumnFilter{filtermap.NewColumnFilter("orders", filtermap.DataMask{Field: "region", DataType: filtermap.TypeString, ApplyRange: []filtermap.ApplyRange{filtermap.ApplyView}})}}}}}

	tests := []struct {
		name   string
		req    *youshu.GenTokenRequest
		noCred bool // client without a default credential
		field  string
	}{
		{"nil request", nil, false, "GenTokenRequest"},
		{"no credential anywhere", &youshu.GenTokenRequest{}, true, "GenTokenRequest.Credential"},
		{"password without email", &youshu.GenTokenRequest{Credential: youshu.Password("", "p")}, false, "email"},
		{"password without password", &youshu.GenTokenRequest{Credential: youshu.Password("e", "")}, false, "password"},
		{"empty token key", &youshu.GenTokenRequest{Credential: youshu.TokenKey("")}, false, "key"},
		{"sso without integrate token", &youshu.GenTokenRequest{Credential: youshu.SSO("u", "")}, false, "integrateToken"},
		{"unknown applyScope", &youshu.GenTokenRequest{ApplyScope: "All"}, false, "applyScope"},
		{"unknown relation", &youshu.GenTokenRequest{RelationWithSystemPermission: "xor"}, false, "relationWithSystemPermission"},
		{"unknown useType", &youshu.GenTokenRequest{UseType: "readToken"}, false, "useType"},
		{"unknown alias source", &youshu.GenTokenRequest{ParameterAliasMap: map[string]youshu.ParameterAlias{"p": {From: "url"}}}, false, `parameterAliasMap["p"].from`},
		{"negative authUserId", &youshu.GenTokenRequest{AuthUserID: -1}, false, "authUserId"},
		{"negative domainId", &youshu.GenTokenRequest{DomainID: -1}, false, "domainId"},
		{"project needs ignore", project(func(r *youshu.GenTokenRequest) { r.RelationWithSystemPermission = youshu.RelationOr }), false, "relationWithSystemPermission"},
		{"project needs account", project(func(r *youshu.GenTokenRequest) { r.AuthUniqueID = "" }), false, "authUniqueId"},
		{"project needs resourcePermissions", project(func(r *youshu.GenTokenRequest) { r.ResourcePermissions = nil }), false, "resourcePermissions"},
		{"project needs projectId", project(func(r *youshu.GenTokenRequest) { r.ProjectID = 0 }), false, "projectId"},
		{"domain needs account", &youshu.GenTokenRequest{ApplyScope: youshu.ScopeDomain}, false, "authUniqueId"},
		{"resourcePermissions need openRp", &youshu.GenTokenRequest{ResourcePermissions: reportPermission()}, false, "resourcePermissions"},
		{"watermark needs uniqueId", &youshu.GenTokenRequest{EnableWatermark: true, Watermark: &youshu.Watermark{Nick: "n"}}, false, "watermark.uniqueId"},
		{"negative expiry", &youshu.GenTokenRequest{Expiry: -time.Second}, false, "expiryTime"},
		{"sub-second expiry", &youshu.GenTokenRequest{Expiry: 500 * time.Millisecond}, false, "expiryTime"},
		{"fractional expiry", &youshu.GenTokenRequest{Expiry: 1500 * time.Millisecond}, false, "expiryTime"},
		{"autoRenew negative, even without once", &youshu.GenTokenRequest{AutoRenew: -time.Second}, false, "autoRenew.expiryTime"},
		{"autoRenew fractional", &youshu.GenTokenRequest{Once: true, AutoRenew: 1500 * time.Millisecond}, false, "autoRenew.expiryTime"},
		{"bad filterMap", &youshu.GenTokenRequest{FilterMap: badRows}, false, `filterMap["700006204"].rule`},
		{"bad columnFilterMap", &youshu.GenTokenRequest{ColumnFilterMap: badColumns}, false, "columnFilterMap"},
		{"bad tableFilterMap", &youshu.GenTokenRequest{TableFilterMap: badTables}, false, "tableFilterMap"},
		{"bad reportDataFilters", &youshu.GenTokenRequest{ReportDataFilters: badReport}, false, "reportDataFilters[0].dataModelFilters[0].type"},
		{"bad resourcePermissions", &youshu.GenTokenRequest{OpenRP: true, ResourcePermissions: filtermap.ResourcePermissions{{ResourceType: "FILE", ResourceID: 1}}}, false, "resourcePermissions[0].resourceType"},
		{"authUniqueId with CR/LF", &youshu.GenTokenRequest{AuthUniqueID: "u\r\nX: 1"}, false, "authUniqueId"},
		{"uvId with a bidi override", &youshu.GenTokenRequest{UVID: "v\u202e"}, false, "uvId"},
		{"oversized uvId", &youshu.GenTokenRequest{UVID: strings.Repeat("v", 2048)}, false, "uvId"},
		{"token key with an account", &youshu.GenTokenRequest{Credential: youshu.Credential{Type: youshu.TokenTypeKey, Account: "a", Secret: biembed.NewSecret("k")}}, false, "key"},
		{"unknown credential type", &youshu.GenTokenRequest{Credential: youshu.Credential{Type: "cookie", Secret: biembed.NewSecret("k")}}, false, "tokenType"},
		{"credential without type", &youshu.GenTokenRequest{Credential: youshu.Credential{Account: "a"}}, false, "tokenType"},
		{"bad clientSetting", &youshu.GenTokenRequest{ClientSetting: &clientsetting.ClientSetting{Integrate: &clientsetting.Integrate{Scale: clientsetting.Ptr(0)}}}, false, "clientSetting.integrate.scale"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := youshutest.NewTestServer(t)
			c := newClient(t, srv)
			if tc.noCred {
				var err error
				c, err = youshu.NewClient(srv.URL(), youshu.WithInsecureHTTP())
				require.NoError(t, err)
			}
			tok, err := c.GenToken(context.Background(), tc.req)
			assert.Nil(t, tok)
			var ve *biembed.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.True(t, errors.Is(err, biembed.ErrInvalid))
			assert.True(t, strings.HasPrefix(ve.Field, tc.field), "field %q, want prefix %q (%v)", ve.Field, tc.field, err)
			assert.Zero(t, srv.Count(""), "nothing may reach the server")
		})
	}
}

func TestGenTokenValidRequestsPassValidation(t *testing.T) {
	t.Parallel()
	for name, req := range map[string]*youshu.GenTokenRequest{
		"empty":                  {},
		"project":                {ApplyScope: youshu.ScopeProject, ProjectID: 1, AuthUserID: 2, RelationWithSystemPermission: youshu.RelationIgnore, ResourcePermissions: reportPermission(), OpenRP: true},
		"domain":                 {ApplyScope: youshu.ScopeDomain, AuthUniqueID: "user"},
		"watermark":              {EnableWatermark: true, Watermark: &youshu.Watermark{UniqueID: "u"}},
		"enable watermark alone": {EnableWatermark: true},
		"watermark, not enabled": {Watermark: &youshu.Watermark{Nick: "n"}},
		"relation":               {RelationWithSystemPermission: youshu.RelationAnd, AuthUniqueID: "user", OpenRP: true, ResourcePermissions: reportPermission()},
		"once autoRenew":         {Once: true, AutoRenew: time.Minute, Expiry: time.Hour},
		"rows":                   {FilterMap: rowFilters()},
	} {
		assert.NoError(t, req.Validate(), name)
	}
}

// TestGenTokenAcceptsHarmlessNoOps: combinations the genToken document says
// have no effect, and that weaken nothing, are sent as they are (issue 11
// item 5): the server ignores them, so rejecting them would only break
// callers who copy the vendor's examples.
func TestGenTokenAcceptsHarmlessNoOps(t *testing.T) {
	t.Parallel()
	for name, req := range map[string]*youshu.GenTokenRequest{
		// "projectId: 只有 applyScope=Project 时才需要指定"
		"projectId without applyScope Project": {ApplyScope: youshu.ScopeManage, ProjectID: 1},
		"projectId with the default scope":     {ProjectID: 1},
		// "relationWithSystemPermission: 只有 authUniqueId 配置的情况下且 openRp = true 时才生效"
		"relation without an account": {RelationWithSystemPermission: youshu.RelationAnd, OpenRP: true, ResourcePermissions: reportPermission()},
		"relation without openRp":     {RelationWithSystemPermission: youshu.RelationIgnore, AuthUniqueID: "user"},
		// "autoRenew: 该参数只有在 once =true的时候生效"
		"autoRenew without once": {AutoRenew: 20 * time.Second, Expiry: time.Hour},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			require.NoError(t, req.Validate())
			srv := youshutest.NewTestServer(t)
			tok, err := newClient(t, srv).GenToken(context.Background(), req)
			require.NoError(t, err)
			assert.NotEmpty(t, tok.Value.Reveal())
			assert.Equal(t, 1, srv.Count(""))
		})
	}
}

// TestFakeIgnoresAutoRenewWithoutOnce: like the real service, the fake
// renews a token on use only when it is a once token, so a test against it
// cannot rely on a renewal the server would not make.
func TestFakeIgnoresAutoRenewWithoutOnce(t *testing.T) {
	t.Parallel()
	srv := youshutest.NewTestServer(t)
	c := newClient(t, srv)
	for _, once := range []bool{false, true} {
		tok, err := c.GenToken(context.Background(), &youshu.GenTokenRequest{Once: once, Expiry: time.Hour, AutoRenew: 20 * time.Second})
		require.NoError(t, err)
		issued, ok := srv.Lookup(tok.Value.Reveal())
		require.True(t, ok)
		if once {
			assert.Equal(t, 20*time.Second, issued.AutoRenew, "once: autoRenew applies")
		} else {
			assert.Zero(t, issued.AutoRenew, "without once, autoRenew has no effect")
		}
	}
}
