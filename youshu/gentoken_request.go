package youshu

import (
	"time"

	"github.com/biembed/biembed-go/clientsetting"
	"github.com/biembed/biembed-go/filtermap"
)

// GenTokenRequest is the body of genToken: who is asking (Credential), whom
// the token is for, and what it may see. The zero value, with a client
// default credential, mints a token for the credential's own account with
// the server's default expiry. Booleans are sent only when true (every
// one's documented default is false), ids only when set.
type GenTokenRequest struct {
	Credential Credential `json:"-"` // authenticates the caller; zero: the client's WithCredential

	// AuthUniqueID is the account the token is for; empty means the caller.
	// Only super admins may mint for another account (project admins and
	// domain owners with ApplyScope Project or Domain). AuthUserID names the
	// account by its numeric id instead.
	AuthUniqueID string `json:"authUniqueId,omitempty"`
	AuthUserID   int64  `json:"authUserId,omitempty"`
	// RelationWithSystemPermission says how ResourcePermissions combine with
	// the account's own permissions; effective with an account and OpenRP.
	RelationWithSystemPermission Relation `json:"relationWithSystemPermission,omitempty"`

	EnableWatermark bool       `json:"enableWatermark,omitempty"` // turns Watermark on
	Watermark       *Watermark `json:"-"`                         // effective with EnableWatermark, then needs a UniqueID

	FilterMap       filtermap.FilterMap       `json:"filterMap,omitempty"`       // row permissions per data connection
	ColumnFilterMap filtermap.ColumnFilterMap `json:"columnFilterMap,omitempty"` // column masks per data connection
	TableFilterMap  filtermap.TableFilterMap  `json:"tableFilterMap,omitempty"`  // visible tables per data connection (model embedding)
	// ReportDataFilters holds row and column permissions per report; Youshu
	// checks every id strictly and answers code 743 (ErrReportDataFilters).
	ReportDataFilters filtermap.ReportDataFilters `json:"reportDataFilters,omitempty"`
	// ResourcePermissions lists the resources the token may use, intersected
	// with the account's role permissions, applied only with OpenRP (which
	// Validate therefore requires).
	ResourcePermissions filtermap.ResourcePermissions `json:"resourcePermissions,omitempty"`
	OpenRP              bool                          `json:"openRp,omitempty"`

	// PillFieldMap changes attributes of fields of pills: data model id ->
	// field id -> attributes (for example {"expr": "12"}).
	PillFieldMap      map[string]map[string]map[string]any `json:"pillFieldMap,omitempty"`
	TableExprMap      map[string]string                    `json:"tableExprMap,omitempty"`      // custom SQL table id -> expression
	ParameterMap      map[string]any                       `json:"parameterMap,omitempty"`      // field id -> global or report parameter value
	ParameterAliasMap map[string]ParameterAlias            `json:"parameterAliasMap,omitempty"` // parameters by name

	// Expiry is sent as expiryTime in whole seconds. Zero leaves it out and
	// the server default applies (the document says both "86400 * 30" and
	// "one day"; this SDK assumes neither).
	Expiry        time.Duration                `json:"-"`
	ClientSetting *clientsetting.ClientSetting `json:"clientSetting,omitempty"` // display settings, out of the viewer's reach
	// UseType marks a helper token that may only remove or renew other
	// tokens (super admins only); RemoveToken and RenewToken mint these.
	UseType   UseType       `json:"useType,omitempty"`
	Once      bool          `json:"once,omitempty"`     // single-use: the first visitor uses it up
	DomainID  int64         `json:"domainId,omitempty"` // the enterprise domain
	AutoRenew time.Duration `json:"-"`                  // extends the token on every use (with Once); sent in whole seconds
	// ApplyScope is what the token may do (server default: ScopeManage).
	// ScopeProject needs RelationIgnore, an account, ResourcePermissions
	// (so OpenRP) and ProjectID; ScopeDomain needs an account.
	ApplyScope            ApplyScope `json:"applyScope,omitempty"`
	ProjectID             int64      `json:"projectId,omitempty"`             // the project of ScopeProject
	EnableDefaultBookmark bool       `json:"enableDefaultBookmark,omitempty"` // open reports with their default bookmark
	UVID                  string     `json:"uvId,omitempty"`                  // recorded per visit, to count visitors without an account
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
	AsString bool   `json:"-"` // send a JSON string holding the object
}
