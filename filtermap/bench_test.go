package filtermap_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/biembed/biembed-go/filtermap"
	"github.com/biembed/biembed-go/internal/testkit/seeds"
)

// permissionBlock is the permission part of a genToken body.
type permissionBlock struct {
	FilterMap           filtermap.FilterMap           `json:"filterMap"`
	ColumnFilterMap     filtermap.ColumnFilterMap     `json:"columnFilterMap"`
	TableFilterMap      filtermap.TableFilterMap      `json:"tableFilterMap"`
	ReportDataFilters   filtermap.ReportDataFilters   `json:"reportDataFilters"`
	ResourcePermissions filtermap.ResourcePermissions `json:"resourcePermissions"`
}

// typedSeedBlock builds the seed's permission block with the constructors.
// It differs from the seed in one place: the second dataModelFilter says
// type column, since it holds column masks (the seed says row, which
// Validate rejects).
func typedSeedBlock() permissionBlock {
	region := filtermap.Dim{Field: "地区", DataType: filtermap.TypeString}
	dims := []filtermap.Dim{region, filtermap.Dim{Field: "省/自治区", DataType: filtermap.TypeString}}
	tuples := [][]string{{"东北", "黑龙江"}, {"华北", "河北"}}
	orders, custom, bigviz := filtermap.TableName("订单总表"), filtermap.Table{ExprID: 3}, filtermap.Table{Database: "bigviz", Name: "订单总表"}
	list := func(t filtermap.Table, s filtermap.SelectType) filtermap.RowFilter {
		return filtermap.NewListFilter(t, s, region, "东北", "华北")
	}
	b := permissionBlock{FilterMap: filtermap.FilterMap{}, ColumnFilterMap: filtermap.ColumnFilterMap{}, TableFilterMap: filtermap.TableFilterMap{}}
	b.FilterMap["123"] = filtermap.NewRowFilters(filtermap.RuleOr, list(orders, filtermap.Select), list(custom, filtermap.Select))
	in, out := filtermap.TreeGroup{Dims: dims, Cond: filtermap.TreeCond{InList: tuples}}, filtermap.TreeGroup{Dims: dims, Cond: filtermap.TreeCond{ExcludeList: tuples}}
	b.FilterMap["700006204"] = filtermap.RowFilters{Rule: filtermap.RuleAnd, Legacy: true, DataFilters: []filtermap.RowFilter{
		list(orders, filtermap.Select), list(custom, filtermap.Select),
		filtermap.NewTreeFilter(orders, filtermap.Select, in),
		filtermap.NewTreeFilter(custom, filtermap.Select, in)}}
	b.FilterMap["700006205"] = filtermap.RowFilters{Rule: filtermap.RuleAnd, Legacy: true, DataFilters: []filtermap.RowFilter{
		list(bigviz, filtermap.Unselect),
		filtermap.NewTreeFilter(bigviz, filtermap.Unselect, out)}}

	orderMasks := filtermap.NewColumnFilter("订单", filtermap.DataMask{Field: "地区", DataType: filtermap.TypeString, ApplyRange: []filtermap.ApplyRange{filtermap.ApplyView, filtermap.ApplyExport}})
	b.ColumnFilterMap["1234"] = filtermap.NewColumnFilters(filtermap.RuleOr, orderMasks)
	b.TableFilterMap["700310203"] = filtermap.TableFilters{Rule: filtermap.RuleAnd, DataFilters: []filtermap.TableFilter{
		filtermap.OriginalTables("dev_netease", filtermap.Select, "bigviz_user", "api_name"),
		filtermap.CustomSQLTables(filtermap.Select, 1740)}}

	order := filtermap.TableName("订单")
	b.ReportDataFilters = filtermap.ReportDataFilters{{ReportID: "14377", DataModelFilters: []filtermap.DataModelFilter{
		filtermap.NewRowModelFilter(700284409, 700315973, filtermap.RuleOr,
			filtermap.NewListFilter(order, filtermap.Select, region, "东北", "华北"),
			filtermap.NewTreeFilter(order, filtermap.Select, in)),
		filtermap.NewColumnModelFilter(700284409, 700315973, filtermap.RuleOr, orderMasks)}}}
	b.ResourcePermissions = filtermap.ResourcePermissions{
		{ProjectID: 1, ResourceType: filtermap.NewReport, ResourceNamePaths: []string{"hzzhangdianpeng", "3.10", "未命名报告(1)"}, Permissions: []filtermap.Permission{filtermap.PermView}},
		{ProjectID: 1, ResourceType: filtermap.NewReport, ResourceID: 173, Permissions: []filtermap.Permission{filtermap.PermView}},
		{ResourceType: filtermap.DataModel, ResourceID: 700288358, Permissions: []filtermap.Permission{filtermap.PermView}},
		{ResourceType: filtermap.DataModel, ResourceID: 700289868, Permissions: []filtermap.Permission{filtermap.PermView}},
	}
	return b
}

// mapSeedBlock builds the same JSON as typedSeedBlock from map[string]any
// literals, the way code without typed builders would.
func mapSeedBlock() map[string]any {
	dim := func(field string) map[string]any { return map[string]any{"field": field, "dataType": "String"} }
	dims := []any{dim("地区"), dim("省/自治区")}
	tuples := []any{[]any{"东北", "黑龙江"}, []any{"华北", "河北"}}
	table := func(f map[string]any, kv ...string) map[string]any {
		for i := 0; i < len(kv); i += 2 {
			f[kv[i]] = kv[i+1]
		}
		return f
	}
	list := func(sel string, kv ...string) map[string]any {
		return table(map[string]any{"filterType": "listFilter", "selectType": sel,
			"filter": map[string]any{"dim": dim("地区"), "select": []any{"东北", "华北"}}}, kv...)
	}
	listExpr := func() map[string]any {
		f := list("select")
		f["tableExprId"] = 3
		return f
	}
	tree := func(sel, cond string, kv ...string) map[string]any {
		return table(map[string]any{"filterType": "treeFilter", "selectType": sel,
			"filter": map[string]any{"or": []any{map[string]any{"dims": dims, "cond": map[string]any{cond: tuples}}}}}, kv...)
	}
	treeExpr := func() map[string]any {
		f := tree("select", "inlist")
		f["tableExprId"] = 3
		return f
	}
	masks := []any{map[string]any{"tableName": "订单", "type": "dataLevel",
		"dataMasks": []any{map[string]any{"field": "地区", "dataType": "String", "applyRange": []any{"view", "export"}}}}}
	return map[string]any{
		"filterMap": map[string]any{
			"123": map[string]any{"rule": "or", "dataFilters": []any{list("select", "tableName", "订单总表"), listExpr()}},
			"700006204": []any{list("select", "tableName", "订单总表"), listExpr(),
				tree("select", "inlist", "tableName", "订单总表"), treeExpr()},
			"700006205": []any{list("unselect", "database", "bigviz", "tableName", "订单总表"),
				tree("unselect", "excludelist", "database", "bigviz", "tableName", "订单总表")},
		},
		"columnFilterMap": map[string]any{"1234": map[string]any{"rule": "or", "type": "column", "dataFilters": masks}},
		"tableFilterMap": map[string]any{"700310203": map[string]any{"rule": "and", "dataFilters": []any{
			map[string]any{"database": "dev_netease", "produced": "Original", "selectType": "select", "select": []any{"bigviz_user", "api_name"}},
			map[string]any{"produced": "UserDefinedSQL", "selectType": "select", "select": []any{"1740"}},
		}}},
		"reportDataFilters": []any{map[string]any{"reportId": "14377", "dataModelFilters": []any{
			map[string]any{"dataModelId": 700284409, "dataConnectionId": 700315973, "rule": "or", "type": "row",
				"dataFilters": []any{list("select", "tableName", "订单"), tree("select", "inlist", "tableName", "订单")}},
			map[string]any{"dataModelId": 700284409, "dataConnectionId": 700315973, "rule": "or", "type": "column", "dataFilters": masks},
		}}},
		"resourcePermissions": []any{
			map[string]any{"projectId": 1, "resourceType": "NEW_REPORT", "resourceNamePaths": []any{"hzzhangdianpeng", "3.10", "未命名报告(1)"}, "isFolder": 0, "permissions": []any{"view"}},
			map[string]any{"projectId": 1, "resourceType": "NEW_REPORT", "resourceId": 173, "isFolder": 0, "permissions": []any{"view"}},
			map[string]any{"resourceType": "DATA_MODEL", "resourceId": 700288358, "isFolder": 0, "permissions": []any{"view"}},
			map[string]any{"resourceType": "DATA_MODEL", "resourceId": 700289868, "isFolder": 0, "permissions": []any{"view"}},
		},
	}
}

// seedPermissionBlock is the seed's permission block with the second
// dataModelFilter's type corrected to column.
func seedPermissionBlock(t *testing.T) string {
	var body map[string]any
	require.NoError(t, json.Unmarshal(seeds.YoushuGenTokenPassword, &body))
	block := map[string]any{}
	for _, k := range []string{"filterMap", "columnFilterMap", "tableFilterMap", "reportDataFilters", "resourcePermissions"} {
		block[k] = body[k]
	}
	models := block["reportDataFilters"].([]any)[0].(map[string]any)["dataModelFilters"].([]any)
	models[1].(map[string]any)["type"] = "column"
	b, err := json.Marshal(block)
	require.NoError(t, err)
	return string(b)
}

func TestSeedExampleTypedEqualsMapsEqualsSeed(t *testing.T) {
	t.Parallel()
	typed := typedSeedBlock()
	require.NoError(t, typed.FilterMap.Validate())
	require.NoError(t, typed.ColumnFilterMap.Validate())
	require.NoError(t, typed.TableFilterMap.Validate())
	require.NoError(t, typed.ReportDataFilters.Validate())
	require.NoError(t, typed.ResourcePermissions.Validate())

	typedJSON, err := json.Marshal(typed)
	require.NoError(t, err)
	mapsJSON, err := json.Marshal(mapSeedBlock())
	require.NoError(t, err)
	assert.JSONEq(t, string(mapsJSON), string(typedJSON))
	assert.JSONEq(t, seedPermissionBlock(t), string(typedJSON))
}

// BenchmarkSeedExample builds and marshals the seed's permission block, with
// the typed constructors and with map[string]any literals.
func BenchmarkSeedExample(b *testing.B) {
	b.Run("typed", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(typedSeedBlock()); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("maps", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(mapSeedBlock()); err != nil {
				b.Fatal(err)
			}
		}
	})
}
