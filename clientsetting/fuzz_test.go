package clientsetting_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/biembed/biembed-go/clientsetting"
	"github.com/biembed/biembed-go/internal/seeds"
)

func FuzzClientSetting(f *testing.F) {
	var body struct {
		ClientSetting json.RawMessage `json:"clientSetting"`
	}
	require.NoError(f, json.Unmarshal(seeds.YoushuGenTokenPassword, &body))
	f.Add([]byte(body.ClientSetting))
	for _, s := range []string{
		`null`, `{}`, `{"integrate":null,"chatBi":{}}`,
		`{"integrate":{"toolbar":[],"defaults":{},"permission":{"global":{"export":[]}}}}`,
		`{"integrate":{"defaults":{"a":{"selected":null,"exclude":null},"b":{}}}}`,
		`{"chatBi":{"dataModelIds":"","hideGraphicMax":false,"tagId":0}}`,
		`{"chatBi":{"dataModelIds":" 1 ,+2"}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) { checkStable[clientsetting.ClientSetting](t, data) })
}

func FuzzChatBIConfig(f *testing.F) {
	f.Add(string(seeds.TencentConfigParam))
	f.Add(`{"ChatBIConfigList":[{"ConfigType":"SqlView","ConfigDetails":{"Values":[],"Enabled":null}}]}`)
	f.Add(`{"ChatBIConfigList":null}`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, s string) {
		c, err := clientsetting.ParseChatBIConfig(s)
		if err != nil || c == nil {
			return
		}
		_ = c.Validate()
		checkStable[clientsetting.ChatBIConfig](t, []byte(s))
	})
}

func FuzzParseIDList(f *testing.F) {
	for _, s := range []string{"1,2,3", "", " 7 ", "1,,2", "-1,+2", "9223372036854775807", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ids, err := clientsetting.ParseIDList(s)
		if err != nil {
			return
		}
		again, err := clientsetting.ParseIDList(ids.String())
		require.NoError(t, err)
		require.Equal(t, ids, again)
	})
}

// checkStable decodes data into a T; when that succeeds, the value must
// validate without panicking, encode, and decode back to an equal value (up
// to empty lists and maps that omitempty drops), and the encoding must be a
// fixed point.
func checkStable[T any](t *testing.T, data []byte) {
	var v T
	if json.Unmarshal(data, &v) != nil {
		return
	}
	if val, ok := any(&v).(interface{ Validate() error }); ok {
		_ = val.Validate()
	}
	b1, err := json.Marshal(v)
	require.NoError(t, err, "a decoded value must encode")
	var w T
	require.NoError(t, json.Unmarshal(b1, &w), "own encoding must decode: %s", b1)
	b2, err := json.Marshal(w)
	require.NoError(t, err)
	require.Equal(t, string(b1), string(b2))
	dropOmittedEmpty(reflect.ValueOf(&v).Elem())
	dropOmittedEmpty(reflect.ValueOf(&w).Elem())
	require.Equal(t, v, w)
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
			f := v.Type().Field(i)
			if !f.IsExported() {
				continue
			}
			fv := v.Field(i)
			if strings.Contains(f.Tag.Get("json"), ",omitempty") &&
				(fv.Kind() == reflect.Slice || fv.Kind() == reflect.Map) && fv.Len() == 0 {
				fv.SetZero()
				continue
			}
			dropOmittedEmpty(fv)
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
