package youshu

import (
	"time"

	"github.com/biembed/biembed-go/clientsetting"
	"github.com/biembed/biembed-go/filtermap"
)

// GenTokenRequest is the body of genToken: who is asking (Credential), whom
// the token is for, and what it may see. The zero value, with a client
// default credential, mints a token for the credential's own account with the
// server's default expiry.
//
// It encodes to JSON as the documented wire body without the credential
// (MarshalJSON), and decodes from the whole body, credential included
// (UnmarshalJSON). fmt, slog and json.Marshal never show the credential's
// secret.
// Boolean fields are sent only when true (false is every one's documented
// default); numeric ids only when non-zero.
type GenTokenRequest struct {
	// Credential authenticates the caller; the zero value uses the client's
	// WithCredential default.
	Credential Credential `json:"-"`

	// AuthUniqueID (authUniqueId) is the account the token is for; empty means
	// the caller itself. Only super admins may mint for another account
	// (project admins and domain owners with ApplyScope Project or Domain).
	AuthUniqueID string `json:"authUniqueId,omitempty"`
	// AuthUserID (authUserId) names the account by its numeric user id instead.
	AuthUserID int64 `json:"authUserId,omitempty"`
	// RelationWithSystemPermission says how ResourcePermissions combine with
	// the account's own permissions in Youshu (or: union, the server default;
	// and: intersection; ignore: only ResourcePermissions). It has no effect
	// unless AuthUniqueID (or AuthUserID) and OpenRP are set; it is sent
	// either way.
	RelationWithSystemPermission Relation `json:"relationWithSystemPermission,omitempty"`

	// EnableWatermark turns the watermark on; Watermark applies only then.
	EnableWatermark bool `json:"enableWatermark,omitempty"`
	// Watermark is what the watermark shows. It has an effect only with
	// EnableWatermark, and then needs a UniqueID; without EnableWatermark it
	// is sent but does nothing (the document's own examples do this), so
	// Validate allows it.
	Watermark *Watermark `json:"-"`

	// FilterMap holds row permissions per data connection.
	FilterMap filtermap.FilterMap `json:"filterMap,omitempty"`
	// ColumnFilterMap holds column masks per data connection.
	ColumnFilterMap filtermap.ColumnFilterMap `json:"columnFilterMap,omitempty"`
	// TableFilterMap lists the visible tables per data connection (model embedding).
	TableFilterMap filtermap.TableFilterMap `json:"tableFilterMap,omitempty"`
	// ReportDataFilters holds row and column permissions per report. Youshu
	// checks every id strictly and answers code 743 (ErrReportDataFilters).
	ReportDataFilters filtermap.ReportDataFilters `json:"reportDataFilters,omitempty"`
	// ResourcePermissions lists the resources the token may use, intersected
	// with the account's role permissions. Youshu applies them only when OpenRP
	// is true and silently ignores them otherwise, which would grant more than
	// the caller meant: this SDK therefore REJECTS ResourcePermissions without
	// OpenRP.
	ResourcePermissions filtermap.ResourcePermissions `json:"resourcePermissions,omitempty"`
	// OpenRP (openRp) turns resource permission filtering on.
	OpenRP bool `json:"openRp,omitempty"`

	// PillFieldMap changes attributes of fields of pills: data model id ->
	// field id -> attributes (for example {"expr": "12"}).
	PillFieldMap map[string]map[string]map[string]any `json:"pillFieldMap,omitempty"`
	// TableExprMap replaces the expression of custom SQL tables, keyed by id.
	TableExprMap map[string]string `json:"tableExprMap,omitempty"`
	// ParameterMap sets global and report parameters, keyed by field id.
	ParameterMap map[string]any `json:"parameterMap,omitempty"`
	// ParameterAliasMap sets parameters by name.
	ParameterAliasMap map[string]ParameterAlias `json:"parameterAliasMap,omitempty"`

	// Expiry is sent as expiryTime, in whole seconds. Zero leaves it out and
	// the server default applies (the document says both "86400 * 30" and
	// "one day"; this SDK assumes neither). Negative or fractional seconds are
	// rejected.
	Expiry time.Duration `json:"-"`
	// ClientSetting holds display settings, carried in the token rather than
	// in the integration URL.
	ClientSetting *clientsetting.ClientSetting `json:"clientSetting,omitempty"`
	// UseType marks a helper token that may only remove (UseDeleteToken) or
	// renew (UseUpdateToken) other tokens; super admins only. RemoveToken and
	// RenewToken mint these for you.
	UseType UseType `json:"useType,omitempty"`
	// Once makes the token single-use: the first visitor uses it up.
	Once bool `json:"once,omitempty"`
	// DomainID (domainId) picks the enterprise domain.
	DomainID int64 `json:"domainId,omitempty"`
	// AutoRenew extends the token by this much on every use, sent as
	// autoRenew.expiryTime in whole seconds; zero leaves it out. It has no
	// effect unless Once is set; it is sent either way.
	AutoRenew time.Duration `json:"-"`
	// ApplyScope is what the token may do (server default: ScopeManage).
	// ScopeProject needs RelationIgnore, AuthUniqueID or AuthUserID,
	// ResourcePermissions (so OpenRP) and ProjectID; ScopeDomain needs
	// AuthUniqueID or AuthUserID.
	ApplyScope ApplyScope `json:"applyScope,omitempty"`
	// ProjectID (projectId) is the project of ScopeProject, which requires
	// it. It has no effect unless ApplyScope is ScopeProject; it is sent
	// either way.
	ProjectID int64 `json:"projectId,omitempty"`
	// EnableDefaultBookmark opens reports with their default bookmark.
	EnableDefaultBookmark bool `json:"enableDefaultBookmark,omitempty"`
	// UVID (uvId) is recorded with each visit (report_recent_visit.uv_id), to
	// count visitors who have no account of their own.
	UVID string `json:"uvId,omitempty"`
}

// Relation is relationWithSystemPermission.
type Relation string

// The documented relations.
const (
	RelationOr     Relation = "or"     // union with the account's permissions (server default)
	RelationAnd    Relation = "and"    // intersection
	RelationIgnore Relation = "ignore" // only ResourcePermissions count
)

// UseType is useType: what a helper token is for.
type UseType string

// The documented use types.
const (
	UseDeleteToken UseType = "deleteToken" // may call rmToken
	UseUpdateToken UseType = "updateToken" // may call renewToken
)

// ApplyScope is applyScope: the rights a token carries.
type ApplyScope string

// The documented scopes.
const (
	ScopeManage   ApplyScope = "Manage"   // resources and management (server default)
	ScopeResource ApplyScope = "Resource" // preview, export and other resource rights only
	ScopeProject  ApplyScope = "Project"  // resource rights in one project, minted by its admin
	ScopeDomain   ApplyScope = "Domain"   // minted by a domain owner for a domain member
)

// The documented sources of a ParameterAlias: where it looks for the parameter.
const (
	FromAll    = "all"    // report or global, global first
	FromReport = "report" // report parameters
	FromGlobal = "global" // global parameters
)

// ParameterAlias sets one parameter by name.
type ParameterAlias struct {
	From  string `json:"from"` // FromAll, FromReport or FromGlobal
	Value any    `json:"value"`
}

// Watermark is the watermark drawn on integration pages. It is sent as the
// JSON object of the document's examples or, with AsString, as a string
// holding that object (the parameter table types watermark as a String);
// decoding accepts both and sets AsString for the string form.
type Watermark struct {
	Email    string `json:"email,omitempty"`
	UniqueID string `json:"uniqueId,omitempty"`
	Nick     string `json:"nick,omitempty"`
	// AsString sends the watermark as a JSON string holding the object.
	AsString bool `json:"-"`
}
