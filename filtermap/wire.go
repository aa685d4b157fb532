package filtermap

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// rowFiltersObject is the new ("rule" + "dataFilters") wire form of RowFilters.
type rowFiltersObject struct {
	Rule        Rule        `json:"rule"`
	DataFilters []RowFilter `json:"dataFilters"`
}

// errLegacyRule is returned when a legacy RowFilters carries a rule the bare
// array cannot express.
var errLegacyRule = errors.New(`filtermap: the legacy filterMap form means "and"; set Rule to "and" or "" or clear Legacy`)

// MarshalJSON encodes r as a bare array of filters when r.Legacy is set and
// as {"rule": ..., "dataFilters": [...]} otherwise. A legacy value whose Rule
// is neither "and" nor empty is refused: the bare array always means "and",
// so encoding it would silently change the permission.
func (r RowFilters) MarshalJSON() ([]byte, error) {
	if r.Legacy {
		if r.Rule != "" && r.Rule != RuleAnd {
			return nil, errLegacyRule
		}
		return json.Marshal(r.DataFilters)
	}
	return json.Marshal(rowFiltersObject{Rule: r.Rule, DataFilters: r.DataFilters})
}

// UnmarshalJSON decodes either wire form. A bare array sets Legacy and Rule
// "and"; an object clears Legacy. JSON null leaves r unchanged.
func (r *RowFilters) UnmarshalJSON(b []byte) error {
	switch firstByte(b) {
	case 'n':
		return nil
	case '[':
		var filters []RowFilter
		if err := json.Unmarshal(b, &filters); err != nil {
			return err
		}
		*r = RowFilters{Rule: RuleAnd, DataFilters: filters, Legacy: true}
		return nil
	}
	var obj rowFiltersObject
	if err := json.Unmarshal(b, &obj); err != nil {
		return err
	}
	*r = RowFilters{Rule: obj.Rule, DataFilters: obj.DataFilters}
	return nil
}

// dataModelFilterWire is the wire form of DataModelFilter: Rows or Columns
// travel as dataFilters.
type dataModelFilterWire struct {
	DataModelID      int64          `json:"dataModelId"`
	DataConnectionID int64          `json:"dataConnectionId"`
	Rule             Rule           `json:"rule,omitempty"`
	Type             PermissionType `json:"type"`
	DataFilters      any            `json:"dataFilters"`
}

// errRowsAndColumns is returned when a DataModelFilter holds both kinds of filter.
var errRowsAndColumns = errors.New("filtermap: a dataModelFilter holds Rows or Columns, not both")

// MarshalJSON encodes f with whichever of Rows or Columns is set as
// dataFilters (null when neither is). It refuses a value with both set.
func (f DataModelFilter) MarshalJSON() ([]byte, error) {
	w := dataModelFilterWire{DataModelID: f.DataModelID, DataConnectionID: f.DataConnectionID, Rule: f.Rule, Type: f.Type}
	switch {
	case f.Rows != nil && f.Columns != nil:
		return nil, errRowsAndColumns
	case f.Columns != nil:
		w.DataFilters = f.Columns
	case f.Rows != nil:
		w.DataFilters = f.Rows
	}
	return json.Marshal(w)
}

// UnmarshalJSON decodes f, sorting dataFilters into Rows or Columns by shape:
// an element with a "dataMasks" key is a column filter, any other a row
// filter. An empty list becomes an empty Columns for type column and an empty
// Rows otherwise. A list that mixes both shapes is an error. The Type field is
// kept as sent even when it does not match the filters; Validate reports that.
func (f *DataModelFilter) UnmarshalJSON(b []byte) error {
	if firstByte(b) == 'n' {
		return nil
	}
	var w struct {
		dataModelFilterWire
		DataFilters []json.RawMessage `json:"dataFilters"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	out := DataModelFilter{DataModelID: w.DataModelID, DataConnectionID: w.DataConnectionID, Rule: w.Rule, Type: w.Type}
	rows, columns, err := splitDataFilters(w.DataFilters)
	if err != nil {
		return err
	}
	switch {
	case w.DataFilters == nil:
	case columns > 0 || (rows == 0 && w.Type == ColumnPermission):
		out.Columns = make([]ColumnFilter, 0, columns)
		err = decodeEach(w.DataFilters, &out.Columns)
	default:
		out.Rows = make([]RowFilter, 0, rows)
		err = decodeEach(w.DataFilters, &out.Rows)
	}
	if err != nil {
		return err
	}
	*f = out
	return nil
}

// splitDataFilters counts the row and column filters in raw and fails when
// both kinds occur.
func splitDataFilters(raw []json.RawMessage) (rows, columns int, err error) {
	for i, r := range raw {
		var probe struct {
			DataMasks json.RawMessage `json:"dataMasks"`
		}
		if err := json.Unmarshal(r, &probe); err != nil {
			return 0, 0, fmt.Errorf("filtermap: dataFilters[%d]: %w", i, err)
		}
		if probe.DataMasks != nil {
			columns++
		} else {
			rows++
		}
	}
	if rows > 0 && columns > 0 {
		return 0, 0, errors.New("filtermap: dataFilters mixes row filters and column filters (dataMasks)")
	}
	return rows, columns, nil
}

// decodeEach appends each element of raw, decoded, to *dst.
func decodeEach[T any](raw []json.RawMessage, dst *[]T) error {
	for _, r := range raw {
		var v T
		if err := json.Unmarshal(r, &v); err != nil {
			return err
		}
		*dst = append(*dst, v)
	}
	return nil
}

// MarshalJSON encodes f as 1 or 0.
func (f Flag) MarshalJSON() ([]byte, error) {
	if f {
		return []byte("1"), nil
	}
	return []byte("0"), nil
}

// UnmarshalJSON accepts 0, 1, true and false. JSON null leaves f unchanged.
func (f *Flag) UnmarshalJSON(b []byte) error {
	switch string(bytes.TrimSpace(b)) {
	case "1", "true":
		*f = true
	case "0", "false":
		*f = false
	case "null":
	default:
		return fmt.Errorf("filtermap: flag must be 0, 1, true or false; got %.20q", b)
	}
	return nil
}

// firstByte returns the first non-space byte of b, or 0.
func firstByte(b []byte) byte {
	b = bytes.TrimLeft(b, " \t\r\n")
	if len(b) == 0 {
		return 0
	}
	return b[0]
}
