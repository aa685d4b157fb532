package filtermap_test

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/biembed/biembed-go/filtermap"
)

// A sales manager may see the North-East and North regions of the order
// table, and within a tree of region and province only two pairs.
func Example() {
	region := filtermap.Dim{Field: "地区", DataType: filtermap.TypeString}
	province := filtermap.Dim{Field: "省/自治区", DataType: filtermap.TypeString}
	orders := filtermap.TableName("订单总表")

	fm := filtermap.FilterMap{}
	fm["700006204"] = filtermap.NewRowFilters(filtermap.RuleAnd,
		filtermap.NewListFilter(orders, filtermap.Select, region, "东北", "华北"),
		filtermap.NewTreeFilter(orders, filtermap.Select, filtermap.TreeGroup{
			Dims: []filtermap.Dim{region, province},
			Cond: filtermap.TreeCond{InList: [][]string{{"东北", "黑龙江"}, {"华北", "河北"}}}}),
	)
	if err := fm.Validate(); err != nil {
		fmt.Println(err)
		return
	}
	b, _ := json.Marshal(fm)
	fmt.Println(string(b))
	// Output:
	// {"700006204":{"rule":"and","dataFilters":[{"filterType":"listFilter","selectType":"select","tableName":"订单总表","filter":{"dim":{"field":"地区","dataType":"String"},"select":["东北","华北"]}},{"filterType":"treeFilter","selectType":"select","tableName":"订单总表","filter":{"or":[{"dims":[{"field":"地区","dataType":"String"},{"field":"省/自治区","dataType":"String"}],"cond":{"inlist":[["东北","黑龙江"],["华北","河北"]]}}]}}]}}
}

// State "this user sees regions East and North" once and send it to either vendor.
func ExampleCondition() {
	sees := filtermap.In("region", "East", "North")

	// Youshu: a list filter in filterMap.
	fm := filtermap.FilterMap{}
	fm["123"] = filtermap.NewRowFilters(filtermap.RuleAnd, sees.ListFilter(filtermap.TableName("orders"), filtermap.TypeString))
	youshu, _ := json.Marshal(fm)
	fmt.Println(string(youshu))

	// Tencent Cloud BI: the GlobalParam string of CreateEmbedToken.
	tencent, _ := filtermap.GlobalParams{sees.GlobalParam()}.Encode()
	fmt.Println(tencent)
	// Output:
	// {"123":{"rule":"and","dataFilters":[{"filterType":"listFilter","selectType":"select","tableName":"orders","filter":{"dim":{"field":"region","dataType":"String"},"select":["East","North"]}}]}}
	// [{"ParamKey":"region","JoinType":"AND","WhereList":[{"Operator":"-is","Value":["East","North"]}]}]
}

// Validate names the first field that breaks a rule, with its full path.
func ExampleFilterMap_Validate() {
	fm := filtermap.FilterMap{"700006204": {Legacy: true, DataFilters: []filtermap.RowFilter{
		filtermap.NewListFilter(filtermap.Table{Database: "bigviz", ExprID: 3}, filtermap.Select,
			filtermap.Dim{Field: "地区", DataType: filtermap.TypeString}, "东北"),
	}}}
	fmt.Println(fm.Validate())
	// Output:
	// invalid filterMap["700006204"].dataFilters[0].tableExprId: must not be combined with database: a custom SQL table has no database
}

// Column masks, visible tables, report filters and resource grants for one user.
func ExampleResourcePermissions() {
	perms := filtermap.ResourcePermissions{
		{ProjectID: 1, ResourceType: filtermap.NewReport, ResourceID: 173, Permissions: []filtermap.Permission{filtermap.PermView, filtermap.PermExport}},
		{ProjectID: 1, ResourceType: filtermap.NewReport, ResourceNamePaths: []string{"sales", "2025", "weekly"}, Permissions: []filtermap.Permission{filtermap.PermView}},
	}
	columns := filtermap.ColumnFilterMap{}
	columns["1234"] = filtermap.NewColumnFilters(filtermap.RuleOr,
		filtermap.NewColumnFilter("订单", filtermap.DataMask{Field: "手机号", DataType: filtermap.TypeString, ApplyRange: []filtermap.ApplyRange{filtermap.ApplyView, filtermap.ApplyExport}}))
	tables := filtermap.TableFilterMap{}
	tables["700310203"] = filtermap.TableFilters{Rule: filtermap.RuleAnd, DataFilters: []filtermap.TableFilter{
		filtermap.OriginalTables("dev_netease", filtermap.Select, "bigviz_user"),
		filtermap.CustomSQLTables(filtermap.Select, 1740)}}

	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	for _, v := range []any{perms, columns, tables} {
		_ = enc.Encode(v)
	}
	// Output:
	// [{"projectId":1,"resourceType":"NEW_REPORT","resourceId":173,"isFolder":0,"permissions":["view","export"]},{"projectId":1,"resourceType":"NEW_REPORT","resourceNamePaths":["sales","2025","weekly"],"isFolder":0,"permissions":["view"]}]
	// {"1234":{"rule":"or","type":"column","dataFilters":[{"tableName":"订单","type":"dataLevel","dataMasks":[{"field":"手机号","dataType":"String","applyRange":["view","export"]}]}]}}
	// {"700310203":{"rule":"and","dataFilters":[{"database":"dev_netease","produced":"Original","selectType":"select","select":["bigviz_user"]},{"produced":"UserDefinedSQL","selectType":"select","select":["1740"]}]}}
}

// ParseGlobalParams reads the GlobalParam string the API echoes back,
// including its lower-case "and".
func ExampleParseGlobalParams() {
	g, err := filtermap.ParseGlobalParams(`[{"ParamKey":"province","JoinType":"and","WhereList":[{"Operator":"-is","Value":["Hunan Province"]}]}]`)
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = g.Encode() // validates
	fmt.Println(g[0].ParamKey, g[0].JoinType, g[0].WhereList[0].Operator, g[0].WhereList[0].Value, err)
	// Output:
	// province and -is [Hunan Province] <nil>
}
