package filtermap

import "strconv"

// Table names the table a row filter applies to: Name (with Database when
// the data connection needs one) or, for a custom SQL table, ExprID alone.
type Table struct {
	Database string // database of the table, when the data connection needs one
	Name     string // table name
	ExprID   int64  // custom SQL table id; never with Database or Name
}

// TableName names a table of a data connection that has no database level.
func TableName(name string) Table { return Table{Name: name} }

// on returns f aimed at t.
func (t Table) on(f RowFilter) RowFilter {
	f.Database, f.TableName, f.TableExprID = t.Database, t.Name, t.ExprID
	return f
}

// Field returns the Dim for the field name of the given data type.
func Field(name string, dataType DataType) Dim { return Dim{Field: name, DataType: dataType} }

// NewListFilter returns a list filter on table that keeps (Select) or drops
// (Unselect) the rows whose dim has one of values.
func NewListFilter(table Table, selectType SelectType, dim Dim, values ...string) RowFilter {
	return table.on(RowFilter{
		FilterType: ListFilter,
		SelectType: selectType,
		Filter:     RowFilterBody{Dim: &dim, Select: values},
	})
}

// NewTreeFilter returns a tree filter on table made of groups.
func NewTreeFilter(table Table, selectType SelectType, groups ...TreeGroup) RowFilter {
	return table.on(RowFilter{
		FilterType: TreeFilter,
		SelectType: selectType,
		Filter:     RowFilterBody{Or: groups},
	})
}

// NewRowFilters returns the row permission of one data connection: filters
// combined by rule, sent in the current {"rule", "dataFilters"} form.
func NewRowFilters(rule Rule, filters ...RowFilter) RowFilters {
	return RowFilters{Rule: rule, DataFilters: filters}
}

// Set makes f the row permission of data connection connID, replacing any
// earlier one. A nil map is allocated first.
func (m *FilterMap) Set(connID int64, f RowFilters) { set(m, connID, f) }

// NewColumnFilter returns the column filter that applies masks to tableName.
func NewColumnFilter(tableName string, masks ...DataMask) ColumnFilter {
	return ColumnFilter{TableName: tableName, Type: dataLevel, DataMasks: masks}
}

// NewColumnFilters returns the column permission of one data connection.
// rule may be empty to leave it out.
func NewColumnFilters(rule Rule, filters ...ColumnFilter) ColumnFilters {
	return ColumnFilters{Rule: rule, Type: columnType, DataFilters: filters}
}

// Set makes f the column permission of data connection connID, as FilterMap.Set does.
func (m *ColumnFilterMap) Set(connID int64, f ColumnFilters) { set(m, connID, f) }

// OriginalTables returns the table filter that keeps (Select) or hides
// (Unselect) the named tables of database.
func OriginalTables(database string, selectType SelectType, names ...string) TableFilter {
	return TableFilter{Database: database, Produced: Original, SelectType: selectType, Select: names}
}

// CustomSQLTables returns the table filter that keeps (Select) or hides
// (Unselect) the custom SQL tables with the given ids.
func CustomSQLTables(selectType SelectType, exprIDs ...int64) TableFilter {
	ids := make([]string, len(exprIDs))
	for i, id := range exprIDs {
		ids[i] = strconv.FormatInt(id, 10)
	}
	return TableFilter{Produced: UserDefinedSQL, SelectType: selectType, Select: ids}
}

// Set makes f the table permission of data connection connID, as FilterMap.Set does.
func (m *TableFilterMap) Set(connID int64, f TableFilters) { set(m, connID, f) }

// set stores v in *m under the decimal connID, allocating a nil map; a nil m
// is left alone.
func set[M ~map[string]V, V any](m *M, connID int64, v V) {
	if m == nil {
		return
	}
	if *m == nil {
		*m = M{}
	}
	(*m)[strconv.FormatInt(connID, 10)] = v
}

// NewRowModelFilter returns the row permission of data model modelID, read
// through data connection connID: filters combined by rule.
func NewRowModelFilter(modelID, connID int64, rule Rule, filters ...RowFilter) DataModelFilter {
	if filters == nil {
		filters = []RowFilter{}
	}
	return DataModelFilter{DataModelID: modelID, DataConnectionID: connID, Rule: rule, Type: RowPermission, Rows: filters}
}

// NewColumnModelFilter returns the column permission of data model modelID,
// read through data connection connID.
func NewColumnModelFilter(modelID, connID int64, rule Rule, filters ...ColumnFilter) DataModelFilter {
	if filters == nil {
		filters = []ColumnFilter{}
	}
	return DataModelFilter{DataModelID: modelID, DataConnectionID: connID, Rule: rule, Type: ColumnPermission, Columns: filters}
}
