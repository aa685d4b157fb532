package youshu

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"time"

	"github.com/biembed/biembed-go/clientsetting"
	"github.com/biembed/biembed-go/filtermap"
	"github.com/biembed/biembed-go/internal/validate"
)

// genTokenWire is the documented genToken body, field for field.
type genTokenWire struct {
	TokenType      TokenType `json:"tokenType,omitempty"`
	Email          *string   `json:"email,omitempty"`
	Password       *string   `json:"password,omitempty"`
	Key            *string   `json:"key,omitempty"`
	UniqueID       *string   `json:"uniqueId,omitempty"`
	IntegrateToken *string   `json:"integrateToken,omitempty"`

	AuthUniqueID                 string                        `json:"authUniqueId,omitempty"`
	AuthUserID                   int64                         `json:"authUserId,omitempty"`
	RelationWithSystemPermission Relation                      `json:"relationWithSystemPermission,omitempty"`
	EnableWatermark              bool                          `json:"enableWatermark,omitempty"`
	Watermark                    *Watermark                    `json:"watermark,omitempty"`
	FilterMap                    filtermap.FilterMap           `json:"filterMap,omitempty"`
	ColumnFilterMap              filtermap.ColumnFilterMap     `json:"columnFilterMap,omitempty"`
	TableFilterMap               filtermap.TableFilterMap      `json:"tableFilterMap,omitempty"`
	PillFieldMap                 PillFieldMap                  `json:"pillFieldMap,omitempty"`
	TableExprMap                 map[string]string             `json:"tableExprMap,omitempty"`
	ParameterMap                 map[string]any                `json:"parameterMap,omitempty"`
	ExpiryTime                   *int64                        `json:"expiryTime,omitempty"`
	ExpireTime                   *int64                        `json:"expireTime,omitempty"` // decoding only
	ResourcePermissions          filtermap.ResourcePermissions `json:"resourcePermissions,omitempty"`
	OpenRP                       bool                          `json:"openRp,omitempty"`
	ClientSetting                *clientsetting.ClientSetting  `json:"clientSetting,omitempty"`
	UseType                      UseType                       `json:"useType,omitempty"`
	Once                         bool                          `json:"once,omitempty"`
	DomainID                     int64                         `json:"domainId,omitempty"`
	AutoRenew                    *AutoRenew                    `json:"autoRenew,omitempty"`
	ApplyScope                   ApplyScope                    `json:"applyScope,omitempty"`
	ProjectID                    int64                         `json:"projectId,omitempty"`
	EnableDefaultBookmark        bool                          `json:"enableDefaultBookmark,omitempty"`
	ParameterAliasMap            map[string]ParameterAlias     `json:"parameterAliasMap,omitempty"`
	ReportDataFilters            filtermap.ReportDataFilters   `json:"reportDataFilters,omitempty"`
	UVID                         string                        `json:"uvId,omitempty"`

	expirySeconds int64 // r.Expiry in seconds, for ExpiryTime (see fillWire)
}

// MarshalJSON encodes r as the genToken wire body, with tokenType and the
// credential's fields (secret included) when r.Credential is set, and Expiry
// as expiryTime in seconds. It fails only for an Expiry or AutoRenew.Expiry
// that is not a whole number of seconds.
func (r GenTokenRequest) MarshalJSON() ([]byte, error) {
	w, err := r.wire(r.Credential)
	if err != nil {
		return nil, err
	}
	return json.Marshal(w)
}

// UnmarshalJSON decodes a genToken wire body. The credential kind comes from
// tokenType or, when tokenType is absent (as in the documented examples),
// from which credential fields are present; fields of two kinds are an error.
// expireTime, the key the documented example uses, is accepted as an alias of
// expiryTime (both at once is an error); encoding always writes expiryTime.
// Unknown keys are an error, so a stored request never loses a restriction
// silently. Numbers inside parameterMap, parameterAliasMap and pillFieldMap
// decode as json.Number, which keeps large ids exact.
func (r *GenTokenRequest) UnmarshalJSON(data []byte) error {
	var w genTokenWire
	if err := decodeStrict(data, &w); err != nil {
		return err
	}
	req, err := w.request()
	if err != nil {
		return err
	}
	*r = req
	return nil
}

// decodeStrict decodes exactly one JSON value into v, rejecting unknown keys.
func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("youshu: unexpected data after the JSON value")
	}
	return nil
}

// wire builds the body for r sent with cred.
func (r *GenTokenRequest) wire(cred Credential) (*genTokenWire, error) {
	w := new(genTokenWire)
	if err := r.fillWire(w, cred); err != nil {
		return nil, err
	}
	if r.Expiry != 0 {
		w.ExpiryTime = &w.expirySeconds
	}
	return w, nil
}

// fillWire sets *w to the body for r sent with cred, except ExpiryTime: it
// sets expirySeconds, and the caller points ExpiryTime at it (or at a copy)
// when r.Expiry is not zero. A pointer from w into itself would move every
// w to the heap.
func (r *GenTokenRequest) fillWire(w *genTokenWire, cred Credential) error {
	if r.Expiry%time.Second != 0 {
		return validate.Fieldf("expiryTime", "must be a whole number of seconds")
	}
	*w = genTokenWire{
		AuthUniqueID:                 r.AuthUniqueID,
		AuthUserID:                   r.AuthUserID,
		RelationWithSystemPermission: r.RelationWithSystemPermission,
		EnableWatermark:              r.EnableWatermark,
		Watermark:                    r.Watermark,
		FilterMap:                    r.FilterMap,
		ColumnFilterMap:              r.ColumnFilterMap,
		TableFilterMap:               r.TableFilterMap,
		PillFieldMap:                 r.PillFieldMap,
		TableExprMap:                 r.TableExprMap,
		ParameterMap:                 r.ParameterMap,
		ResourcePermissions:          r.ResourcePermissions,
		OpenRP:                       r.OpenRP,
		ClientSetting:                r.ClientSetting,
		UseType:                      r.UseType,
		Once:                         r.Once,
		DomainID:                     r.DomainID,
		AutoRenew:                    r.AutoRenew,
		ApplyScope:                   r.ApplyScope,
		ProjectID:                    r.ProjectID,
		EnableDefaultBookmark:        r.EnableDefaultBookmark,
		ParameterAliasMap:            r.ParameterAliasMap,
		ReportDataFilters:            r.ReportDataFilters,
		UVID:                         r.UVID,
	}
	w.expirySeconds = int64(r.Expiry / time.Second)
	w.setCredential(cred)
	return nil
}

func (w *genTokenWire) setCredential(c Credential) {
	if c.IsZero() {
		return
	}
	w.TokenType = c.kind
	id, secret := c.id, c.secret.Reveal()
	switch c.kind {
	case TokenTypePassword:
		w.Email, w.Password = &id, &secret
	case TokenTypeKey:
		w.Key = &secret
	case TokenTypeCustom:
		if id != "" {
			w.UniqueID = &id
		}
		w.IntegrateToken = &secret
	}
}

// request turns a decoded body back into a GenTokenRequest.
func (w *genTokenWire) request() (GenTokenRequest, error) {
	cred, err := w.credential()
	if err != nil {
		return GenTokenRequest{}, err
	}
	expiry, err := w.expiry()
	if err != nil {
		return GenTokenRequest{}, err
	}
	return GenTokenRequest{
		Credential:                   cred,
		AuthUniqueID:                 w.AuthUniqueID,
		AuthUserID:                   w.AuthUserID,
		RelationWithSystemPermission: w.RelationWithSystemPermission,
		EnableWatermark:              w.EnableWatermark,
		Watermark:                    w.Watermark,
		FilterMap:                    w.FilterMap,
		ColumnFilterMap:              w.ColumnFilterMap,
		TableFilterMap:               w.TableFilterMap,
		ReportDataFilters:            w.ReportDataFilters,
		ResourcePermissions:          w.ResourcePermissions,
		OpenRP:                       w.OpenRP,
		PillFieldMap:                 w.PillFieldMap,
		TableExprMap:                 w.TableExprMap,
		ParameterMap:                 w.ParameterMap,
		ParameterAliasMap:            w.ParameterAliasMap,
		Expiry:                       expiry,
		ClientSetting:                w.ClientSetting,
		UseType:                      w.UseType,
		Once:                         w.Once,
		DomainID:                     w.DomainID,
		AutoRenew:                    w.AutoRenew,
		ApplyScope:                   w.ApplyScope,
		ProjectID:                    w.ProjectID,
		EnableDefaultBookmark:        w.EnableDefaultBookmark,
		UVID:                         w.UVID,
	}, nil
}

func (w *genTokenWire) expiry() (time.Duration, error) {
	switch {
	case w.ExpiryTime != nil && w.ExpireTime != nil:
		return 0, validate.Fieldf("expireTime", "not allowed together with expiryTime (it is an alias)")
	case w.ExpiryTime != nil:
		return secondsToDuration("expiryTime", *w.ExpiryTime)
	case w.ExpireTime != nil:
		return secondsToDuration("expireTime", *w.ExpireTime)
	}
	return 0, nil
}

// credential finds the credential kind from tokenType or from the fields present.
func (w *genTokenWire) credential() (Credential, error) {
	present := map[TokenType]bool{
		TokenTypePassword: w.Email != nil || w.Password != nil,
		TokenTypeKey:      w.Key != nil,
		TokenTypeCustom:   w.UniqueID != nil || w.IntegrateToken != nil,
	}
	kind := w.TokenType
	if kind == "" {
		for k, p := range present {
			if !p {
				continue
			}
			if kind != "" {
				return Credential{}, validate.Fieldf("tokenType", "required when fields of two credential kinds are present")
			}
			kind = k
		}
	}
	if !validate.OneOf(kind, "", TokenTypePassword, TokenTypeKey, TokenTypeCustom) {
		return Credential{}, validate.Fieldf("tokenType", "must be userPassword, tokenKey or custom")
	}
	for k, p := range present {
		if p && k != kind {
			return Credential{}, validate.Fieldf("tokenType", "%s does not match the credential fields present", kind)
		}
	}
	return Credential{kind: kind, id: deref(w.Email) + deref(w.UniqueID), secret: Secret(deref(w.Password) + deref(w.Key) + deref(w.IntegrateToken))}, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// maxSeconds is the largest number of seconds a time.Duration holds.
const maxSeconds = math.MaxInt64 / int64(time.Second)

func secondsToDuration(field string, s int64) (time.Duration, error) {
	if s > maxSeconds || s < -maxSeconds {
		return 0, validate.Fieldf(field, "out of range")
	}
	return time.Duration(s) * time.Second, nil
}

// MarshalJSON encodes a as {"expiryTime": seconds}.
func (a AutoRenew) MarshalJSON() ([]byte, error) {
	if a.Expiry%time.Second != 0 {
		return nil, validate.Fieldf("autoRenew.expiryTime", "must be a whole number of seconds")
	}
	return json.Marshal(struct {
		ExpiryTime int64 `json:"expiryTime"`
	}{int64(a.Expiry / time.Second)})
}

// UnmarshalJSON decodes {"expiryTime": seconds}.
func (a *AutoRenew) UnmarshalJSON(data []byte) error {
	var w struct {
		ExpiryTime int64 `json:"expiryTime"`
	}
	if err := decodeStrict(data, &w); err != nil {
		return err
	}
	d, err := secondsToDuration("autoRenew.expiryTime", w.ExpiryTime)
	if err != nil {
		return err
	}
	a.Expiry = d
	return nil
}
