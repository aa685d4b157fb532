package filtermap

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/biembed/biembed-go/internal/validate"
)

// Operator is a Tencent Cloud BI GlobalParam comparison operator, and the
// comparison of a Condition.
type Operator string

// The operators Tencent Cloud BI documents for GlobalParam.
const (
	OpEq  Operator = "-eq"  // equal to (=); one value
	OpNeq Operator = "-neq" // not equal to (!=): none of one or more values
	OpIs  Operator = "-is"  // in: one of one or more values
)

// joinAnd is the only join type Tencent Cloud BI supports ("and" is accepted too).
const joinAnd = "AND"

// Where is one condition of a GlobalParam: Operator applied to Value.
type Where struct {
	Operator Operator `json:"Operator"`
	Value    []string `json:"Value"`
}

// GlobalParam is one Tencent Cloud BI global filter: it binds a character-type
// page parameter (ParamKey) to the conditions in WhereList.
type GlobalParam struct {
	ParamKey  string  `json:"ParamKey"`
	JoinType  string  `json:"JoinType"` // "AND", the only join type the API supports
	WhereList []Where `json:"WhereList"`
}

// GlobalParams is the GlobalParam field of CreateEmbedToken. The API takes it
// as a JSON string; Encode produces that string and ParseGlobalParams reads it.
type GlobalParams []GlobalParam

// Encode returns the JSON string CreateEmbedToken expects in its GlobalParam
// field; an empty g encodes to "". It first reports the first GlobalParam
// that breaks a documented rule: ParamKey set, JoinType AND, at least one
// Where, each with a known operator, at least one value, and exactly one
// value for -eq. Keys and values must be valid UTF-8, or encoding would
// change them. Field paths start with GlobalParam, e.g.
// GlobalParam[0].WhereList[0].Operator.
func (g GlobalParams) Encode() (string, error) {
	if len(g) == 0 {
		return "", nil
	}
	if err := validateEach("GlobalParam", g); err != nil {
		return "", err
	}
	b, err := json.Marshal([]GlobalParam(g))
	if err != nil {
		return "", fmt.Errorf("filtermap: encode GlobalParam: %w", err)
	}
	return string(b), nil
}

// ParseGlobalParams decodes the JSON string form of GlobalParam, as the API
// echoes it back. An empty string yields nil.
func ParseGlobalParams(s string) (GlobalParams, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var g GlobalParams
	if err := json.Unmarshal([]byte(s), &g); err != nil {
		return nil, fmt.Errorf("filtermap: parse GlobalParam: %w", err)
	}
	return g, nil
}

func (p GlobalParam) validate() error {
	if err := checkName("ParamKey", p.ParamKey); err != nil {
		return err
	}
	if !strings.EqualFold(p.JoinType, joinAnd) {
		return validate.Fieldf("JoinType", "must be %q, the only join type the API supports; got %q", joinAnd, p.JoinType)
	}
	if len(p.WhereList) == 0 {
		return validate.Fieldf("WhereList", "must hold at least one condition")
	}
	return validateEach("WhereList", p.WhereList)
}

func (w Where) validate() error {
	if !validate.OneOf(w.Operator, OpEq, OpNeq, OpIs) {
		return validate.Fieldf("Operator", "must be one of -eq, -neq, -is; got %q", w.Operator)
	}
	if len(w.Value) == 0 {
		return validate.Fieldf("Value", "must hold at least one value")
	}
	if w.Operator == OpEq && len(w.Value) != 1 {
		return validate.Fieldf("Value", "must hold exactly one value for -eq; got %d (use -is for several)", len(w.Value))
	}
	return checkValues("Value", w.Value)
}

// Condition is one row rule stated once for either vendor: Field is one of
// Values (OpIs), none of them (OpNeq), or the one value (OpEq). When the
// Youshu column and the Tencent page parameter differ, copy it and change
// Field.
type Condition struct {
	Field  string
	Op     Operator
	Values []string
}

// In is the condition "field is one of values".
func In(field string, values ...string) Condition { return Condition{field, OpIs, values} }

// NotIn is the condition "field is none of values".
func NotIn(field string, values ...string) Condition { return Condition{field, OpNeq, values} }

// Equals is the condition "field is value".
func Equals(field, value string) Condition { return Condition{field, OpEq, []string{value}} }

// ListFilter renders c as a Youshu list filter on table, whose field has
// dataType: OpIs and OpEq select, OpNeq unselects; any other Op yields a
// filter without a select type, which Validate rejects.
func (c Condition) ListFilter(table Table, dataType DataType) RowFilter {
	sel := map[Operator]SelectType{OpIs: Select, OpEq: Select, OpNeq: Unselect}[c.Op]
	return NewListFilter(table, sel, Dim{Field: c.Field, DataType: dataType}, c.Values...)
}

// GlobalParam renders c as a Tencent Cloud BI global parameter on the page
// parameter named c.Field, joined with AND.
func (c Condition) GlobalParam() GlobalParam {
	return GlobalParam{ParamKey: c.Field, JoinType: joinAnd, WhereList: []Where{{Operator: c.Op, Value: c.Values}}}
}
