package filtermap

import (
	"strings"

	"github.com/biembed/biembed-go/internal/validate"
)

// CondOp is how a Condition compares a field with its values.
type CondOp string

// The operators a Condition can use.
const (
	CondIn     CondOp = "in"     // the field is one of the values
	CondNotIn  CondOp = "not in" // the field is none of the values
	CondEquals CondOp = "equals" // the field is the one value
)

// Condition is one row rule stated once for either vendor: "Field is (not)
// one of Values". ListFilter renders it as a Youshu list filter and
// GlobalParam as a Tencent Cloud BI global parameter. Build it with In, NotIn
// or Equals. When the Youshu column and the Tencent page parameter have
// different names, copy the Condition and change Field.
type Condition struct {
	Field  string
	Op     CondOp
	Values []string
}

// In is the condition "field is one of values".
func In(field string, values ...string) Condition {
	return Condition{Field: field, Op: CondIn, Values: values}
}

// NotIn is the condition "field is none of values".
func NotIn(field string, values ...string) Condition {
	return Condition{Field: field, Op: CondNotIn, Values: values}
}

// Equals is the condition "field is value".
func Equals(field, value string) Condition {
	return Condition{Field: field, Op: CondEquals, Values: []string{value}}
}

// ListFilter renders c as a Youshu list filter on table, whose field has
// dataType: In and Equals keep the listed values (select), NotIn drops them
// (unselect). A Condition with an unknown Op yields a filter without a select
// type, which Validate rejects.
func (c Condition) ListFilter(table Table, dataType DataType) RowFilter {
	var sel SelectType
	switch c.Op {
	case CondIn, CondEquals:
		sel = Select
	case CondNotIn:
		sel = Unselect
	}
	return NewListFilter(table, sel, Field(c.Field, dataType), c.Values...)
}

// GlobalParam renders c as a Tencent Cloud BI global parameter on the page
// parameter named c.Field: In becomes -is, Equals -eq and NotIn -neq, joined
// with AND. A Condition with an unknown Op yields an empty operator, which
// Validate rejects.
func (c Condition) GlobalParam() GlobalParam {
	var op Operator
	switch c.Op {
	case CondIn:
		op = OpIs
	case CondEquals:
		op = OpEq
	case CondNotIn:
		op = OpNeq
	}
	return GlobalParam{ParamKey: c.Field, JoinType: joinAnd, WhereList: []Where{{Operator: op, Value: c.Values}}}
}

// Validate reports the first field of c that breaks a rule: Field set, a
// known Op, at least one value, and exactly one for Equals.
func (c Condition) validate() error {
	if strings.TrimSpace(c.Field) == "" {
		return validate.Fieldf("Field", "must not be empty")
	}
	if err := checkText("Field", c.Field); err != nil {
		return err
	}
	if !validate.OneOf(c.Op, CondIn, CondNotIn, CondEquals) {
		return validate.Fieldf("Op", "must be %q, %q or %q; got %q", CondIn, CondNotIn, CondEquals, c.Op)
	}
	if len(c.Values) == 0 {
		return validate.Fieldf("Values", "must hold at least one value")
	}
	if c.Op == CondEquals && len(c.Values) != 1 {
		return validate.Fieldf("Values", "must hold exactly one value for equals; got %d", len(c.Values))
	}
	return checkValues("Values", c.Values)
}
