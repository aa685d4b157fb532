// Package jsontest holds the round-trip check that the fuzz targets of the
// JSON types (filtermap, clientsetting) share: whatever decodes must encode,
// decode back to an equal value, and encode to the same bytes again.
package jsontest

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
)

// Stable decodes data into a T. When that fails it returns nil: rejecting
// input is fine. When it succeeds, the value's Validate (if any) must not
// panic, the value must encode, its encoding must decode to a value equal to
// it (up to empty lists and maps that omitempty leaves out) and must encode
// to the same bytes (a fixed point). Stable returns what broke.
func Stable[T any](data []byte) error {
	var v, w T
	if json.Unmarshal(data, &v) != nil {
		return nil
	}
	if val, ok := any(&v).(interface{ Validate() error }); ok {
		_ = val.Validate()
	}
	b1, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("a decoded value must encode: %w", err)
	}
	if err := json.Unmarshal(b1, &w); err != nil {
		return fmt.Errorf("own encoding %s must decode: %w", b1, err)
	}
	if b2, err := json.Marshal(w); err != nil || string(b1) != string(b2) {
		return fmt.Errorf("re-encoding must give the same bytes (%v):\n%s\n%s", err, b1, b2)
	}
	dropOmittedEmpty(reflect.ValueOf(&v).Elem())
	dropOmittedEmpty(reflect.ValueOf(&w).Elem())
	if !reflect.DeepEqual(v, w) {
		return fmt.Errorf("round trip changed the value:\n%#v\n%#v", v, w)
	}
	return nil
}

// dropOmittedEmpty sets empty slices and maps held in omitempty fields to
// nil, since encoding leaves them out and decoding cannot tell them from nil.
func dropOmittedEmpty(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			dropOmittedEmpty(v.Elem())
		}
	case reflect.Struct:
		for i := range v.NumField() {
			switch f, fv := v.Type().Field(i), v.Field(i); {
			case !f.IsExported():
			case strings.Contains(f.Tag.Get("json"), ",omitempty") && (fv.Kind() == reflect.Slice || fv.Kind() == reflect.Map) && fv.Len() == 0:
				fv.SetZero()
			default:
				dropOmittedEmpty(fv)
			}
		}
	case reflect.Slice:
		for i := range v.Len() {
			dropOmittedEmpty(v.Index(i))
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			e := reflect.New(v.Type().Elem()).Elem()
			e.Set(v.MapIndex(k))
			dropOmittedEmpty(e)
			v.SetMapIndex(k, e)
		}
	}
}
