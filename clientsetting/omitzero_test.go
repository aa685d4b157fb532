package clientsetting_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/biembed/biembed-go/clientsetting"
)

// TestNilLeavesOutEmptySends checks every slice and map of clientsetting
// whose key is optional: nil leaves the key out (the server default applies),
// an empty non-nil value sends [] or {} (or "" for an IDList), and decoding
// keeps the difference, so a stored setting round-trips unchanged.
func TestNilLeavesOutEmptySends(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		nil, none any    // the setting with the field nil, and empty but non-nil
		key       string // the wire key
		empty     string // how the empty value encodes
	}{
		{"integrate.toolbar", clientsetting.Integrate{}, clientsetting.Integrate{Toolbar: []string{}}, "toolbar", `[]`},
		{"integrate.defaults", clientsetting.Integrate{}, clientsetting.Integrate{Defaults: map[string]clientsetting.FilterDefault{}}, "defaults", `{}`},
		{"defaults[id].selected", clientsetting.FilterDefault{}, clientsetting.FilterDefault{Selected: []string{}}, "selected", `[]`},
		{"permission.global.export", clientsetting.GlobalPermission{}, clientsetting.GlobalPermission{Export: []clientsetting.ExportFormat{}}, "export", `[]`},
		{"chatBi.dataModelIds", clientsetting.ChatBI{}, clientsetting.ChatBI{DataModelIDs: clientsetting.IDList{}}, "dataModelIds", `""`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b, err := json.Marshal(tt.nil)
			require.NoError(t, err)
			assert.NotContains(t, string(b), `"`+tt.key+`"`, "nil must leave the key out")

			b, err = json.Marshal(tt.none)
			require.NoError(t, err)
			assert.JSONEq(t, `{"`+tt.key+`":`+tt.empty+`}`, string(b), "an empty non-nil value must be sent")

			// Decoding the empty value and encoding it again keeps it.
			back := roundTrip(t, tt.none, b)
			assert.JSONEq(t, string(b), back)
		})
	}
}

// roundTrip decodes b into a new value of v's type and encodes it again.
func roundTrip(t *testing.T, v any, b []byte) string {
	t.Helper()
	var out []byte
	var err error
	switch v.(type) {
	case clientsetting.Integrate:
		var x clientsetting.Integrate
		require.NoError(t, json.Unmarshal(b, &x))
		out, err = json.Marshal(x)
	case clientsetting.FilterDefault:
		var x clientsetting.FilterDefault
		require.NoError(t, json.Unmarshal(b, &x))
		out, err = json.Marshal(x)
	case clientsetting.GlobalPermission:
		var x clientsetting.GlobalPermission
		require.NoError(t, json.Unmarshal(b, &x))
		out, err = json.Marshal(x)
	case clientsetting.ChatBI:
		var x clientsetting.ChatBI
		require.NoError(t, json.Unmarshal(b, &x))
		out, err = json.Marshal(x)
	default:
		t.Fatalf("no round trip for %T", v)
	}
	require.NoError(t, err)
	return string(out)
}
