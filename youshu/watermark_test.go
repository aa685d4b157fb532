package youshu_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/biembed/biembed-go/biembed"
	"github.com/biembed/biembed-go/internal/testkit/seeds"
	"github.com/biembed/biembed-go/youshu"
)

// TestDocumentedExamplesPassValidate: the genToken examples of the Youshu
// document are valid requests. The SSO example passes as written; the
// password example needs one change, and not for its watermark: its second
// reportDataFilters entry says type "row" but holds column masks, which the
// server would apply as row filters, silently leaving the column unmasked.
func TestDocumentedExamplesPassValidate(t *testing.T) {
	t.Parallel()
	var sso youshu.GenTokenRequest
	require.NoError(t, json.Unmarshal(seeds.YoushuGenTokenSSO, &sso))
	require.NotNil(t, sso.Watermark)
	assert.False(t, sso.EnableWatermark, "the example sends watermark without enableWatermark")
	assert.NoError(t, sso.Validate())

	var pw youshu.GenTokenRequest
	require.NoError(t, json.Unmarshal(seeds.YoushuGenTokenPassword, &pw))
	require.NotNil(t, pw.Watermark)
	assert.False(t, pw.EnableWatermark)
	pw.ReportDataFilters[0].DataModelFilters[1].Type = "column"
	assert.NoError(t, pw.Validate())
}

// TestWatermarkWithoutEnableIsHarmless: Youshu applies watermark only with
// enableWatermark; without it the watermark has no effect, which weakens
// nothing, so it is not an error. With enableWatermark the document requires
// uniqueId.
func TestWatermarkWithoutEnableIsHarmless(t *testing.T) {
	t.Parallel()
	assert.NoError(t, (&youshu.GenTokenRequest{Watermark: &youshu.Watermark{Nick: "n"}}).Validate())
	assert.NoError(t, (&youshu.GenTokenRequest{Watermark: &youshu.Watermark{UniqueID: "u", AsString: true}}).Validate())

	err := (&youshu.GenTokenRequest{EnableWatermark: true, Watermark: &youshu.Watermark{Nick: "n", AsString: true}}).Validate()
	var ve *biembed.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "watermark.uniqueId", ve.Field)
}

// TestWatermarkStringForm: the parameter table types watermark as a String
// (holding the watermark object as JSON); the examples send the object.
// Both decode, and each encodes back in the form it came in.
func TestWatermarkStringForm(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		body string
		want youshu.Watermark
	}{
		"object": {`{"enableWatermark":true,"watermark":{"uniqueId":"u","nick":"张三"}}`, youshu.Watermark{UniqueID: "u", Nick: "张三"}},
		"string": {`{"enableWatermark":true,"watermark":"{\"uniqueId\":\"u\",\"nick\":\"张三\"}"}`, youshu.Watermark{UniqueID: "u", Nick: "张三", AsString: true}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var req youshu.GenTokenRequest
			require.NoError(t, json.Unmarshal([]byte(tc.body), &req))
			require.NotNil(t, req.Watermark)
			assert.Equal(t, tc.want, *req.Watermark)
			assert.NoError(t, req.Validate())
			out, err := json.Marshal(req)
			require.NoError(t, err)
			assert.JSONEq(t, tc.body, string(out))
		})
	}

	for name, body := range map[string]string{
		"plain text":              `{"watermark":"confidential"}`,
		"unknown key in object":   `{"watermark":{"uniqueId":"u","colour":"red"}}`,
		"unknown key in string":   `{"watermark":"{\"uniqueId\":\"u\",\"colour\":\"red\"}"}`,
		"array":                   `{"watermark":["u"]}`,
		"trailing data in string": `{"watermark":"{\"uniqueId\":\"u\"} x"}`,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var req youshu.GenTokenRequest
			err := json.Unmarshal([]byte(body), &req)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "watermark")
		})
	}
}
