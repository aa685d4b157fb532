package filtermap

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/biembed/biembed-go/internal/validate"
)

// Operator is a Tencent Cloud BI GlobalParam comparison operator.
type Operator string

// The operators Tencent Cloud BI documents for GlobalParam.
const (
	OpEq  Operator = "-eq"  // equal to (=); one value
	OpNeq Operator = "-neq" // not equal to (!=); one or more values
	OpIs  Operator = "-is"  // in; one or more values
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

// Encode validates g and returns the JSON string CreateEmbedToken expects in
// its GlobalParam field. An empty g encodes to "".
func (g GlobalParams) Encode() (string, error) {
	if len(g) == 0 {
		return "", nil
	}
	if err := g.Validate(); err != nil {
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

// Validate reports the first GlobalParam that breaks a documented rule:
// ParamKey set, JoinType AND, at least one Where, each with a known operator,
// at least one value, and exactly one value for -eq. Keys and values must be
// valid UTF-8, or encoding would change them. Field paths start with
// GlobalParam, e.g. GlobalParam[0].WhereList[0].Operator.
func (g GlobalParams) Validate() error {
	for i, p := range g {
		if err := p.validate(); err != nil {
			return validate.Within(validate.Index("GlobalParam", i), err)
		}
	}
	return nil
}

// Validate reports the first field of p that breaks a documented rule.
func (p GlobalParam) validate() error {
	if strings.TrimSpace(p.ParamKey) == "" {
		return validate.Fieldf("ParamKey", "must not be empty")
	}
	if err := checkText("ParamKey", p.ParamKey); err != nil {
		return err
	}
	if !strings.EqualFold(string(p.JoinType), string(joinAnd)) {
		return validate.Fieldf("JoinType", "must be %q, the only join type the API supports; got %q", joinAnd, p.JoinType)
	}
	if len(p.WhereList) == 0 {
		return validate.Fieldf("WhereList", "must hold at least one condition")
	}
	for i, w := range p.WhereList {
		if err := w.validate(); err != nil {
			return validate.Within(validate.Index("WhereList", i), err)
		}
	}
	return nil
}

// Validate reports whether w has a documented operator and a fitting number of values.
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
