package filtermap

import "strconv"

// Table names the table a row filter applies to. Build it with TableName,
// TableIn or CustomSQL.
type Table struct {
	Database string // database of the table, when the data connection needs one
	Name     string // table name
	ExprID   int64  // custom SQL table id; never with Database or Name
}

// TableName names a table of a data connection that has no database level.
func TableName(name string) Table { return Table{Name: name} }

// TableIn names a table inside database, for data connections whose data
// models choose a database.
func TableIn(database, name string) Table { return Table{Database: database, Name: name} }

// CustomSQL names a custom SQL table by its id (tableExprId). Custom SQL tables
// never take a database.
func CustomSQL(exprID int64) Table { return Table{ExprID: exprID} }

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

// NewTreeFilter returns a tree filter on table made of groups (see TreeIn and
// TreeExclude).
func NewTreeFilter(table Table, selectType SelectType, groups ...TreeGroup) RowFilter {
	return table.on(RowFilter{
		FilterType: TreeFilter,
		SelectType: selectType,
		Filter:     RowFilterBody{Or: groups},
	})
}

// TreeIn returns a tree filter group that keeps the rows whose dims match one
// of tuples; each tuple holds one value per dim, in order.
func TreeIn(dims []Dim, tuples ...[]string) TreeGroup {
	return TreeGroup{Dims: dims, Cond: TreeCond{InList: tuples}}
}

// TreeExclude returns a tree filter group that drops the rows whose dims match
// one of tuples; each tuple holds one value per dim, in order.
func TreeExclude(dims []Dim, tuples ...[]string) TreeGroup {
	return TreeGroup{Dims: dims, Cond: TreeCond{ExcludeList: tuples}}
}

// NewRowFilters returns the row permission of one data connection: filters
// combined by rule, sent in the current {"rule", "dataFilters"} form.
func NewRowFilters(rule Rule, filters ...RowFilter) RowFilters {
	return RowFilters{Rule: rule, DataFilters: filters}
}

// NewLegacyRowFilters returns row filters that all must pass, sent in the
// bare-array form Youshu took before version 5.2.
func NewLegacyRowFilters(filters ...RowFilter) RowFilters {
	return RowFilters{Rule: RuleAnd, DataFilters: filters, Legacy: true}
}

// Set makes f the row permission of data connection connID, replacing any
// earlier one. A nil map is allocated first.
func (m *FilterMap) Set(connID int64, f RowFilters) {
	if m == nil {
		return
	}
	if *m == nil {
		*m = FilterMap{}
	}
	(*m)[connKey(connID)] = f
}

// Mask returns the DataMask that hides field (of dataType) in ranges.
func Mask(field string, dataType DataType, ranges ...ApplyRange) DataMask {
	return DataMask{Field: field, DataType: dataType, ApplyRange: ranges}
}

// NewColumnFilter returns the column filter that applies masks to tableName.
func NewColumnFilter(tableName string, masks ...DataMask) ColumnFilter {
	return ColumnFilter{TableName: tableName, Type: dataLevel, DataMasks: masks}
}

// NewColumnFilters returns the column permission of one data connection.
// rule may be empty to leave it out.
func NewColumnFilters(rule Rule, filters ...ColumnFilter) ColumnFilters {
	return ColumnFilters{Rule: rule, Type: columnType, DataFilters: filters}
}

// Set makes f the column permission of data connection connID, replacing any
// earlier one. A nil map is allocated first.
func (m *ColumnFilterMap) Set(connID int64, f ColumnFilters) {
	if m == nil {
		return
	}
	if *m == nil {
		*m = ColumnFilterMap{}
	}
	(*m)[connKey(connID)] = f
}

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

// NewTableFilters returns the table permission of one data connection. rule
// may be empty to leave it out.
func NewTableFilters(rule Rule, filters ...TableFilter) TableFilters {
	return TableFilters{Rule: rule, DataFilters: filters}
}

// Set makes f the table permission of data connection connID, replacing any
// earlier one. A nil map is allocated first.
func (m *TableFilterMap) Set(connID int64, f TableFilters) {
	if m == nil {
		return
	}
	if *m == nil {
		*m = TableFilterMap{}
	}
	(*m)[connKey(connID)] = f
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

// NewReportDataFilter returns the data permission of report reportID.
func NewReportDataFilter(reportID string, models ...DataModelFilter) ReportDataFilter {
	return ReportDataFilter{ReportID: reportID, DataModelFilters: models}
}

// ResourceByID grants permissions on the resource of type typ with the given id.
func ResourceByID(typ ResourceType, id int64, permissions ...Permission) ResourcePermission {
	return ResourcePermission{ResourceType: typ, ResourceID: id, Permissions: permissions}
}

// ResourceByPath grants permissions on the resource of type typ found by its
// folder path and name, e.g. []string{"sales", "2025", "weekly report"}.
func ResourceByPath(typ ResourceType, path []string, permissions ...Permission) ResourcePermission {
	return ResourcePermission{ResourceType: typ, ResourceNamePaths: path, Permissions: permissions}
}

// InProject returns p with ProjectID set to projectID.
func (p ResourcePermission) InProject(projectID int64) ResourcePermission {
	p.ProjectID = projectID
	return p
}

// connKey is the map key of a data connection id.
func connKey(id int64) string { return strconv.FormatInt(id, 10) }

// Validate reports whether t names a table the way a row filter needs: a
// table name (with or without database) or a positive custom SQL id alone.
func (t Table) validate() error { return t.on(RowFilter{}).validateTable() }
