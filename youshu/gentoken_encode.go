package youshu

import (
	"encoding/json"
	"slices"
	"strconv"
	"time"

	"github.com/biembed/biembed-go/filtermap"
	"github.com/biembed/biembed-go/internal/jsonenc"
)

// encode returns w's JSON: exactly the bytes json.Marshal(w) returns (the
// tests compare them over generated requests), written by appendJSON
// without reflection and without the re-compaction encoding/json applies to
// the output of every MarshalJSON method (RowFilters, DataModelFilter, Flag,
// AutoRenew). When appendJSON meets a value only encoding/json can judge (an
// encoding error), encode falls back to json.Marshal and its error.
func (w *genTokenWire) encode() ([]byte, error) {
	if b, ok := w.appendJSON(make([]byte, 0, 512)); ok {
		return b, nil
	}
	slow := *w // copied here, so only this rare path moves a wire to the heap
	return json.Marshal(&slow)
}

// appendJSON appends w's JSON to b. ok is false when some value would make
// json.Marshal fail; b is then unusable.
func (w *genTokenWire) appendJSON(b []byte) ([]byte, bool) {
	e := jsonAppender{b: append(b, '{')}
	e.optString("tokenType", string(w.TokenType))
	e.optPtrString("email", w.Email)
	e.optPtrString("password", w.Password)
	e.optPtrString("key", w.Key)
	e.optPtrString("uniqueId", w.UniqueID)
	e.optPtrString("integrateToken", w.IntegrateToken)
	e.optString("authUniqueId", w.AuthUniqueID)
	e.optInt("authUserId", w.AuthUserID)
	e.optString("relationWithSystemPermission", string(w.RelationWithSystemPermission))
	e.optTrue("enableWatermark", w.EnableWatermark)
	if w.Watermark != nil {
		e.key("watermark")
		e.b = append(e.b, '{')
		e.optString("email", w.Watermark.Email)
		e.optString("uniqueId", w.Watermark.UniqueID)
		e.optString("nick", w.Watermark.Nick)
		e.b = append(e.b, '}')
	}
	optObject(&e, "filterMap", w.FilterMap, e.rowFilters)
	optObject(&e, "columnFilterMap", w.ColumnFilterMap, e.columnFilters)
	optObject(&e, "tableFilterMap", w.TableFilterMap, e.tableFilters)
	if len(w.PillFieldMap) > 0 {
		e.key("pillFieldMap")
		e.marshal(w.PillFieldMap)
	}
	if len(w.TableExprMap) > 0 {
		e.key("tableExprMap")
		e.marshal(w.TableExprMap)
	}
	if len(w.ParameterMap) > 0 {
		e.key("parameterMap")
		e.marshal(w.ParameterMap)
	}
	e.optPtrInt("expiryTime", w.ExpiryTime)
	e.optPtrInt("expireTime", w.ExpireTime)
	if len(w.ResourcePermissions) > 0 {
		e.key("resourcePermissions")
		e.b = append(e.b, '[')
		for i := range w.ResourcePermissions {
			e.comma()
			e.resourcePermission(&w.ResourcePermissions[i])
		}
		e.b = append(e.b, ']')
	}
	e.optTrue("openRp", w.OpenRP)
	if w.ClientSetting != nil {
		e.key("clientSetting")
		e.marshal(w.ClientSetting)
	}
	e.optString("useType", string(w.UseType))
	e.optTrue("once", w.Once)
	e.optInt("domainId", w.DomainID)
	if w.AutoRenew != nil {
		if w.AutoRenew.Expiry%time.Second != 0 {
			return nil, false // AutoRenew.MarshalJSON refuses it
		}
		e.key("autoRenew")
		e.b = append(e.b, `{"expiryTime":`...)
		e.b = strconv.AppendInt(e.b, int64(w.AutoRenew.Expiry/time.Second), 10)
		e.b = append(e.b, '}')
	}
	e.optString("applyScope", string(w.ApplyScope))
	e.optInt("projectId", w.ProjectID)
	e.optTrue("enableDefaultBookmark", w.EnableDefaultBookmark)
	if len(w.ParameterAliasMap) > 0 {
		e.key("parameterAliasMap")
		e.marshal(w.ParameterAliasMap)
	}
	if len(w.ReportDataFilters) > 0 {
		e.key("reportDataFilters")
		e.b = append(e.b, '[')
		for i := range w.ReportDataFilters {
			e.comma()
			e.reportDataFilter(&w.ReportDataFilters[i])
		}
		e.b = append(e.b, ']')
	}
	e.optString("uvId", w.UVID)
	e.b = append(e.b, '}')
	return e.b, !e.failed
}

// jsonAppender writes JSON the way encoding/json does (HTML-safe strings,
// map keys sorted, struct fields in order). failed records a value
// json.Marshal would refuse.
type jsonAppender struct {
	b      []byte
	failed bool
}

// key writes the comma (unless the object has just opened) and "name":.
func (e *jsonAppender) key(name string) {
	e.comma()
	e.str(name)
	e.b = append(e.b, ':')
}

// comma separates a member or element from the one before it.
func (e *jsonAppender) comma() {
	if last := e.b[len(e.b)-1]; last != '{' && last != '[' {
		e.b = append(e.b, ',')
	}
}

func (e *jsonAppender) field(name, value string) {
	e.key(name)
	e.str(value)
}

func (e *jsonAppender) optString(name, value string) {
	if value != "" {
		e.field(name, value)
	}
}

func (e *jsonAppender) optPtrString(name string, value *string) {
	if value != nil {
		e.field(name, *value)
	}
}

func (e *jsonAppender) optInt(name string, v int64) {
	if v != 0 {
		e.key(name)
		e.b = strconv.AppendInt(e.b, v, 10)
	}
}

func (e *jsonAppender) optPtrInt(name string, v *int64) {
	if v != nil {
		e.key(name)
		e.b = strconv.AppendInt(e.b, *v, 10)
	}
}

func (e *jsonAppender) optTrue(name string, v bool) {
	if v {
		e.key(name)
		e.b = append(e.b, "true"...)
	}
}

// marshal writes v through json.Marshal: for the free-form maps, whose
// values are any, and clientSetting. Encoding a value alone gives the same
// bytes as encoding it as a field.
func (e *jsonAppender) marshal(v any) {
	b, err := json.Marshal(v)
	if err != nil {
		e.failed = true
		return
	}
	e.b = append(e.b, b...)
}

// strings writes a list of strings; nil is null, as encoding/json writes it.
func (e *jsonAppender) strings(list []string) {
	if list == nil {
		e.b = append(e.b, "null"...)
		return
	}
	e.b = append(e.b, '[')
	for _, s := range list {
		e.comma()
		e.str(s)
	}
	e.b = append(e.b, ']')
}

// open writes '[' for a list, or null for a nil one and reports false.
func (e *jsonAppender) open(isNil bool) bool {
	if isNil {
		e.b = append(e.b, "null"...)
		return false
	}
	e.b = append(e.b, '[')
	return true
}

// optObject writes a non-empty m as the object member name, its keys in
// encoding/json's order and each value by value; an empty m is left out
// (omitempty).
func optObject[V any](e *jsonAppender, name string, m map[string]V, value func(V)) {
	if len(m) == 0 {
		return
	}
	var buf [8]string
	e.key(name)
	e.b = append(e.b, '{')
	for _, k := range sortedKeys(m, buf[:0]) {
		e.key(k)
		value(m[k])
	}
	e.b = append(e.b, '}')
}

// sortedKeys returns m's keys sorted, as encoding/json orders them, in buf
// when they fit.
func sortedKeys[V any](m map[string]V, buf []string) []string {
	for k := range m {
		buf = append(buf, k)
	}
	slices.Sort(buf)
	return buf
}

// rowFilters writes the two forms of filtermap.RowFilters.MarshalJSON.
func (e *jsonAppender) rowFilters(r filtermap.RowFilters) {
	if r.Legacy {
		if r.Rule != "" && r.Rule != filtermap.RuleAnd {
			e.failed = true // MarshalJSON refuses it
			return
		}
		if e.open(r.DataFilters == nil) {
			for i := range r.DataFilters {
				e.comma()
				e.rowFilter(&r.DataFilters[i])
			}
			e.b = append(e.b, ']')
		}
		return
	}
	e.b = append(e.b, '{')
	e.field("rule", string(r.Rule))
	e.key("dataFilters")
	if e.open(r.DataFilters == nil) {
		for i := range r.DataFilters {
			e.comma()
			e.rowFilter(&r.DataFilters[i])
		}
		e.b = append(e.b, ']')
	}
	e.b = append(e.b, '}')
}

func (e *jsonAppender) rowFilter(f *filtermap.RowFilter) {
	e.b = append(e.b, '{')
	e.field("filterType", string(f.FilterType))
	e.field("selectType", string(f.SelectType))
	e.optString("database", f.Database)
	e.optString("tableName", f.TableName)
	e.optInt("tableExprId", f.TableExprID)
	e.key("filter")
	e.b = append(e.b, '{')
	if f.Filter.Dim != nil {
		e.key("dim")
		e.dim(f.Filter.Dim)
	}
	if len(f.Filter.Select) > 0 {
		e.key("select")
		e.strings(f.Filter.Select)
	}
	if len(f.Filter.Or) > 0 {
		e.key("or")
		if e.open(f.Filter.Or == nil) {
			for i := range f.Filter.Or {
				e.comma()
				e.treeGroup(&f.Filter.Or[i])
			}
			e.b = append(e.b, ']')
		}
	}
	e.b = append(e.b, "}}"...)
}

func (e *jsonAppender) dim(d *filtermap.Dim) {
	e.b = append(e.b, '{')
	e.field("field", d.Field)
	e.field("dataType", string(d.DataType))
	e.b = append(e.b, '}')
}

func (e *jsonAppender) treeGroup(g *filtermap.TreeGroup) {
	e.b = append(e.b, '{')
	e.key("dims")
	if e.open(g.Dims == nil) {
		for i := range g.Dims {
			e.comma()
			e.dim(&g.Dims[i])
		}
		e.b = append(e.b, ']')
	}
	e.key("cond")
	e.b = append(e.b, '{')
	if len(g.Cond.InList) > 0 {
		e.key("inlist")
		if e.open(g.Cond.InList == nil) {
			for _, v := range g.Cond.InList {
				e.comma()
				e.strings(v)
			}
			e.b = append(e.b, ']')
		}
	}
	if len(g.Cond.ExcludeList) > 0 {
		e.key("excludelist")
		if e.open(g.Cond.ExcludeList == nil) {
			for _, v := range g.Cond.ExcludeList {
				e.comma()
				e.strings(v)
			}
			e.b = append(e.b, ']')
		}
	}
	e.b = append(e.b, "}}"...)
}

func (e *jsonAppender) columnFilters(c filtermap.ColumnFilters) {
	e.b = append(e.b, '{')
	e.optString("rule", string(c.Rule))
	e.field("type", string(c.Type))
	e.key("dataFilters")
	if e.open(c.DataFilters == nil) {
		for i := range c.DataFilters {
			e.comma()
			e.columnFilter(&c.DataFilters[i])
		}
		e.b = append(e.b, ']')
	}
	e.b = append(e.b, '}')
}

func (e *jsonAppender) columnFilter(c *filtermap.ColumnFilter) {
	e.b = append(e.b, '{')
	e.field("tableName", c.TableName)
	e.field("type", string(c.Type))
	e.key("dataMasks")
	if e.open(c.DataMasks == nil) {
		for i := range c.DataMasks {
			e.comma()
			e.dataMask(&c.DataMasks[i])
		}
		e.b = append(e.b, ']')
	}
	e.b = append(e.b, '}')
}

func (e *jsonAppender) dataMask(m *filtermap.DataMask) {
	e.b = append(e.b, '{')
	e.field("field", m.Field)
	e.field("dataType", string(m.DataType))
	e.key("applyRange")
	if e.open(m.ApplyRange == nil) {
		for _, v := range m.ApplyRange {
			e.comma()
			e.str(string(v))
		}
		e.b = append(e.b, ']')
	}
	e.b = append(e.b, '}')
}

func (e *jsonAppender) tableFilters(t filtermap.TableFilters) {
	e.b = append(e.b, '{')
	e.optString("rule", string(t.Rule))
	e.key("dataFilters")
	if e.open(t.DataFilters == nil) {
		for i := range t.DataFilters {
			e.comma()
			e.tableFilter(&t.DataFilters[i])
		}
		e.b = append(e.b, ']')
	}
	e.b = append(e.b, '}')
}

func (e *jsonAppender) tableFilter(t *filtermap.TableFilter) {
	e.b = append(e.b, '{')
	e.optString("database", t.Database)
	e.field("produced", string(t.Produced))
	e.field("selectType", string(t.SelectType))
	e.key("select")
	e.strings(t.Select)
	e.b = append(e.b, '}')
}

func (e *jsonAppender) reportDataFilter(r *filtermap.ReportDataFilter) {
	e.b = append(e.b, '{')
	e.field("reportId", r.ReportID)
	e.key("dataModelFilters")
	if e.open(r.DataModelFilters == nil) {
		for i := range r.DataModelFilters {
			e.comma()
			e.dataModelFilter(&r.DataModelFilters[i])
		}
		e.b = append(e.b, ']')
	}
	e.b = append(e.b, '}')
}

// dataModelFilter writes what filtermap.DataModelFilter.MarshalJSON writes.
func (e *jsonAppender) dataModelFilter(f *filtermap.DataModelFilter) {
	e.b = append(e.b, `{"dataModelId":`...)
	e.b = strconv.AppendInt(e.b, f.DataModelID, 10)
	e.b = append(e.b, `,"dataConnectionId":`...)
	e.b = strconv.AppendInt(e.b, f.DataConnectionID, 10)
	e.optString("rule", string(f.Rule))
	e.field("type", string(f.Type))
	e.key("dataFilters")
	switch {
	case f.Rows != nil && f.Columns != nil:
		e.failed = true // MarshalJSON refuses it
	case f.Columns != nil:
		if e.open(f.Columns == nil) {
			for i := range f.Columns {
				e.comma()
				e.columnFilter(&f.Columns[i])
			}
			e.b = append(e.b, ']')
		}
	case f.Rows != nil:
		if e.open(f.Rows == nil) {
			for i := range f.Rows {
				e.comma()
				e.rowFilter(&f.Rows[i])
			}
			e.b = append(e.b, ']')
		}
	default:
		e.b = append(e.b, "null"...)
	}
	e.b = append(e.b, '}')
}

func (e *jsonAppender) resourcePermission(p *filtermap.ResourcePermission) {
	e.b = append(e.b, '{')
	e.optInt("projectId", p.ProjectID)
	e.field("resourceType", string(p.ResourceType))
	e.optInt("resourceId", p.ResourceID)
	if len(p.ResourceNamePaths) > 0 {
		e.key("resourceNamePaths")
		e.strings(p.ResourceNamePaths)
	}
	e.key("isFolder")
	if p.IsFolder {
		e.b = append(e.b, '1')
	} else {
		e.b = append(e.b, '0')
	}
	e.key("permissions")
	if e.open(p.Permissions == nil) {
		for _, v := range p.Permissions {
			e.comma()
			e.str(string(v))
		}
		e.b = append(e.b, ']')
	}
	e.b = append(e.b, '}')
}

// str writes s as a JSON string exactly as encoding/json does.
func (e *jsonAppender) str(s string) { e.b = jsonenc.AppendString(e.b, s) }
