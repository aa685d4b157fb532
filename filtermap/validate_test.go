package filtermap_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/biembed/biembed-go/filtermap"
)

type validator interface{ Validate() error }

// Valid building blocks; each helper returns a fresh value to change.
func listF() filtermap.RowFilter {
	return filtermap.NewListFilter(filtermap.TableName("订单总表"), filtermap.Select,
		filtermap.Dim{Field: "地区", DataType: filtermap.TypeString}, "东北", "华北")
}

func treeF() filtermap.RowFilter {
	return filtermap.NewTreeFilter(filtermap.Table{Database: "bigviz", Name: "订单总表"}, filtermap.Unselect,
		filtermap.TreeGroup{Dims: []filtermap.Dim{filtermap.Dim{Field: "地区", DataType: filtermap.TypeString}, filtermap.Dim{Field: "省/自治区", DataType: filtermap.TypeString}},
			Cond: filtermap.TreeCond{ExcludeList: [][]string{{"东北", "黑龙江"}, {"华北", "河北"}}}})
}

// row returns a FilterMap holding f, changed by change, under connection 1.
func row(f filtermap.RowFilter, change func(*filtermap.RowFilter)) filtermap.FilterMap {
	change(&f)
	return filtermap.FilterMap{"1": filtermap.NewRowFilters(filtermap.RuleAnd, f)}
}

func column(change func(*filtermap.ColumnFilters)) filtermap.ColumnFilterMap {
	c := filtermap.NewColumnFilters(filtermap.RuleOr, filtermap.NewColumnFilter("订单",
		filtermap.DataMask{Field: "地区", DataType: filtermap.TypeString, ApplyRange: []filtermap.ApplyRange{filtermap.ApplyView, filtermap.ApplyExport}}))
	change(&c)
	return filtermap.ColumnFilterMap{"1": c}
}

func tables(change func(*filtermap.TableFilters)) filtermap.TableFilterMap {
	tf := filtermap.TableFilters{Rule: filtermap.RuleAnd, DataFilters: []filtermap.TableFilter{
		filtermap.OriginalTables("dev", filtermap.Select, "users", "orders"),
		filtermap.CustomSQLTables(filtermap.Select, 1740)}}
	change(&tf)
	return filtermap.TableFilterMap{"1": tf}
}

func report(change func(*filtermap.DataModelFilter)) filtermap.ReportDataFilters {
	f := filtermap.NewRowModelFilter(700284409, 700315973, filtermap.RuleOr, listF(), treeF())
	change(&f)
	return filtermap.ReportDataFilters{{ReportID: "14377", DataModelFilters: []filtermap.DataModelFilter{f}}}
}

func resource(change func(*filtermap.ResourcePermission)) filtermap.ResourcePermissions {
	p := filtermap.ResourcePermission{ProjectID: 1, ResourceType: filtermap.NewReport, ResourceID: 173, Permissions: []filtermap.Permission{filtermap.PermView, filtermap.PermExport}}
	change(&p)
	return filtermap.ResourcePermissions{p}
}

// condition returns a FilterMap holding c as a list filter under connection 1.
func condition(c filtermap.Condition) filtermap.FilterMap {
	return row(c.ListFilter(filtermap.TableName("orders"), filtermap.TypeString), func(*filtermap.RowFilter) {})
}

func where(change func(*filtermap.GlobalParam)) filtermap.GlobalParams {
	g := filtermap.In("province", "Hunan", "Hubei").GlobalParam()
	change(&g)
	return filtermap.GlobalParams{g}
}

func TestValidateAcceptsValidValues(t *testing.T) {
	t.Parallel()
	keep := func(*filtermap.RowFilter) {}
	valid := map[string]validator{
		"list":                 row(listF(), keep),
		"tree":                 row(treeF(), keep),
		"custom SQL table":     row(listF(), func(f *filtermap.RowFilter) { f.TableName, f.TableExprID = "", 3 }),
		"empty string value":   row(listF(), func(f *filtermap.RowFilter) { f.Filter.Select = []string{""} }),
		"legacy, empty rule":   filtermap.FilterMap{"1": {Legacy: true, DataFilters: []filtermap.RowFilter{listF()}}},
		"nil filter map":       filtermap.FilterMap(nil),
		"column":               column(func(*filtermap.ColumnFilters) {}),
		"column without rule":  column(func(c *filtermap.ColumnFilters) { c.Rule = "" }),
		"tables":               tables(func(*filtermap.TableFilters) {}),
		"report rows":          report(func(*filtermap.DataModelFilter) {}),
		"report columns":       filtermap.ReportDataFilters{{ReportID: "1", DataModelFilters: []filtermap.DataModelFilter{filtermap.NewColumnModelFilter(1, 2, "", column(func(*filtermap.ColumnFilters) {})["1"].DataFilters...)}}},
		"resource by id":       resource(func(*filtermap.ResourcePermission) {}),
		"resource by path":     filtermap.ResourcePermissions{{ResourceType: filtermap.Screen, ResourceNamePaths: []string{"a", "b"}, Permissions: []filtermap.Permission{filtermap.PermCopy}}},
		"global param":         where(func(*filtermap.GlobalParam) {}),
		"lower-case join type": where(func(g *filtermap.GlobalParam) { g.JoinType = "and" }),
		"condition":            filtermap.GlobalParams{filtermap.Equals("region", "East").GlobalParam()},
	}
	for name, v := range valid {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			assert.NoError(t, v.Validate())
		})
	}
}

func TestValidateReportsFirstProblem(t *testing.T) {
	t.Parallel()
	const f0 = `filterMap["1"].dataFilters[0]`
	tests := []struct {
		name    string
		v       validator
		field   string
		ruleHas string
	}{
		// filterMap keys and rules
		{"key not decimal", filtermap.FilterMap{"conn-1": filtermap.NewRowFilters(filtermap.RuleAnd, listF())}, `filterMap["conn-1"]`, "decimal"},
		{"key empty", filtermap.FilterMap{"": filtermap.NewRowFilters(filtermap.RuleAnd, listF())}, `filterMap[""]`, "decimal"},
		{"unknown rule", filtermap.FilterMap{"1": filtermap.NewRowFilters("xor", listF())}, `filterMap["1"].rule`, `"xor"`},
		{"empty rule, current form", filtermap.FilterMap{"1": filtermap.NewRowFilters("", listF())}, `filterMap["1"].rule`, `"and" or "or"`},
		{"legacy with or", filtermap.FilterMap{"1": {Legacy: true, Rule: filtermap.RuleOr, DataFilters: []filtermap.RowFilter{listF()}}}, `filterMap["1"].rule`, "legacy"},
		{"no filters", filtermap.FilterMap{"1": filtermap.NewRowFilters(filtermap.RuleOr)}, `filterMap["1"].dataFilters`, "at least one"},
		// row filter kind and table
		{"unknown filterType", row(listF(), func(f *filtermap.RowFilter) { f.FilterType = "rangeFilter" }), f0 + ".filterType", "rangeFilter"},
		{"unknown selectType", row(listF(), func(f *filtermap.RowFilter) { f.SelectType = "all" }), f0 + ".selectType", "all"},
		{"tableExprId with database", filtermap.FilterMap{"700006204": {Legacy: true, DataFilters: []filtermap.RowFilter{listF(),
			filtermap.NewListFilter(filtermap.Table{Database: "bigviz", ExprID: 3}, filtermap.Select, filtermap.Dim{Field: "地区", DataType: filtermap.TypeString}, "东北")}}},
			`filterMap["700006204"].dataFilters[1].tableExprId`, "database"},
		{"tableExprId with tableName", row(listF(), func(f *filtermap.RowFilter) { f.TableExprID = 3 }), f0 + ".tableExprId", "tableName"},
		{"negative tableExprId", row(listF(), func(f *filtermap.RowFilter) { f.TableName, f.TableExprID = "", -3 }), f0 + ".tableExprId", "positive"},
		{"neither tableName nor tableExprId", row(listF(), func(f *filtermap.RowFilter) { f.TableName = " " }), f0 + ".tableName", "tableExprId"},
		{"invalid UTF-8 table", row(listF(), func(f *filtermap.RowFilter) { f.TableName = "\xff" }), f0 + ".tableName", "UTF-8"},
		// list filter
		{"list without dim", row(listF(), func(f *filtermap.RowFilter) { f.Filter.Dim = nil }), f0 + ".filter.dim", "listFilter"},
		{"list with or", row(listF(), func(f *filtermap.RowFilter) { f.Filter.Or = treeF().Filter.Or }), f0 + ".filter.or", "treeFilter"},
		{"empty field name", row(listF(), func(f *filtermap.RowFilter) { f.Filter.Dim.Field = "" }), f0 + ".filter.dim.field", "empty"},
		{"unknown dataType", row(listF(), func(f *filtermap.RowFilter) { f.Filter.Dim.DataType = "string" }), f0 + ".filter.dim.dataType", "Whole, Decimal"},
		{"list without values", row(listF(), func(f *filtermap.RowFilter) { f.Filter.Select = nil }), f0 + ".filter.select", "at least one"},
		{"invalid UTF-8 value", row(listF(), func(f *filtermap.RowFilter) { f.Filter.Select[1] = "\xc3(" }), f0 + ".filter.select[1]", "UTF-8"},
		// tree filter
		{"tree without groups", row(treeF(), func(f *filtermap.RowFilter) { f.Filter.Or = nil }), f0 + ".filter.or", "at least one"},
		{"tree with dim", row(treeF(), func(f *filtermap.RowFilter) { f.Filter.Dim = listF().Filter.Dim }), f0 + ".filter.dim", "treeFilter"},
		{"tree with select", row(treeF(), func(f *filtermap.RowFilter) { f.Filter.Select = []string{"x"} }), f0 + ".filter.select", "treeFilter"},
		{"tree group without dims", row(treeF(), func(f *filtermap.RowFilter) { f.Filter.Or[0].Dims = nil }), f0 + ".filter.or[0].dims", "at least one"},
		{"tree dim bad dataType", row(treeF(), func(f *filtermap.RowFilter) { f.Filter.Or[0].Dims[1].DataType = "Text" }), f0 + ".filter.or[0].dims[1].dataType", "Text"},
		{"tuple shorter than dims", row(treeF(), func(f *filtermap.RowFilter) { f.Filter.Or[0].Cond.ExcludeList[1] = []string{"华北"} }), f0 + ".filter.or[0].cond.excludelist[1]", "2 values"},
		{"tuple longer than dims", row(treeF(), func(f *filtermap.RowFilter) {
			f.Filter.Or[0].Cond = filtermap.TreeCond{InList: [][]string{{"a", "b", "c"}}}
		}), f0 + ".filter.or[0].cond.inlist[0]", "got 3"},
		{"inlist and excludelist", row(treeF(), func(f *filtermap.RowFilter) { f.Filter.Or[0].Cond.InList = seedTuples }), f0 + ".filter.or[0].cond", "not both"},
		{"neither inlist nor excludelist", row(treeF(), func(f *filtermap.RowFilter) { f.Filter.Or[0].Cond = filtermap.TreeCond{InList: [][]string{}} }), f0 + ".filter.or[0].cond", "at least one tuple"},
		// columnFilterMap
		{"column key not decimal", filtermap.ColumnFilterMap{"x": column(func(*filtermap.ColumnFilters) {})["1"]}, `columnFilterMap["x"]`, "decimal"},
		{"column unknown rule", column(func(c *filtermap.ColumnFilters) { c.Rule = "OR" }), `columnFilterMap["1"].rule`, "OR"},
		{"column type not column", column(func(c *filtermap.ColumnFilters) { c.Type = "row" }), `columnFilterMap["1"].type`, `"column"`},
		{"column without filters", column(func(c *filtermap.ColumnFilters) { c.DataFilters = nil }), `columnFilterMap["1"].dataFilters`, "at least one"},
		{"column empty tableName", column(func(c *filtermap.ColumnFilters) { c.DataFilters[0].TableName = "" }), `columnFilterMap["1"].dataFilters[0].tableName`, "empty"},
		{"column mask level", column(func(c *filtermap.ColumnFilters) { c.DataFilters[0].Type = "rowLevel" }), `columnFilterMap["1"].dataFilters[0].type`, "dataLevel"},
		{"column without masks", column(func(c *filtermap.ColumnFilters) { c.DataFilters[0].DataMasks = nil }), `columnFilterMap["1"].dataFilters[0].dataMasks`, "at least one"},
		{"mask empty field", column(func(c *filtermap.ColumnFilters) { c.DataFilters[0].DataMasks[0].Field = "" }), `columnFilterMap["1"].dataFilters[0].dataMasks[0].field`, "empty"},
		{"mask unknown dataType", column(func(c *filtermap.ColumnFilters) { c.DataFilters[0].DataMasks[0].DataType = "Int" }), `columnFilterMap["1"].dataFilters[0].dataMasks[0].dataType`, "Int"},
		{"mask without applyRange", column(func(c *filtermap.ColumnFilters) { c.DataFilters[0].DataMasks[0].ApplyRange = nil }), `columnFilterMap["1"].dataFilters[0].dataMasks[0].applyRange`, "view, export"},
		{"mask unknown applyRange", column(func(c *filtermap.ColumnFilters) { c.DataFilters[0].DataMasks[0].ApplyRange[1] = "print" }), `columnFilterMap["1"].dataFilters[0].dataMasks[0].applyRange[1]`, "print"},
		// tableFilterMap
		{"tables key not decimal", filtermap.TableFilterMap{"7e3": tables(func(*filtermap.TableFilters) {})["1"]}, `tableFilterMap["7e3"]`, "decimal"},
		{"tables unknown rule", tables(func(tf *filtermap.TableFilters) { tf.Rule = "not" }), `tableFilterMap["1"].rule`, "not"},
		{"tables without filters", tables(func(tf *filtermap.TableFilters) { tf.DataFilters = nil }), `tableFilterMap["1"].dataFilters`, "at least one"},
		{"Original without database", tables(func(tf *filtermap.TableFilters) { tf.DataFilters[0].Database = "" }), `tableFilterMap["1"].dataFilters[0].database`, "Original"},
		{"UserDefinedSQL with database", tables(func(tf *filtermap.TableFilters) { tf.DataFilters[1].Database = "dev" }), `tableFilterMap["1"].dataFilters[1].database`, "UserDefinedSQL"},
		{"unknown produced", tables(func(tf *filtermap.TableFilters) { tf.DataFilters[0].Produced = "View" }), `tableFilterMap["1"].dataFilters[0].produced`, "View"},
		{"tables unknown selectType", tables(func(tf *filtermap.TableFilters) { tf.DataFilters[0].SelectType = "" }), `tableFilterMap["1"].dataFilters[0].selectType`, "select or unselect"},
		{"tables without names", tables(func(tf *filtermap.TableFilters) { tf.DataFilters[0].Select = []string{} }), `tableFilterMap["1"].dataFilters[0].select`, "at least one"},
		{"tables empty name", tables(func(tf *filtermap.TableFilters) { tf.DataFilters[0].Select[1] = "" }), `tableFilterMap["1"].dataFilters[0].select[1]`, "empty"},
		{"custom SQL id not decimal", tables(func(tf *filtermap.TableFilters) { tf.DataFilters[1].Select[0] = "sql-1740" }), `tableFilterMap["1"].dataFilters[1].select[0]`, "decimal"},
		// reportDataFilters
		{"report without id", filtermap.ReportDataFilters{{DataModelFilters: report(func(*filtermap.DataModelFilter) {})[0].DataModelFilters}}, "reportDataFilters[0].reportId", "empty"},
		{"report without models", filtermap.ReportDataFilters{{ReportID: "14377"}}, "reportDataFilters[0].dataModelFilters", "at least one"},
		{"model id zero", report(func(f *filtermap.DataModelFilter) { f.DataModelID = 0 }), "reportDataFilters[0].dataModelFilters[0].dataModelId", "positive"},
		{"connection id negative", report(func(f *filtermap.DataModelFilter) { f.DataConnectionID = -1 }), "reportDataFilters[0].dataModelFilters[0].dataConnectionId", "positive"},
		{"model unknown rule", report(func(f *filtermap.DataModelFilter) { f.Rule = "nor" }), "reportDataFilters[0].dataModelFilters[0].rule", "nor"},
		{"model unknown type", report(func(f *filtermap.DataModelFilter) { f.Type = "table" }), "reportDataFilters[0].dataModelFilters[0].type", "row or column"},
		{"type row holding columns", report(func(f *filtermap.DataModelFilter) {
			f.Rows, f.Columns = nil, column(func(*filtermap.ColumnFilters) {})["1"].DataFilters
		}), "reportDataFilters[0].dataModelFilters[0].type", "is row"},
		{"type column holding rows", report(func(f *filtermap.DataModelFilter) { f.Type = "column" }), "reportDataFilters[0].dataModelFilters[0].type", "is column"},
		{"rows and columns", report(func(f *filtermap.DataModelFilter) { f.Columns = []filtermap.ColumnFilter{} }), "reportDataFilters[0].dataModelFilters[0].dataFilters", "not both"},
		{"model without filters", report(func(f *filtermap.DataModelFilter) { f.Rows = nil }), "reportDataFilters[0].dataModelFilters[0].dataFilters", "at least one"},
		{"model row filter invalid", report(func(f *filtermap.DataModelFilter) { f.Rows[1].Filter.Or[0].Cond.ExcludeList = nil }),
			"reportDataFilters[0].dataModelFilters[0].dataFilters[1].filter.or[0].cond", "at least one tuple"},
		// resourcePermissions
		{"unknown resourceType", resource(func(p *filtermap.ResourcePermission) { p.ResourceType = "REPORT" }), "resourcePermissions[0].resourceType", "REPORT"},
		{"negative projectId", resource(func(p *filtermap.ResourcePermission) { p.ProjectID = -1 }), "resourcePermissions[0].projectId", "positive"},
		{"resourceId and resourceNamePaths", resource(func(p *filtermap.ResourcePermission) { p.ResourceNamePaths = []string{"a"} }), "resourcePermissions[0].resourceId", "resourceNamePaths"},
		{"neither resourceId nor resourceNamePaths", resource(func(p *filtermap.ResourcePermission) { p.ResourceID = 0 }), "resourcePermissions[0].resourceId", "resourceNamePaths"},
		{"negative resourceId", resource(func(p *filtermap.ResourcePermission) { p.ResourceID = -173 }), "resourcePermissions[0].resourceId", "positive"},
		{"empty path name", resource(func(p *filtermap.ResourcePermission) { p.ResourceID, p.ResourceNamePaths = 0, []string{"a", ""} }), "resourcePermissions[0].resourceNamePaths[1]", "empty"},
		{"permissions empty", resource(func(p *filtermap.ResourcePermission) { p.Permissions = nil }), "resourcePermissions[0].permissions", "at least one"},
		{"unknown permission", resource(func(p *filtermap.ResourcePermission) { p.Permissions[1] = "delete" }), "resourcePermissions[0].permissions[1]", "delete"},
		// Tencent GlobalParam
		{"ParamKey empty", where(func(g *filtermap.GlobalParam) { g.ParamKey = " " }), "GlobalParam[0].ParamKey", "empty"},
		{"ParamKey invalid UTF-8", where(func(g *filtermap.GlobalParam) { g.ParamKey = "p\xff" }), "GlobalParam[0].ParamKey", "UTF-8"},
		{"JoinType OR", where(func(g *filtermap.GlobalParam) { g.JoinType = "OR" }), "GlobalParam[0].JoinType", "AND"},
		{"WhereList empty", where(func(g *filtermap.GlobalParam) { g.WhereList = nil }), "GlobalParam[0].WhereList", "at least one"},
		{"operator not one of three", where(func(g *filtermap.GlobalParam) { g.WhereList[0].Operator = "-like" }), "GlobalParam[0].WhereList[0].Operator", "-like"},
		{"value list empty", where(func(g *filtermap.GlobalParam) { g.WhereList[0].Value = nil }), "GlobalParam[0].WhereList[0].Value", "at least one"},
		{"-eq with two values", where(func(g *filtermap.GlobalParam) { g.WhereList[0].Operator = filtermap.OpEq }), "GlobalParam[0].WhereList[0].Value", "exactly one"},
		{"value invalid UTF-8", where(func(g *filtermap.GlobalParam) { g.WhereList[0].Value[1] = "\xed\xa0\x80" }), "GlobalParam[0].WhereList[0].Value[1]", "UTF-8"},
		// Condition, as each vendor gets it
		{"condition without field", filtermap.GlobalParams{filtermap.In("", "East").GlobalParam()}, "GlobalParam[0].ParamKey", "empty"},
		{"condition without field, Youshu", condition(filtermap.In("", "East")), f0 + ".filter.dim.field", "empty"},
		{"condition unknown op", filtermap.GlobalParams{filtermap.Condition{Field: "region", Op: "like", Values: []string{"E%"}}.GlobalParam()}, "GlobalParam[0].WhereList[0].Operator", "like"},
		{"condition unknown op, Youshu", condition(filtermap.Condition{Field: "region", Op: "like", Values: []string{"E%"}}), f0 + ".selectType", "select or unselect"},
		{"condition without values", filtermap.GlobalParams{filtermap.NotIn("region").GlobalParam()}, "GlobalParam[0].WhereList[0].Value", "at least one"},
		{"condition without values, Youshu", condition(filtermap.NotIn("region")), f0 + ".filter.select", "at least one"},
		{"equals with two values", filtermap.GlobalParams{filtermap.Condition{Field: "region", Op: filtermap.OpEq, Values: []string{"a", "b"}}.GlobalParam()}, "GlobalParam[0].WhereList[0].Value", "exactly one"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			requireInvalid(t, tt.v.Validate(), tt.field, tt.ruleHas)
		})
	}
}

func TestValidateMapsReportInKeyOrder(t *testing.T) {
	t.Parallel()
	bad := filtermap.NewRowFilters("bad", listF())
	fm := filtermap.FilterMap{"9": bad, "10": bad, "2": bad}
	for range 20 {
		requireInvalid(t, fm.Validate(), `filterMap["10"].rule`, "bad")
	}
}
