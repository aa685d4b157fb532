package filtermap

import (
	"maps"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/biembed/biembed-go/internal/validate"
)

// Validate reports the first entry of m that breaks a documented rule. Keys
// must be data connection ids in decimal digits; entries are checked in key
// order. Field paths start with filterMap, e.g.
// filterMap["700006204"].dataFilters[1].tableExprId.
func (m FilterMap) Validate() error { return validateMap("filterMap", m) }

// Validate reports the first field of r that breaks a documented rule: rule
// "and" or "or" ("and" or empty in the legacy form) and at least one valid
// filter.
func (r RowFilters) validate() error {
	if r.Legacy {
		if r.Rule != "" && r.Rule != RuleAnd {
			return validate.Fieldf("rule", `must be "and" or empty in the legacy form, which always means "and"; got %q`, r.Rule)
		}
	} else if !validate.OneOf(r.Rule, RuleAnd, RuleOr) {
		return validate.Fieldf("rule", `must be "and" or "or"; got %q`, r.Rule)
	}
	return validateList("dataFilters", r.DataFilters)
}

// Validate reports the first field of f that breaks a documented rule: a
// known filterType and selectType; a table named by tableName (with or
// without database) or by tableExprId alone; a list filter with one dim and
// at least one value; a tree filter with groups whose value tuples match
// their dims.
func (f RowFilter) validate() error {
	if !validate.OneOf(f.FilterType, ListFilter, TreeFilter) {
		return validate.Fieldf("filterType", "must be listFilter or treeFilter; got %q", f.FilterType)
	}
	if err := checkSelectType(f.SelectType); err != nil {
		return err
	}
	if err := f.validateTable(); err != nil {
		return err
	}
	if f.FilterType == ListFilter {
		return validate.Within("filter", f.Filter.validateList())
	}
	return validate.Within("filter", f.Filter.validateTree())
}

func (f RowFilter) validateTable() error {
	switch {
	case f.TableExprID < 0:
		return validate.Fieldf("tableExprId", "must be a positive custom SQL id; got %d", f.TableExprID)
	case f.TableExprID > 0 && f.Database != "":
		return validate.Fieldf("tableExprId", "must not be combined with database: a custom SQL table has no database")
	case f.TableExprID > 0 && f.TableName != "":
		return validate.Fieldf("tableExprId", "must not be combined with tableName: name the table by one of them")
	case f.TableExprID == 0 && strings.TrimSpace(f.TableName) == "":
		return validate.Fieldf("tableName", "must be set, or tableExprId for a custom SQL table")
	}
	if err := checkText("database", f.Database); err != nil {
		return err
	}
	return checkText("tableName", f.TableName)
}

func (b RowFilterBody) validateList() error {
	if b.Dim == nil {
		return validate.Fieldf("dim", "must be set for a listFilter")
	}
	if len(b.Or) > 0 {
		return validate.Fieldf("or", "must be empty for a listFilter; tree groups belong to a treeFilter")
	}
	if err := b.Dim.validate(); err != nil {
		return validate.Within("dim", err)
	}
	if len(b.Select) == 0 {
		return validate.Fieldf("select", "must hold at least one value")
	}
	return checkValues("select", b.Select)
}

func (b RowFilterBody) validateTree() error {
	if b.Dim != nil {
		return validate.Fieldf("dim", "must be empty for a treeFilter; put the dims in or[].dims")
	}
	if len(b.Select) > 0 {
		return validate.Fieldf("select", "must be empty for a treeFilter; put the values in or[].cond")
	}
	return validateList("or", b.Or)
}

// Validate reports the first field of g that breaks a documented rule: at
// least one valid dim, and exactly one of cond.inlist and cond.excludelist,
// holding tuples of one value per dim.
func (g TreeGroup) validate() error {
	if err := validateList("dims", g.Dims); err != nil {
		return err
	}
	in, ex := len(g.Cond.InList) > 0, len(g.Cond.ExcludeList) > 0
	switch {
	case in && ex:
		return validate.Fieldf("cond", "must hold inlist or excludelist, not both")
	case in:
		return checkTuples("cond.inlist", g.Cond.InList, len(g.Dims))
	case ex:
		return checkTuples("cond.excludelist", g.Cond.ExcludeList, len(g.Dims))
	}
	return validate.Fieldf("cond", "must hold at least one tuple in inlist or excludelist")
}

func checkTuples(name string, tuples [][]string, dims int) error {
	for i, t := range tuples {
		if len(t) != dims {
			return validate.Fieldf(validate.Index(name, i), "must hold %d values, one per dim; got %d", dims, len(t))
		}
		if err := checkValues("", t); err != nil {
			return validate.Within(validate.Index(name, i), err)
		}
	}
	return nil
}

// Validate reports whether d names a field and one of the seven data types.
func (d Dim) validate() error {
	if err := checkName("field", d.Field); err != nil {
		return err
	}
	return checkDataType("dataType", d.DataType)
}

// Validate reports the first entry of m that breaks a documented rule. Keys
// must be data connection ids in decimal digits; entries are checked in key
// order. Field paths start with columnFilterMap.
func (m ColumnFilterMap) Validate() error { return validateMap("columnFilterMap", m) }

// Validate reports the first field of c that breaks a documented rule: rule
// empty, "and" or "or"; type "column"; at least one valid filter.
func (c ColumnFilters) validate() error {
	if err := checkOptionalRule(c.Rule); err != nil {
		return err
	}
	if c.Type != columnType {
		return validate.Fieldf("type", "must be %q, the only type Youshu supports; got %q", columnType, c.Type)
	}
	return validateList("dataFilters", c.DataFilters)
}

// Validate reports the first field of c that breaks a documented rule:
// tableName set, type "dataLevel", at least one valid mask.
func (c ColumnFilter) validate() error {
	if err := checkName("tableName", c.TableName); err != nil {
		return err
	}
	if c.Type != dataLevel {
		return validate.Fieldf("type", "must be %q, the only type Youshu supports; got %q", dataLevel, c.Type)
	}
	return validateList("dataMasks", c.DataMasks)
}

// Validate reports the first field of m that breaks a documented rule: field
// set, a known dataType, at least one known applyRange.
func (m DataMask) validate() error {
	if err := checkName("field", m.Field); err != nil {
		return err
	}
	if err := checkDataType("dataType", m.DataType); err != nil {
		return err
	}
	if len(m.ApplyRange) == 0 {
		return validate.Fieldf("applyRange", "must hold view, export or both")
	}
	for i, r := range m.ApplyRange {
		if !validate.OneOf(r, ApplyView, ApplyExport) {
			return validate.Fieldf(validate.Index("applyRange", i), "must be view or export; got %q", r)
		}
	}
	return nil
}

// Validate reports the first entry of m that breaks a documented rule. Keys
// must be data connection ids in decimal digits; entries are checked in key
// order. Field paths start with tableFilterMap.
func (m TableFilterMap) Validate() error { return validateMap("tableFilterMap", m) }

// Validate reports the first field of t that breaks a documented rule: rule
// empty, "and" or "or"; at least one valid filter.
func (t TableFilters) validate() error {
	if err := checkOptionalRule(t.Rule); err != nil {
		return err
	}
	return validateList("dataFilters", t.DataFilters)
}

// Validate reports the first field of t that breaks a documented rule: a
// known produced and selectType; database set for Original tables and empty
// for UserDefinedSQL ones; at least one table, named for Original tables and
// a decimal custom SQL id for UserDefinedSQL ones.
func (t TableFilter) validate() error {
	switch t.Produced {
	case Original:
		if err := checkName("database", t.Database); err != nil {
			return validate.Fieldf("database", "must be set for Original tables")
		}
	case UserDefinedSQL:
		if t.Database != "" {
			return validate.Fieldf("database", "must be empty for UserDefinedSQL tables: custom SQL has no database")
		}
	default:
		return validate.Fieldf("produced", "must be Original or UserDefinedSQL; got %q", t.Produced)
	}
	if err := checkSelectType(t.SelectType); err != nil {
		return err
	}
	if len(t.Select) == 0 {
		return validate.Fieldf("select", "must hold at least one table")
	}
	for i, s := range t.Select {
		if t.Produced == UserDefinedSQL && !isDecimal(s) {
			return validate.Fieldf(validate.Index("select", i), "must be a custom SQL id in decimal digits; got %q", s)
		}
		if err := checkName("", s); err != nil {
			return validate.Within(validate.Index("select", i), err)
		}
	}
	return nil
}

// Validate reports the first report of r that breaks a documented rule.
// Field paths start with reportDataFilters.
func (r ReportDataFilters) Validate() error { return validateEach("reportDataFilters", r) }

// Validate reports the first field of r that breaks a documented rule:
// reportId set and at least one valid dataModelFilter.
func (r ReportDataFilter) validate() error {
	if err := checkName("reportId", r.ReportID); err != nil {
		return err
	}
	return validateList("dataModelFilters", r.DataModelFilters)
}

// Validate reports the first field of f that breaks a documented rule:
// positive ids; rule empty, "and" or "or"; type row with Rows or type column
// with Columns (never both, never the other kind); at least one valid filter.
func (f DataModelFilter) validate() error {
	if f.DataModelID <= 0 {
		return validate.Fieldf("dataModelId", "must be a positive data model id; got %d", f.DataModelID)
	}
	if f.DataConnectionID <= 0 {
		return validate.Fieldf("dataConnectionId", "must be a positive data connection id; got %d", f.DataConnectionID)
	}
	if err := checkOptionalRule(f.Rule); err != nil {
		return err
	}
	switch {
	case !validate.OneOf(f.Type, RowPermission, ColumnPermission):
		return validate.Fieldf("type", "must be row or column; got %q", f.Type)
	case f.Rows != nil && f.Columns != nil:
		return validate.Fieldf("dataFilters", "must hold row filters or column filters, not both")
	case f.Type == RowPermission && len(f.Columns) > 0:
		return validate.Fieldf("type", "is row but dataFilters holds column filters (dataMasks); use column")
	case f.Type == ColumnPermission && len(f.Rows) > 0:
		return validate.Fieldf("type", "is column but dataFilters holds row filters; use row")
	case f.Type == ColumnPermission:
		return validateList("dataFilters", f.Columns)
	}
	return validateList("dataFilters", f.Rows)
}

// Validate reports the first permission of r that breaks a documented rule.
// Field paths start with resourcePermissions.
func (r ResourcePermissions) Validate() error { return validateEach("resourcePermissions", r) }

// Validate reports the first field of p that breaks a documented rule: a
// known resourceType, a non-negative projectId, exactly one of a positive
// resourceId and a resourceNamePaths without empty names, and at least one
// known permission.
func (p ResourcePermission) validate() error {
	if !validate.OneOf(p.ResourceType, NewReport, DataModel, DataConnection, Screen, NewScreen) {
		return validate.Fieldf("resourceType", "must be one of NEW_REPORT, DATA_MODEL, DATA_CONNECTION, SCREEN, NEW_SCREEN; got %q", p.ResourceType)
	}
	if p.ProjectID < 0 {
		return validate.Fieldf("projectId", "must be a positive project id when set; got %d", p.ProjectID)
	}
	if err := p.validateTarget(); err != nil {
		return err
	}
	if len(p.Permissions) == 0 {
		return validate.Fieldf("permissions", "must hold at least one of view, edit, export, copy")
	}
	for i, perm := range p.Permissions {
		if !validate.OneOf(perm, PermView, PermEdit, PermExport, PermCopy) {
			return validate.Fieldf(validate.Index("permissions", i), "must be view, edit, export or copy; got %q", perm)
		}
	}
	return nil
}

func (p ResourcePermission) validateTarget() error {
	byPath := len(p.ResourceNamePaths) > 0
	switch {
	case p.ResourceID < 0:
		return validate.Fieldf("resourceId", "must be a positive resource id; got %d", p.ResourceID)
	case p.ResourceID > 0 && byPath:
		return validate.Fieldf("resourceId", "must not be combined with resourceNamePaths: name the resource by one of them")
	case p.ResourceID == 0 && !byPath:
		return validate.Fieldf("resourceId", "must be set, or resourceNamePaths")
	}
	for i, name := range p.ResourceNamePaths {
		if err := checkName("", name); err != nil {
			return validate.Within(validate.Index("resourceNamePaths", i), err)
		}
	}
	return nil
}

// validator is any value with a validate method.
type validator interface{ validate() error }

// validateMap checks that m's keys are decimal ids and validates its entries
// in key order, reporting paths as name["key"]. A valid map costs no
// allocation: the keys are sorted, to find the first bad entry, only when
// some entry is bad.
func validateMap[V validator](name string, m map[string]V) error {
	bad := false
	for k, v := range m {
		if !isDecimal(k) || v.validate() != nil {
			bad = true
			break
		}
	}
	if !bad {
		return nil
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if !isDecimal(k) {
			return validate.Fieldf(validate.Key(name, k), "key must be a data connection id in decimal digits")
		}
		if err := m[k].validate(); err != nil {
			return validate.Within(validate.Key(name, k), err)
		}
	}
	return nil
}

// validateList requires at least one element in list and validates each,
// reporting paths as name[i].
func validateList[V validator](name string, list []V) error {
	if len(list) == 0 {
		return validate.Fieldf(name, "must hold at least one entry")
	}
	return validateEach(name, list)
}

// validateEach validates each element of list, reporting paths as name[i].
func validateEach[V validator](name string, list []V) error {
	for i, v := range list {
		if err := v.validate(); err != nil {
			return validate.Within(validate.Index(name, i), err)
		}
	}
	return nil
}

func checkOptionalRule(r Rule) error {
	if r != "" && !validate.OneOf(r, RuleAnd, RuleOr) {
		return validate.Fieldf("rule", `must be "and", "or" or empty; got %q`, r)
	}
	return nil
}

func checkSelectType(s SelectType) error {
	if !validate.OneOf(s, Select, Unselect) {
		return validate.Fieldf("selectType", "must be select or unselect; got %q", s)
	}
	return nil
}

func checkDataType(field string, t DataType) error {
	if !validate.OneOf(t, TypeWhole, TypeDecimal, TypeDateTime, TypeString, TypeDate, TypeTime, TypeBoolean) {
		return validate.Fieldf(field, "must be one of Whole, Decimal, DateTime, String, Date, Time, Boolean; got %q", t)
	}
	return nil
}

// checkName requires s to be non-blank, valid UTF-8 text.
func checkName(field, s string) error {
	if strings.TrimSpace(s) == "" {
		return validate.Fieldf(field, "must not be empty")
	}
	return checkText(field, s)
}

// checkText requires s to be valid UTF-8: encoding/json would replace invalid
// bytes, so the server would filter on a different value.
func checkText(field, s string) error {
	if !utf8.ValidString(s) {
		return validate.Fieldf(field, "must be valid UTF-8")
	}
	return nil
}

// checkValues requires every value to be valid UTF-8. Empty values are
// allowed: they filter on the empty string. The path field[i] is built only
// for a bad value.
func checkValues(field string, values []string) error {
	for i, v := range values {
		if !utf8.ValidString(v) {
			return validate.Fieldf(validate.Index(field, i), "must be valid UTF-8")
		}
	}
	return nil
}

// isDecimal reports whether s is a non-empty run of ASCII digits.
func isDecimal(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
