package youshu

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"math"
	"time"

	"github.com/biembed/biembed-go/biembed"
	"github.com/biembed/biembed-go/internal/validate"
)

// plainRequest is GenTokenRequest without its JSON methods.
type plainRequest GenTokenRequest

// genTokenWire is the documented genToken body: the request's own fields
// (their tags), durations in seconds, the watermark in either form and the
// credential's fields (set only in the body GenToken sends).
type genTokenWire struct {
	plainRequest
	ExpiryTime     *int64          `json:"expiryTime,omitempty"`
	ExpireTime     *int64          `json:"expireTime,omitempty"` // the documented example's alias; decoding only
	AutoRenew      *autoRenewWire  `json:"autoRenew,omitempty"`
	Watermark      json.RawMessage `json:"watermark,omitempty"`
	TokenType      string          `json:"tokenType,omitempty"`
	Email          *string         `json:"email,omitempty"`
	Password       *string         `json:"password,omitempty"`
	Key            *string         `json:"key,omitempty"`
	UniqueID       *string         `json:"uniqueId,omitempty"`
	IntegrateToken *string         `json:"integrateToken,omitempty"`
}

// autoRenewWire is autoRenew: {"expiryTime": seconds}.
type autoRenewWire struct {
	ExpiryTime *int64 `json:"expiryTime"`
}

// MarshalJSON encodes r as the genToken wire body without the credential,
// which is a secret: durations in whole seconds, booleans only when true,
// ids only when set. It fails only for an Expiry or AutoRenew that is not a
// whole number of seconds.
func (r GenTokenRequest) MarshalJSON() ([]byte, error) { return r.wireJSON(Credential{}, "") }

// UnmarshalJSON decodes a genToken wire body, credential fields included.
// The credential kind comes from tokenType or, when tokenType is absent (as
// in the documented examples), from which credential fields are present;
// fields of two kinds are an error. expireTime, the key the documented
// example uses, is accepted as an alias of expiryTime (both at once is an
// error). Unknown keys are an error, so a stored request never loses a
// restriction silently. Numbers inside parameterMap, parameterAliasMap and
// pillFieldMap decode as json.Number, which keeps large ids exact.
func (r *GenTokenRequest) UnmarshalJSON(data []byte) error {
	var w genTokenWire
	if err := decodeStrict(data, &w); err != nil {
		return err
	}
	req := GenTokenRequest(w.plainRequest)
	var err error
	if req.Credential, err = w.credential(); err != nil {
		return err
	}
	switch {
	case w.ExpiryTime != nil && w.ExpireTime != nil:
		return validate.Fieldf("expireTime", "not allowed together with expiryTime (it is an alias)")
	case w.ExpiryTime != nil:
		req.Expiry, err = fromSeconds("expiryTime", *w.ExpiryTime)
	case w.ExpireTime != nil:
		req.Expiry, err = fromSeconds("expireTime", *w.ExpireTime)
	}
	if err == nil && w.AutoRenew != nil {
		if w.AutoRenew.ExpiryTime == nil || *w.AutoRenew.ExpiryTime == 0 {
			return validate.Fieldf("autoRenew.expiryTime", "required")
		}
		req.AutoRenew, err = fromSeconds("autoRenew.expiryTime", *w.AutoRenew.ExpiryTime)
	}
	if err == nil && len(w.Watermark) > 0 && string(w.Watermark) != "null" {
		req.Watermark, err = decodeWatermark(w.Watermark)
	}
	if err == nil {
		*r = req
	}
	return err
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

// seconds returns d in whole seconds, nil for 0.
func seconds(field string, d time.Duration) (*int64, error) {
	s := int64(d / time.Second)
	switch {
	case d%time.Second != 0:
		return nil, validate.Fieldf(field, "must be a whole number of seconds")
	case d == 0:
		return nil, nil
	}
	return &s, nil
}

// fromSeconds returns s seconds as a Duration, refusing what one cannot hold.
func fromSeconds(field string, s int64) (time.Duration, error) {
	if maxSeconds := math.MaxInt64 / int64(time.Second); s > maxSeconds || s < -maxSeconds {
		return 0, validate.Fieldf(field, "out of range")
	}
	return time.Duration(s) * time.Second, nil
}

// wireJSON returns r's body sent with cred, whose secret comes revealed:
// the one place a secret enters a body; with the zero Credential, r's JSON.
func (r *GenTokenRequest) wireJSON(cred Credential, secret string) ([]byte, error) {
	w := genTokenWire{plainRequest: plainRequest(*r), TokenType: cred.Type}
	var err error
	if w.ExpiryTime, err = seconds("expiryTime", r.Expiry); err != nil {
		return nil, err
	}
	if r.AutoRenew != 0 {
		w.AutoRenew = &autoRenewWire{}
		if w.AutoRenew.ExpiryTime, err = seconds("autoRenew.expiryTime", r.AutoRenew); err != nil {
			return nil, err
		}
	}
	if wm := r.Watermark; wm != nil { // the object, or with AsString a JSON string holding it
		w.Watermark, _ = json.Marshal(wm) // three strings: cannot fail
		if wm.AsString {
			w.Watermark, _ = json.Marshal(string(w.Watermark))
		}
	}
	if cred.Type != "" { // a body to send: the credential's fields
		account := cred.Account
		switch cred.Type {
		case TokenTypePassword:
			w.Email, w.Password = &account, &secret
		case TokenTypeKey:
			w.Key = &secret
		case TokenTypeCustom:
			w.IntegrateToken = &secret
			if account != "" {
				w.UniqueID = &account
			}
		}
	}
	b, err := json.Marshal(w)
	if err != nil {
		return nil, validate.Fieldf("GenTokenRequest", "does not encode: %v", err)
	}
	return b, nil
}

// requestKey is the cache's key for r sent with cred: the cache's namespace
// (which names the host) and a hash of whom cred authenticates and of r's
// wire body, so equal requests give equal keys in every process.
func requestKey(r *GenTokenRequest, namespace string, cred Credential) (string, error) {
	if err := r.Validate(); err != nil {
		return "", err
	}
	b, err := r.wireJSON(Credential{}, "")
	if err != nil {
		return "", err
	}
	h := sha256.New()
	h.Write([]byte(cred.identity() + "\n"))
	h.Write(b)
	return namespace + hex.EncodeToString(h.Sum(nil)), nil
}

// decodeWatermark decodes the object {"email", "uniqueId", "nick"} or a JSON
// string holding it (setting AsString). Unknown keys and any other string
// are errors, so a stored request never loses part of its watermark.
func decodeWatermark(b []byte) (*Watermark, error) {
	var s string
	asString := json.Unmarshal(b, &s) == nil
	if asString {
		b = []byte(s)
	}
	var w Watermark
	if decodeStrict(b, &w) != nil {
		return nil, validate.Fieldf("watermark", `must be an object {"email", "uniqueId", "nick"} or a string holding one`)
	}
	w.AsString = asString
	return &w, nil
}

// credential finds the credential kind from tokenType or from the fields present.
func (w *genTokenWire) credential() (Credential, error) {
	present := map[string]bool{
		TokenTypePassword: w.Email != nil || w.Password != nil,
		TokenTypeKey:      w.Key != nil,
		TokenTypeCustom:   w.UniqueID != nil || w.IntegrateToken != nil,
	}
	kind := w.TokenType
	for k, p := range present {
		switch {
		case !p:
		case w.TokenType != "" && k != w.TokenType:
			return Credential{}, validate.Fieldf("tokenType", "%s does not match the credential fields present", w.TokenType)
		case kind != "" && kind != k:
			return Credential{}, validate.Fieldf("tokenType", "required when fields of two credential kinds are present")
		default:
			kind = k
		}
	}
	if !validate.OneOf(kind, "", TokenTypePassword, TokenTypeKey, TokenTypeCustom) {
		return Credential{}, validate.Fieldf("tokenType", "must be userPassword, tokenKey or custom")
	}
	deref := func(s *string) string {
		if s == nil {
			return ""
		}
		return *s
	}
	return Credential{Type: kind, Account: deref(w.Email) + deref(w.UniqueID),
		Secret: biembed.NewSecret(deref(w.Password) + deref(w.Key) + deref(w.IntegrateToken))}, nil
}
