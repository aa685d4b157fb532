package filtermap_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/biembed/biembed-go/filtermap"
)

var east = filtermap.NewListFilter(filtermap.TableName("orders"), filtermap.Select,
	filtermap.Dim{Field: "region", DataType: filtermap.TypeString}, "East")

const eastJSON = `{"filterType":"listFilter","selectType":"select","tableName":"orders",` +
	`"filter":{"dim":{"field":"region","dataType":"String"},"select":["East"]}}`

func TestRowFiltersEncodeForm(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   filtermap.RowFilters
		want string
	}{
		{"built in code: current form", filtermap.NewRowFilters(filtermap.RuleOr, east),
			`{"rule":"or","dataFilters":[` + eastJSON + `]}`},
		{"legacy on request", filtermap.RowFilters{Rule: filtermap.RuleAnd, DataFilters: []filtermap.RowFilter{east}, Legacy: true}, `[` + eastJSON + `]`},
		{"legacy with empty rule", filtermap.RowFilters{Legacy: true, DataFilters: []filtermap.RowFilter{east}}, `[` + eastJSON + `]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b, err := json.Marshal(tt.in)
			require.NoError(t, err)
			assert.JSONEq(t, tt.want, string(b))
		})
	}
}

func TestRowFiltersLegacyOrIsRefused(t *testing.T) {
	t.Parallel()
	rf := filtermap.RowFilters{DataFilters: []filtermap.RowFilter{east}, Legacy: true}
	rf.Rule = filtermap.RuleOr
	_, err := json.Marshal(rf)
	assert.ErrorContains(t, err, "legacy")
}

func TestRowFiltersDecodeForm(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		in         string
		wantLegacy bool
		wantRule   filtermap.Rule
	}{
		{"object", `{"rule":"or","dataFilters":[` + eastJSON + `]}`, false, filtermap.RuleOr},
		{"bare array", ` [` + eastJSON + `]`, true, filtermap.RuleAnd},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var rf filtermap.RowFilters
			require.NoError(t, json.Unmarshal([]byte(tt.in), &rf))
			assert.Equal(t, tt.wantLegacy, rf.Legacy)
			assert.Equal(t, tt.wantRule, rf.Rule)
			assert.Equal(t, []filtermap.RowFilter{east}, rf.DataFilters)
		})
	}
}

func TestRowFiltersDecodeReplacesEarlierValue(t *testing.T) {
	t.Parallel()
	rf := filtermap.RowFilters{DataFilters: []filtermap.RowFilter{east, east}, Legacy: true}
	require.NoError(t, json.Unmarshal([]byte(`{"rule":"or","dataFilters":[]}`), &rf))
	assert.Equal(t, filtermap.RowFilters{Rule: filtermap.RuleOr, DataFilters: []filtermap.RowFilter{}}, rf)
	require.NoError(t, json.Unmarshal([]byte(`null`), &rf), "null is a no-op")
	assert.Error(t, json.Unmarshal([]byte(`7`), &rf))
	assert.Error(t, json.Unmarshal([]byte(`[7]`), &rf))
}

func TestDataModelFilterWire(t *testing.T) {
	t.Parallel()
	const head = `"dataModelId":1,"dataConnectionId":2,"rule":"or"`
	const mask = `{"tableName":"t","type":"dataLevel","dataMasks":[{"field":"f","dataType":"String","applyRange":["view"]}]}`
	tests := []struct {
		name        string
		in          string
		wantRows    int
		wantColumns int
		wantNil     bool
	}{
		{"row filters", `{` + head + `,"type":"row","dataFilters":[` + eastJSON + `]}`, 1, -1, false},
		{"column masks", `{` + head + `,"type":"column","dataFilters":[` + mask + `]}`, -1, 1, false},
		{"masks under type row go to Columns", `{` + head + `,"type":"row","dataFilters":[` + mask + `]}`, -1, 1, false},
		{"empty list, type column", `{` + head + `,"type":"column","dataFilters":[]}`, -1, 0, false},
		{"empty list, type row", `{` + head + `,"type":"row","dataFilters":[]}`, 0, -1, false},
		{"no dataFilters", `{` + head + `,"type":"row"}`, -1, -1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var f filtermap.DataModelFilter
			require.NoError(t, json.Unmarshal([]byte(tt.in), &f))
			assert.Equal(t, int64(1), f.DataModelID)
			assert.Equal(t, int64(2), f.DataConnectionID)
			assert.Equal(t, filtermap.RuleOr, f.Rule)
			checkLen(t, "Rows", len(f.Rows), f.Rows == nil, tt.wantRows)
			checkLen(t, "Columns", len(f.Columns), f.Columns == nil, tt.wantColumns)
			out, err := json.Marshal(f)
			require.NoError(t, err)
			if tt.wantNil {
				assert.JSONEq(t, `{`+head+`,"type":"row","dataFilters":null}`, string(out))
				return
			}
			assert.JSONEq(t, tt.in, string(out))
		})
	}
}

// checkLen asserts a slice's length, or that it is nil when want is -1.
func checkLen(t *testing.T, name string, n int, isNil bool, want int) {
	t.Helper()
	if want < 0 {
		assert.True(t, isNil, "%s must be nil", name)
		return
	}
	assert.False(t, isNil, "%s must be set", name)
	assert.Equal(t, want, n, name)
}

func TestDataModelFilterWireErrors(t *testing.T) {
	t.Parallel()
	var f filtermap.DataModelFilter
	mixed := `{"type":"row","dataFilters":[` + eastJSON + `,{"tableName":"t","type":"dataLevel","dataMasks":[]}]}`
	assert.ErrorContains(t, json.Unmarshal([]byte(mixed), &f), "mixes")
	assert.Error(t, json.Unmarshal([]byte(`{"dataFilters":[1]}`), &f))
	assert.Error(t, json.Unmarshal([]byte(`{"dataFilters":{}}`), &f))

	both := filtermap.NewRowModelFilter(1, 2, filtermap.RuleOr, east)
	both.Columns = []filtermap.ColumnFilter{}
	_, err := json.Marshal(both)
	assert.ErrorContains(t, err, "not both")
}

func TestFlagWire(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    filtermap.Flag
		wantErr bool
	}{
		{in: "0", want: false}, {in: "1", want: true}, {in: "true", want: true}, {in: "false", want: false},
		{in: "2", wantErr: true}, {in: `"1"`, wantErr: true}, {in: "1.0", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			var p filtermap.ResourcePermission
			err := json.Unmarshal([]byte(`{"isFolder":`+tt.in+`}`), &p)
			if tt.wantErr {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, p.IsFolder)
		})
	}
	for flag, want := range map[filtermap.Flag]string{true: "1", false: "0"} {
		b, err := json.Marshal(flag)
		require.NoError(t, err)
		assert.Equal(t, want, string(b))
	}
}
