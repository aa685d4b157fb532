package youshu

import (
	"cmp"
	"time"

	"github.com/biembed/biembed-go/internal/validate"
)

// Validate checks r against the rules of the genToken document (and this
// SDK's stricter ones) and returns a *ValidationError naming the first wire
// field that breaks one. It checks the credential only when r.Credential is
// set; GenToken also requires a credential (r's or the client's).
//
// Beyond the document: ResourcePermissions without OpenRP are refused
// (Youshu would ignore them and the token get the account's full
// permissions). Settings that have no effect and weaken nothing are allowed:
// a Watermark without EnableWatermark, RelationWithSystemPermission without
// an account and OpenRP, ProjectID outside ScopeProject, AutoRenew without
// Once (still checked, as it is still sent).
func (r *GenTokenRequest) Validate() error {
	if r == nil {
		return validate.Fieldf("GenTokenRequest", "must not be nil")
	}
	for _, f := range [...]struct{ name, value string }{{"authUniqueId", r.AuthUniqueID}, {"uvId", r.UVID}} {
		if err := validate.Text(f.name, f.value, 1024); err != nil { // no control or format characters, or megabytes
			return err
		}
	}
	if r.Credential != (Credential{}) {
		if err := r.Credential.validate(); err != nil {
			return err
		}
	}
	account := r.AuthUniqueID != "" || r.AuthUserID != 0
	switch {
	case !validate.OneOf(r.ApplyScope, "", ScopeManage, ScopeResource, ScopeProject, ScopeDomain):
		return validate.Fieldf("applyScope", "must be Manage, Resource, Project or Domain")
	case !validate.OneOf(r.RelationWithSystemPermission, "", RelationOr, RelationAnd, RelationIgnore):
		return validate.Fieldf("relationWithSystemPermission", "must be or, and or ignore")
	case !validate.OneOf(r.UseType, "", UseDeleteToken, UseUpdateToken):
		return validate.Fieldf("useType", "must be deleteToken or updateToken")
	}
	for name, alias := range r.ParameterAliasMap {
		if name == "" {
			return validate.Fieldf(validate.Key("parameterAliasMap", name), "parameter name must not be empty")
		}
		if !validate.OneOf(alias.From, FromAll, FromReport, FromGlobal) {
			return validate.Fieldf(validate.Key("parameterAliasMap", name)+".from", "must be all, report or global")
		}
	}
	switch {
	case r.AuthUserID < 0:
		return validate.Fieldf("authUserId", "must be positive")
	case r.DomainID < 0:
		return validate.Fieldf("domainId", "must be positive")
	case r.ProjectID < 0:
		return validate.Fieldf("projectId", "must be positive")
	case r.ApplyScope == ScopeProject && r.RelationWithSystemPermission != RelationIgnore:
		return validate.Fieldf("relationWithSystemPermission", `must be "ignore" with applyScope Project`)
	case r.ApplyScope == ScopeProject && !account:
		return validate.Fieldf("authUniqueId", "authUniqueId or authUserId is required with applyScope Project")
	case r.ApplyScope == ScopeProject && len(r.ResourcePermissions) == 0:
		return validate.Fieldf("resourcePermissions", "required with applyScope Project")
	case r.ApplyScope == ScopeProject && r.ProjectID == 0:
		return validate.Fieldf("projectId", "required with applyScope Project")
	case r.ApplyScope == ScopeDomain && !account:
		return validate.Fieldf("authUniqueId", "authUniqueId or authUserId is required with applyScope Domain")
	case len(r.ResourcePermissions) > 0 && !r.OpenRP:
		return validate.Fieldf("resourcePermissions", "require openRp: without it Youshu ignores them and the token gets the account's full permissions")
	case r.EnableWatermark && r.Watermark != nil && r.Watermark.UniqueID == "":
		return validate.Fieldf("watermark.uniqueId", "required")
	}
	for _, f := range [...]struct {
		name string
		d    time.Duration
	}{{"expiryTime", r.Expiry}, {"autoRenew.expiryTime", r.AutoRenew}} {
		if f.d < 0 {
			return validate.Fieldf(f.name, "must not be negative")
		}
		if f.d%time.Second != 0 {
			return validate.Fieldf(f.name, "must be a whole number of seconds")
		}
	}
	// The filtermap validators' paths already start with the wire name, e.g. filterMap["1"].rule.
	return cmp.Or(r.FilterMap.Validate(), r.ColumnFilterMap.Validate(), r.TableFilterMap.Validate(),
		r.ReportDataFilters.Validate(), r.ResourcePermissions.Validate(), validate.Within("clientSetting", r.ClientSetting.Validate()))
}
