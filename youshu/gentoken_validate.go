package youshu

import (
	"time"

	"github.com/biembed/biembed-go/internal/validate"
)

// Validate checks r against the rules of the genToken document (and this
// SDK's stricter ones) and returns a *ValidationError naming the first wire
// field that breaks one. It checks the credential only when r.Credential is
// set; GenToken also requires a credential (r's or the client's).
func (r *GenTokenRequest) Validate() error {
	if r == nil {
		return validate.Fieldf("GenTokenRequest", "must not be nil")
	}
	if err := r.validateText(); err != nil {
		return err
	}
	if err := r.validateCredential(); err != nil {
		return err
	}
	if err := r.validateEnums(); err != nil {
		return err
	}
	if err := r.validateIDs(); err != nil {
		return err
	}
	if err := r.validateScope(); err != nil {
		return err
	}
	if err := r.validateRelation(); err != nil {
		return err
	}
	if err := r.validateWatermark(); err != nil {
		return err
	}
	if err := r.validateExpiry(); err != nil {
		return err
	}
	return r.validateBlocks()
}

func (r *GenTokenRequest) validateCredential() error {
	if r.Credential == (Credential{}) {
		return nil
	}
	return r.Credential.validate()
}

func (r *GenTokenRequest) validateEnums() error {
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
	return nil
}

func (r *GenTokenRequest) validateIDs() error {
	switch {
	case r.AuthUserID < 0:
		return validate.Fieldf("authUserId", "must be positive")
	case r.DomainID < 0:
		return validate.Fieldf("domainId", "must be positive")
	case r.ProjectID < 0:
		return validate.Fieldf("projectId", "must be positive")
	}
	return nil
}

func (r *GenTokenRequest) hasAuthAccount() bool { return r.AuthUniqueID != "" || r.AuthUserID != 0 }

func (r *GenTokenRequest) validateScope() error {
	switch r.ApplyScope {
	case ScopeProject:
		switch {
		case r.RelationWithSystemPermission != RelationIgnore:
			return validate.Fieldf("relationWithSystemPermission", `must be "ignore" with applyScope Project`)
		case !r.hasAuthAccount():
			return validate.Fieldf("authUniqueId", "authUniqueId or authUserId is required with applyScope Project")
		case len(r.ResourcePermissions) == 0:
			return validate.Fieldf("resourcePermissions", "required with applyScope Project")
		case r.ProjectID == 0:
			return validate.Fieldf("projectId", "required with applyScope Project")
		}
	case ScopeDomain:
		if !r.hasAuthAccount() {
			return validate.Fieldf("authUniqueId", "authUniqueId or authUserId is required with applyScope Domain")
		}
	}
	// projectId outside applyScope Project has no effect (the document: only
	// Project needs it), so it is sent as it is.
	return nil
}

// validateRelation rejects resourcePermissions without openRp: Youshu
// ignores them then, and the token silently gets the account's full
// permissions. relationWithSystemPermission without authUniqueId (or
// authUserId) and openRp has no effect and weakens nothing (without openRp
// there are no resourcePermissions to combine), so it is not an error.
func (r *GenTokenRequest) validateRelation() error {
	if len(r.ResourcePermissions) > 0 && !r.OpenRP {
		return validate.Fieldf("resourcePermissions", "require openRp: without it Youshu ignores them and the token gets the account's full permissions")
	}
	return nil
}

// validateWatermark requires uniqueId in an enabled watermark, as the
// document does. A watermark without enableWatermark has no effect and
// weakens nothing, so it is not an error (the document's examples send one).
func (r *GenTokenRequest) validateWatermark() error {
	if r.Watermark == nil || !r.EnableWatermark {
		return nil
	}
	if r.Watermark.UniqueID == "" {
		return validate.Fieldf("watermark.uniqueId", "required")
	}
	return nil
}

// validateExpiry rejects negative durations and fractions of a second.
// Without once, autoRenew has no effect (which weakens nothing); it is still
// checked, as it is still sent.
func (r *GenTokenRequest) validateExpiry() error {
	for _, f := range [...]struct {
		name string
		d    time.Duration
	}{{"expiryTime", r.Expiry}, {"autoRenew.expiryTime", r.AutoRenew}} {
		if f.d < 0 {
			return validate.Fieldf(f.name, "must not be negative")
		}
		if _, err := seconds(f.name, f.d); err != nil {
			return err
		}
	}
	return nil
}

// validateBlocks runs the filtermap validators (their field paths already
// start with the wire name, e.g. filterMap["1"].rule) and the clientsetting one.
func (r *GenTokenRequest) validateBlocks() error {
	if err := r.FilterMap.Validate(); err != nil {
		return err
	}
	if err := r.ColumnFilterMap.Validate(); err != nil {
		return err
	}
	if err := r.TableFilterMap.Validate(); err != nil {
		return err
	}
	if err := r.ReportDataFilters.Validate(); err != nil {
		return err
	}
	if err := r.ResourcePermissions.Validate(); err != nil {
		return err
	}
	return validate.Within("clientSetting", r.ClientSetting.Validate())
}

// validateText refuses text fields that would carry control or format
// characters, or megabytes, into the body.
func (r *GenTokenRequest) validateText() error {
	for _, f := range [...]struct{ name, value string }{{"authUniqueId", r.AuthUniqueID}, {"uvId", r.UVID}} {
		if err := validate.Text(f.name, f.value, 1024); err != nil {
			return err
		}
	}
	return nil
}
