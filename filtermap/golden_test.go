package filtermap_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/biembed/biembed-go/filtermap"
	"github.com/biembed/biembed-go/internal/testkit/seeds"
)

var (
	regionProvince = []filtermap.Dim{filtermap.Dim{Field: "地区", DataType: filtermap.TypeString}, filtermap.Dim{Field: "省/自治区", DataType: filtermap.TypeString}}
	seedTuples     = [][]string{{"东北", "黑龙江"}, {"华北", "河北"}}
)

func TestGoldenFilterMapBothForms(t *testing.T) {
	t.Parallel()
	fm := roundTrip[filtermap.FilterMap](t, seedBlock(t, seeds.YoushuGenTokenPassword, "filterMap"))
	require.NoError(t, fm.Validate())
	require.Len(t, fm, 3)

	current := fm["123"]
	assert.False(t, current.Legacy)
	assert.Equal(t, filtermap.RuleOr, current.Rule)
	require.Len(t, current.DataFilters, 2)
	assert.Equal(t, int64(3), current.DataFilters[1].TableExprID)
	assert.Empty(t, current.DataFilters[1].TableName)

	legacy := fm["700006204"]
	assert.True(t, legacy.Legacy)
	assert.Equal(t, filtermap.RuleAnd, legacy.Rule, "the legacy form means and")
	require.Len(t, legacy.DataFilters, 4)
	tree := legacy.DataFilters[2]
	assert.Equal(t, "treeFilter", tree.FilterType)
	require.Len(t, tree.Filter.Or, 1)
	assert.Equal(t, regionProvince, tree.Filter.Or[0].Dims)
	assert.Equal(t, seedTuples, tree.Filter.Or[0].Cond.InList)
	assert.Nil(t, tree.Filter.Or[0].Cond.ExcludeList)

	unselect := fm["700006205"]
	assert.True(t, unselect.Legacy)
	assert.Equal(t, "bigviz", unselect.DataFilters[0].Database)
	assert.Equal(t, filtermap.Unselect, unselect.DataFilters[0].SelectType)
	assert.Equal(t, []string{"东北", "华北"}, unselect.DataFilters[0].Filter.Select)
	assert.Equal(t, seedTuples, unselect.DataFilters[1].Filter.Or[0].Cond.ExcludeList)
}

func TestGoldenFilterMapSSOLegacy(t *testing.T) {
	t.Parallel()
	fm := roundTrip[filtermap.FilterMap](t, seedBlock(t, seeds.YoushuGenTokenSSO, "filterMap"))
	require.NoError(t, fm.Validate())
	for id, rf := range fm {
		assert.True(t, rf.Legacy, id)
	}
	out, err := json.Marshal(fm["700006204"])
	require.NoError(t, err)
	assert.Equal(t, byte('['), out[0], "a decoded legacy entry encodes as a bare array")
}

func TestGoldenColumnFilterMap(t *testing.T) {
	t.Parallel()
	cm := roundTrip[filtermap.ColumnFilterMap](t, seedBlock(t, seeds.YoushuGenTokenPassword, "columnFilterMap"))
	require.NoError(t, cm.Validate())
	want := filtermap.NewColumnFilters(filtermap.RuleOr,
		filtermap.NewColumnFilter("订单", filtermap.DataMask{Field: "地区", DataType: filtermap.TypeString, ApplyRange: []filtermap.ApplyRange{filtermap.ApplyView, filtermap.ApplyExport}}))
	assert.Equal(t, want, cm["1234"])
}

func TestGoldenTableFilterMap(t *testing.T) {
	t.Parallel()
	tm := roundTrip[filtermap.TableFilterMap](t, seedBlock(t, seeds.YoushuGenTokenPassword, "tableFilterMap"))
	require.NoError(t, tm.Validate())
	want := filtermap.TableFilters{Rule: filtermap.RuleAnd, DataFilters: []filtermap.TableFilter{
		filtermap.OriginalTables("dev_netease", filtermap.Select, "bigviz_user", "api_name"),
		filtermap.CustomSQLTables(filtermap.Select, 1740)}}
	assert.Equal(t, want, tm["700310203"])
}

func TestGoldenReportDataFiltersKeepsSeedMismatch(t *testing.T) {
	t.Parallel()
	rd := roundTrip[filtermap.ReportDataFilters](t, seedBlock(t, seeds.YoushuGenTokenPassword, "reportDataFilters"))
	require.Len(t, rd, 1)
	require.Len(t, rd[0].DataModelFilters, 2)

	rows := rd[0].DataModelFilters[0]
	assert.Equal(t, "row", rows.Type)
	assert.Len(t, rows.Rows, 2)
	assert.Nil(t, rows.Columns)
	assert.Equal(t, seedTuples, rows.Rows[1].Filter.Or[0].Cond.InList)

	// The seed's second entry says type row but holds column masks: decoding
	// sorts the masks into Columns and keeps the type; Validate reports it.
	mismatch := rd[0].DataModelFilters[1]
	assert.Equal(t, "row", mismatch.Type)
	assert.Nil(t, mismatch.Rows)
	require.Len(t, mismatch.Columns, 1)
	assert.Equal(t, "dataLevel", mismatch.Columns[0].Type)
	requireInvalid(t, rd.Validate(), "reportDataFilters[0].dataModelFilters[1].type", "column filters")

	rd[0].DataModelFilters[1].Type = "column"
	assert.NoError(t, rd.Validate())
}

func TestGoldenResourcePermissions(t *testing.T) {
	t.Parallel()
	rp := roundTrip[filtermap.ResourcePermissions](t, seedBlock(t, seeds.YoushuGenTokenPassword, "resourcePermissions"))
	require.NoError(t, rp.Validate())
	want := filtermap.ResourcePermissions{
		{ProjectID: 1, ResourceType: filtermap.NewReport, ResourceNamePaths: []string{"hzzhangdianpeng", "3.10", "未命名报告(1)"}, Permissions: []filtermap.Permission{filtermap.PermView}},
		{ProjectID: 1, ResourceType: filtermap.NewReport, ResourceID: 173, Permissions: []filtermap.Permission{filtermap.PermView}},
		{ResourceType: filtermap.DataModel, ResourceID: 700288358, Permissions: []filtermap.Permission{filtermap.PermView}},
		{ResourceType: filtermap.DataModel, ResourceID: 700289868, Permissions: []filtermap.Permission{filtermap.PermView}},
	}
	assert.Equal(t, want, rp)
}

func TestGoldenGlobalParamRequest(t *testing.T) {
	t.Parallel()
	g, err := filtermap.ParseGlobalParams(string(seeds.TencentGlobalParam))
	require.NoError(t, err)
	require.NoError(t, g.Validate())
	want := filtermap.GlobalParams{
		filtermap.NotIn("name", "zZWJMD", "ZzVGHX", "Hunan province", "Hebei province").GlobalParam(),
		filtermap.NotIn("genderParam", "Male").GlobalParam(),
	}
	assert.Equal(t, want, g)
	s, err := g.Encode()
	require.NoError(t, err)
	assert.JSONEq(t, string(seeds.TencentGlobalParam), s)
}

func TestGoldenGlobalParamEchoedLowerCaseJoin(t *testing.T) {
	t.Parallel()
	var resp struct {
		Response struct{ Data struct{ GlobalParam string } }
	}
	require.NoError(t, json.Unmarshal(seeds.TencentCreateEmbedTokenResponse, &resp))
	echoed := resp.Response.Data.GlobalParam

	g, err := filtermap.ParseGlobalParams(echoed)
	require.NoError(t, err)
	require.Len(t, g, 1)
	assert.Equal(t, "and", g[0].JoinType, "kept as sent")
	assert.Equal(t, []filtermap.Where{{Operator: filtermap.OpIs,
		Value: []string{"Chongqing City", "Hubei Province", "Hunan Province", "Sichuan Province"}}}, g[0].WhereList)
	require.NoError(t, g.Validate(), "lower-case and is accepted")
	s, err := g.Encode()
	require.NoError(t, err)
	assert.JSONEq(t, echoed, s)
	assert.Contains(t, s, `"JoinType":"and"`)
}

func TestGlobalParamsEmpty(t *testing.T) {
	t.Parallel()
	s, err := filtermap.GlobalParams(nil).Encode()
	require.NoError(t, err)
	assert.Empty(t, s)
	g, err := filtermap.ParseGlobalParams("  ")
	require.NoError(t, err)
	assert.Nil(t, g)
	_, err = filtermap.ParseGlobalParams(`{"ParamKey":"x"}`)
	assert.ErrorContains(t, err, "parse GlobalParam")
}
