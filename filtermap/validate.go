package filtermap

import (
	"cmp"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/biembed/biembed-go/internal/validate"
)

// Validate reports the first entry of m that breaks a rule (see the package doc).
func (m FilterMap) Validate() error { return validateMap("filterMap", m) }

// Validate reports the first entry of m that breaks a rule (see the package doc).
func (m ColumnFilterMap) Validate() error { return validateMap("columnFilterMap", m) }

// Validate reports the first entry of m that breaks a rule (see the package doc).
func (m TableFilterMap) Validate() error { return validateMap("tableFilterMap", m) }

// Validate reports the first report of r that breaks a rule (see the package doc).
func (r ReportDataFilters) Validate() error { return validateEach("reportDataFilters", r) }

// Validate reports the first entry of r that breaks a rule (see the package doc).
func (r ResourcePermissions) Validate() error { return validateEach("resourcePermissions", r) }

// Each element's validate checks its fields in order, by paths its caller prefixes.

func (r RowFilters) validate() error {
	switch {
	case r.Legacy && r.Rule != "" && r.Rule != RuleAnd:
		return validate.Fieldf("rule", `must be "and" or empty in the legacy form, which always means "and"; got %q`, r.Rule)
	case !r.Legacy && !validate.OneOf(r.Rule, RuleAnd, RuleOr):
		return validate.Fieldf("rule", `must be "and" or "or"; got %q`, r.Rule)
	}
	return validateList("dataFilters", r.DataFilters)
}

// validate requires a known filterType and selectType, a table named by
// tableName (with or without database) or by tableExprId alone, and a body
// that fits the filterType.
func (f RowFilter) validate() error {
	switch {
	case !validate.OneOf(f.FilterType, listFilter, treeFilter):
		return validate.Fieldf("filterType", "must be listFilter or treeFilter; got %q", f.FilterType)
	case !validate.OneOf(f.SelectType, Select, Unselect):
		return errSelectType(f.SelectType)
	case f.TableExprID < 0:
		return validate.Fieldf("tableExprId", "must be a positive custom SQL id; got %d", f.TableExprID)
	case f.TableExprID > 0 && f.Database != "":
		return validate.Fieldf("tableExprId", "must not be combined with database: a custom SQL table has no database")
	case f.TableExprID > 0 && f.TableName != "":
		return validate.Fieldf("tableExprId", "must not be combined with tableName: name the table by one of them")
	case f.TableExprID == 0 && strings.TrimSpace(f.TableName) == "":
		return validate.Fieldf("tableName", "must be set, or tableExprId for a custom SQL table")
	}
	if err := cmp.Or(checkText("database", f.Database), checkText("tableName", f.TableName)); err != nil {
		return err
	}
	return validate.Within("filter", f.Filter.validate(f.FilterType))
}

// validate checks b as the body of a filter of type t: a list filter has a
// dim and at least one value, a tree filter only groups.
func (b RowFilterBody) validate(t string) error {
	if t == treeFilter {
		switch {
		case b.Dim != nil:
			return validate.Fieldf("dim", "must be empty for a treeFilter; put the dims in or[].dims")
		case len(b.Select) > 0:
			return validate.Fieldf("select", "must be empty for a treeFilter; put the values in or[].cond")
		}
		return validateList("or", b.Or)
	}
	switch {
	case b.Dim == nil:
		return validate.Fieldf("dim", "must be set for a listFilter")
	case len(b.Or) > 0:
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

// validate requires at least one dim, and exactly one of cond.inlist and
// cond.excludelist, holding tuples of one value per dim.
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

func (d Dim) validate() error { return cmp.Or(checkName("field", d.Field), checkDataType(d.DataType)) }

func (c ColumnFilters) validate() error {
	if err := checkOptionalRule(c.Rule); err != nil {
		return err
	}
	if c.Type != columnType {
		return validate.Fieldf("type", "must be %q, the only type Youshu supports; got %q", columnType, c.Type)
	}
	return validateList("dataFilters", c.DataFilters)
}

func (c ColumnFilter) validate() error {
	if err := checkName("tableName", c.TableName); err != nil {
		return err
	}
	if c.Type != dataLevel {
		return validate.Fieldf("type", "must be %q, the only type Youshu supports; got %q", dataLevel, c.Type)
	}
	return validateList("dataMasks", c.DataMasks)
}

func (m DataMask) validate() error {
	if err := cmp.Or(checkName("field", m.Field), checkDataType(m.DataType)); err != nil {
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

func (t TableFilters) validate() error {
	return cmp.Or(checkOptionalRule(t.Rule), validateList("dataFilters", t.DataFilters))
}

// validate requires a known produced and selectType, database set for
// Original tables and empty for UserDefinedSQL ones, and at least one table:
// a name, or for UserDefinedSQL a custom SQL id in decimal digits.
func (t TableFilter) validate() error {
	switch {
	case !validate.OneOf(t.Produced, original, userDefinedSQL):
		return validate.Fieldf("produced", "must be Original or UserDefinedSQL; got %q", t.Produced)
	case t.Produced == original && checkName("", t.Database) != nil:
		return validate.Fieldf("database", "must be set for Original tables")
	case t.Produced == userDefinedSQL && t.Database != "":
		return validate.Fieldf("database", "must be empty for UserDefinedSQL tables: custom SQL has no database")
	case !validate.OneOf(t.SelectType, Select, Unselect):
		return errSelectType(t.SelectType)
	case len(t.Select) == 0:
		return validate.Fieldf("select", "must hold at least one table")
	}
	for i, s := range t.Select {
		if t.Produced == userDefinedSQL && !isDecimal(s) {
			return validate.Fieldf(validate.Index("select", i), "must be a custom SQL id in decimal digits; got %q", s)
		}
		if err := checkName("", s); err != nil {
			return validate.Within(validate.Index("select", i), err)
		}
	}
	return nil
}

func (r ReportDataFilter) validate() error {
	return cmp.Or(checkName("reportId", r.ReportID), validateList("dataModelFilters", r.DataModelFilters))
}

// validate requires positive ids, an optional rule, and type row with Rows
// or type column with Columns (never both, never the other kind).
func (f DataModelFilter) validate() error {
	switch {
	case f.DataModelID <= 0:
		return validate.Fieldf("dataModelId", "must be a positive data model id; got %d", f.DataModelID)
	case f.DataConnectionID <= 0:
		return validate.Fieldf("dataConnectionId", "must be a positive data connection id; got %d", f.DataConnectionID)
	}
	if err := checkOptionalRule(f.Rule); err != nil {
		return err
	}
	switch {
	case !validate.OneOf(f.Type, rowPermission, colPermission):
		return validate.Fieldf("type", "must be row or column; got %q", f.Type)
	case f.Rows != nil && f.Columns != nil:
		return validate.Fieldf("dataFilters", "must hold row filters or column filters, not both")
	case f.Type == rowPermission && len(f.Columns) > 0:
		return validate.Fieldf("type", "is row but dataFilters holds column filters (dataMasks); use column")
	case f.Type == colPermission && len(f.Rows) > 0:
		return validate.Fieldf("type", "is column but dataFilters holds row filters; use row")
	case f.Type == colPermission:
		return validateList("dataFilters", f.Columns)
	}
	return validateList("dataFilters", f.Rows)
}

// validate requires a known resourceType, a non-negative projectId, exactly
// one of a positive resourceId and a resourceNamePaths without empty names,
// and at least one known permission.
func (p ResourcePermission) validate() error {
	byPath := len(p.ResourceNamePaths) > 0
	switch {
	case !validate.OneOf(p.ResourceType, NewReport, DataModel, DataConnection, Screen, NewScreen):
		return validate.Fieldf("resourceType", "must be one of NEW_REPORT, DATA_MODEL, DATA_CONNECTION, SCREEN, NEW_SCREEN; got %q", p.ResourceType)
	case p.ProjectID < 0:
		return validate.Fieldf("projectId", "must be a positive project id when set; got %d", p.ProjectID)
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

// validateList requires at least one element in list and validates each.
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

func errSelectType(s SelectType) error {
	return validate.Fieldf("selectType", "must be select or unselect; got %q", s)
}

func checkDataType(t DataType) error {
	if !validate.OneOf(t, TypeWhole, TypeDecimal, TypeDateTime, TypeString, TypeDate, TypeTime, TypeBoolean) {
		return validate.Fieldf("dataType", "must be one of Whole, Decimal, DateTime, String, Date, Time, Boolean; got %q", t)
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

// checkValues requires every value to be valid UTF-8 (empty ones filter on
// the empty string), building the path field[i] only for a bad one.
func checkValues(field string, values []string) error {
	for i, v := range values {
		if !utf8.ValidString(v) {
			return validate.Fieldf(validate.Index(field, i), "must be valid UTF-8")
		}
	}
	return nil
}

// isDecimal reports whether s is a non-empty run of ASCII digits.
func isDecimal(s string) bool { return s != "" && strings.TrimLeft(s, "0123456789") == "" }
