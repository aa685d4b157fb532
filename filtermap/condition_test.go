package filtermap_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/biembed/biembed-go/filtermap"
)

func TestConditionRendersForBothVendors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		c      filtermap.Condition
		sel    filtermap.SelectType
		op     filtermap.Operator
		values []string
	}{
		{"in", filtermap.In("region", "East", "North"), filtermap.Select, filtermap.OpIs, []string{"East", "North"}},
		{"equals", filtermap.Equals("region", "East"), filtermap.Select, filtermap.OpEq, []string{"East"}},
		{"not in", filtermap.NotIn("region", "West"), filtermap.Unselect, filtermap.OpNeq, []string{"West"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := tt.c.ListFilter(filtermap.Table{Database: "sales", Name: "orders"}, filtermap.TypeString)
			require.NoError(t, f.Validate())
			assert.Equal(t, "listFilter", f.FilterType)
			assert.Equal(t, tt.sel, f.SelectType)
			assert.Equal(t, "sales", f.Database)
			assert.Equal(t, "orders", f.TableName)
			assert.Equal(t, &filtermap.Dim{Field: "region", DataType: filtermap.TypeString}, f.Filter.Dim)
			assert.Equal(t, tt.values, f.Filter.Select)

			g := tt.c.GlobalParam()
			require.NoError(t, filtermap.GlobalParams{g}.Validate())
			assert.Equal(t, filtermap.GlobalParam{ParamKey: "region", JoinType: "AND",
				WhereList: []filtermap.Where{{Operator: tt.op, Value: tt.values}}}, g)
		})
	}
}

func TestConditionUnknownOpRendersInvalid(t *testing.T) {
	t.Parallel()
	c := filtermap.Condition{Field: "region", Op: "like", Values: []string{"E%"}}
	requireInvalid(t, c.ListFilter(filtermap.Table{ExprID: 3}, filtermap.TypeString).Validate(), "selectType", "select or unselect")
	requireInvalid(t, filtermap.GlobalParams{c.GlobalParam()}.Validate(), "GlobalParam[0].WhereList[0].Operator", "-eq")
}

func TestTableRefs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		table          filtermap.Table
		database, name string
		exprID         int64
	}{
		{filtermap.TableName("orders"), "", "orders", 0},
		{filtermap.Table{Database: "bigviz", Name: "orders"}, "bigviz", "orders", 0},
		{filtermap.Table{ExprID: 3}, "", "", 3},
	}
	for _, tt := range tests {
		f := filtermap.In("region", "East").ListFilter(tt.table, filtermap.TypeString)
		assert.Equal(t, tt.database, f.Database)
		assert.Equal(t, tt.name, f.TableName)
		assert.Equal(t, tt.exprID, f.TableExprID)
		assert.NoError(t, f.Validate())
	}
}

func TestModelFilterConstructorsSetType(t *testing.T) {
	t.Parallel()
	rows := filtermap.NewRowModelFilter(1, 2, filtermap.RuleAnd)
	assert.Equal(t, "row", rows.Type)
	assert.NotNil(t, rows.Rows)
	assert.Nil(t, rows.Columns)
	cols := filtermap.NewColumnModelFilter(1, 2, "")
	assert.Equal(t, "column", cols.Type)
	assert.NotNil(t, cols.Columns)
	assert.Nil(t, cols.Rows)
}

func TestTableValidate(t *testing.T) {
	t.Parallel()
	on := func(table filtermap.Table) error {
		return filtermap.In("region", "East").ListFilter(table, filtermap.TypeString).Validate()
	}
	assert.NoError(t, on(filtermap.Table{Database: "bigviz", Name: "orders"}))
	assert.NoError(t, on(filtermap.Table{ExprID: 3}))
	requireInvalid(t, on(filtermap.TableName("")), "tableName", "tableExprId")
	requireInvalid(t, on(filtermap.Table{Database: "bigviz", ExprID: 3}), "tableExprId", "database")
	requireInvalid(t, on(filtermap.Table{ExprID: -3}), "tableExprId", "positive")
}
