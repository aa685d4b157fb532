package filtermap

import "strconv"

// Rule is how the filters of one data connection (or one data model) combine.
type Rule string

// The rules Youshu documents.
const (
	RuleAnd Rule = "and" // a row must pass every filter
	RuleOr  Rule = "or"  // a row must pass at least one filter
)

// DataType is the type of a field, as Youshu names it in dim.dataType and dataMasks.
type DataType string

// The seven data types Youshu documents.
const (
	TypeWhole    DataType = "Whole"
	TypeDecimal  DataType = "Decimal"
	TypeDateTime DataType = "DateTime"
	TypeString   DataType = "String"
	TypeDate     DataType = "Date"
	TypeTime     DataType = "Time"
	TypeBoolean  DataType = "Boolean"
)

// The documented discriminators, which the constructors fill in.
const (
	listFilter     = "listFilter"     // RowFilter.FilterType: one field, a list of values
	treeFilter     = "treeFilter"     // RowFilter.FilterType: several fields, tuples of values
	columnType     = "column"         // ColumnFilters.Type, the one documented
	dataLevel      = "dataLevel"      // ColumnFilter.Type, the one documented
	original       = "Original"       // TableFilter.Produced: tables of a database; Database is required
	userDefinedSQL = "UserDefinedSQL" // TableFilter.Produced: custom SQL tables, listed by id
	rowPermission  = "row"            // DataModelFilter.Type
	colPermission  = "column"         // DataModelFilter.Type
)

// SelectType says whether the listed values are kept or excluded.
type SelectType string

// The select types Youshu documents.
const (
	Select   SelectType = "select"   // keep only the listed values
	Unselect SelectType = "unselect" // drop the listed values
)

// Dim names one field and its data type.
type Dim struct {
	Field    string   `json:"field"`
	DataType DataType `json:"dataType"`
}

// RowFilter is one entry of a data connection's dataFilters in filterMap (and
// of a row-type dataModelFilter in reportDataFilters): a list filter or a tree
// filter on one table (see Table).
type RowFilter struct {
	FilterType  string        `json:"filterType"` // "listFilter" or "treeFilter"
	SelectType  SelectType    `json:"selectType"`
	Database    string        `json:"database,omitempty"`
	TableName   string        `json:"tableName,omitempty"`
	TableExprID int64         `json:"tableExprId,omitempty"`
	Filter      RowFilterBody `json:"filter"`
}

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

// NewListFilter returns a list filter on table that keeps (Select) or drops
// (Unselect) the rows whose dim has one of values.
func NewListFilter(table Table, selectType SelectType, dim Dim, values ...string) RowFilter {
	return table.on(RowFilter{FilterType: listFilter, SelectType: selectType, Filter: RowFilterBody{Dim: &dim, Select: values}})
}

// NewTreeFilter returns a tree filter on table made of groups.
func NewTreeFilter(table Table, selectType SelectType, groups ...TreeGroup) RowFilter {
	return table.on(RowFilter{FilterType: treeFilter, SelectType: selectType, Filter: RowFilterBody{Or: groups}})
}

// RowFilterBody is the filter of a RowFilter: Dim and Select for a list
// filter, Or for a tree filter.
type RowFilterBody struct {
	Dim    *Dim        `json:"dim,omitempty"`
	Select []string    `json:"select,omitempty"`
	Or     []TreeGroup `json:"or,omitempty"`
}

// TreeGroup is one group of a tree filter: the fields in Dims and, in Cond,
// value tuples (one value per dim, in order) to keep or exclude.
type TreeGroup struct {
	Dims []Dim    `json:"dims"`
	Cond TreeCond `json:"cond"`
}

// TreeCond holds the value tuples of a TreeGroup: InList to keep, ExcludeList
// to drop. Exactly one is set.
type TreeCond struct {
	InList      [][]string `json:"inlist,omitempty"`
	ExcludeList [][]string `json:"excludelist,omitempty"`
}

// RowFilters is the row permission of one data connection: filters combined
// by Rule, sent as {"rule", "dataFilters"} or, with Legacy (the form from
// before Youshu 5.2, which decoding remembers), as a bare array meaning "and".
type RowFilters struct {
	Rule        Rule        `json:"rule"`
	DataFilters []RowFilter `json:"dataFilters"`
	Legacy      bool        `json:"-"`
}

// FilterMap is genToken's filterMap: row permissions keyed by data connection id.
type FilterMap map[string]RowFilters

// NewRowFilters returns the row permission of one data connection: filters
// combined by rule, sent in the current {"rule", "dataFilters"} form.
func NewRowFilters(rule Rule, filters ...RowFilter) RowFilters {
	return RowFilters{Rule: rule, DataFilters: filters}
}

// ApplyRange says where a masked column is hidden.
type ApplyRange string

// The ranges Youshu documents.
const (
	ApplyView   ApplyRange = "view"   // hidden when viewing the report
	ApplyExport ApplyRange = "export" // hidden in exports
)

// DataMask hides one field in the listed ranges.
type DataMask struct {
	Field      string       `json:"field"`
	DataType   DataType     `json:"dataType"`
	ApplyRange []ApplyRange `json:"applyRange"`
}

// ColumnFilter masks fields of one table.
type ColumnFilter struct {
	TableName string     `json:"tableName"`
	Type      string     `json:"type"` // "dataLevel", the only documented type
	DataMasks []DataMask `json:"dataMasks"`
}

// ColumnFilters is the column permission of one data connection.
type ColumnFilters struct {
	Rule        Rule           `json:"rule,omitempty"`
	Type        string         `json:"type"` // "column", the only documented type
	DataFilters []ColumnFilter `json:"dataFilters"`
}

// ColumnFilterMap is genToken's columnFilterMap: column permissions keyed by
// data connection id.
type ColumnFilterMap map[string]ColumnFilters

// NewColumnFilter returns the column filter that applies masks to tableName.
func NewColumnFilter(tableName string, masks ...DataMask) ColumnFilter {
	return ColumnFilter{TableName: tableName, Type: dataLevel, DataMasks: masks}
}

// NewColumnFilters returns the column permission of one data connection.
// rule may be empty to leave it out.
func NewColumnFilters(rule Rule, filters ...ColumnFilter) ColumnFilters {
	return ColumnFilters{Rule: rule, Type: columnType, DataFilters: filters}
}

// TableFilter lists the tables of one database (Original) or the custom SQL
// tables (UserDefinedSQL) that stay visible (Select) or hidden (Unselect).
type TableFilter struct {
	Database   string     `json:"database,omitempty"`
	Produced   string     `json:"produced"` // "Original" (Database required) or "UserDefinedSQL"
	SelectType SelectType `json:"selectType"`
	Select     []string   `json:"select"`
}

// TableFilters is the table permission of one data connection.
type TableFilters struct {
	Rule        Rule          `json:"rule,omitempty"`
	DataFilters []TableFilter `json:"dataFilters"`
}

// TableFilterMap is genToken's tableFilterMap: visible tables keyed by data
// connection id; mostly used when embedding data models.
type TableFilterMap map[string]TableFilters

// OriginalTables returns the table filter that keeps (Select) or hides
// (Unselect) the named tables of database.
func OriginalTables(database string, selectType SelectType, names ...string) TableFilter {
	return TableFilter{Database: database, Produced: original, SelectType: selectType, Select: names}
}

// CustomSQLTables returns the table filter that keeps (Select) or hides
// (Unselect) the custom SQL tables with the given ids.
func CustomSQLTables(selectType SelectType, exprIDs ...int64) TableFilter {
	ids := make([]string, len(exprIDs))
	for i, id := range exprIDs {
		ids[i] = strconv.FormatInt(id, 10)
	}
	return TableFilter{Produced: userDefinedSQL, SelectType: selectType, Select: ids}
}

// DataModelFilter restricts one data model of a report, through one of its
// data connections: type row takes Rows, column Columns, both sent as dataFilters.
type DataModelFilter struct {
	DataModelID      int64          `json:"dataModelId"`
	DataConnectionID int64          `json:"dataConnectionId"`
	Rule             Rule           `json:"rule,omitempty"`
	Type             string         `json:"type"` // "row" or "column"
	Rows             []RowFilter    `json:"-"`
	Columns          []ColumnFilter `json:"-"`
}

// NewRowModelFilter returns the row permission of data model modelID, read
// through data connection connID: filters combined by rule.
func NewRowModelFilter(modelID, connID int64, rule Rule, filters ...RowFilter) DataModelFilter {
	return DataModelFilter{DataModelID: modelID, DataConnectionID: connID, Rule: rule, Type: rowPermission, Rows: append([]RowFilter{}, filters...)}
}

// NewColumnModelFilter returns the column permission of data model modelID,
// read through data connection connID.
func NewColumnModelFilter(modelID, connID int64, rule Rule, filters ...ColumnFilter) DataModelFilter {
	return DataModelFilter{DataModelID: modelID, DataConnectionID: connID, Rule: rule, Type: colPermission, Columns: append([]ColumnFilter{}, filters...)}
}

// ReportDataFilter restricts the data of one report. Youshu checks every id in
// it strictly: one model, table, field or connection that does not match makes
// the token unusable for the report (code 743 at genToken).
type ReportDataFilter struct {
	ReportID         string            `json:"reportId"`
	DataModelFilters []DataModelFilter `json:"dataModelFilters"`
}

// ReportDataFilters is genToken's reportDataFilters.
type ReportDataFilters []ReportDataFilter

// ResourceType is the kind of resource a ResourcePermission grants.
type ResourceType string

// The resource types Youshu documents.
const (
	NewReport      ResourceType = "NEW_REPORT"      // report
	DataModel      ResourceType = "DATA_MODEL"      // data model
	DataConnection ResourceType = "DATA_CONNECTION" // data connection
	Screen         ResourceType = "SCREEN"          // large screen
	NewScreen      ResourceType = "NEW_SCREEN"      // published large screen
)

// Permission is one right on a resource.
type Permission string

// The permissions Youshu documents.
const (
	PermView   Permission = "view"
	PermEdit   Permission = "edit"
	PermExport Permission = "export"
	PermCopy   Permission = "copy"
)

// ResourcePermission grants Permissions on one resource, named by ResourceID
// or by ResourceNamePaths (folder path and name), exactly one. Youshu
// intersects them with the user's role permissions, only with openRp.
type ResourcePermission struct {
	ProjectID         int64        `json:"projectId,omitempty"`
	ResourceType      ResourceType `json:"resourceType"`
	ResourceID        int64        `json:"resourceId,omitempty"`
	ResourceNamePaths []string     `json:"resourceNamePaths,omitempty"`
	IsFolder          Flag         `json:"isFolder"`
	Permissions       []Permission `json:"permissions"`
}

// ResourcePermissions is genToken's resourcePermissions.
type ResourcePermissions []ResourcePermission

// Flag is a boolean that Youshu writes as 0 or 1 (isFolder). It decodes from
// 0, 1, true or false and encodes as 0 or 1.
type Flag bool
