package filtermap

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// rowFiltersObject is RowFilters without its methods: the object form.
type rowFiltersObject RowFilters

// MarshalJSON encodes r in its form (see RowFilters). A legacy value whose
// Rule is neither "and" nor empty is refused: the bare array means "and".
func (r RowFilters) MarshalJSON() ([]byte, error) {
	if !r.Legacy {
		return json.Marshal(rowFiltersObject(r))
	}
	if r.Rule != "" && r.Rule != RuleAnd {
		return nil, errors.New(`filtermap: the legacy filterMap form means "and"; set Rule to "and" or "" or clear Legacy`)
	}
	return json.Marshal(r.DataFilters)
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
	*r = RowFilters(obj)
	return nil
}

// dataModelFilterFields is DataModelFilter without its methods; its wire
// forms add Rows or Columns as dataFilters.
type dataModelFilterFields DataModelFilter

// MarshalJSON encodes f with whichever of Rows or Columns is set as
// dataFilters (null when neither is). It refuses a value with both set.
func (f DataModelFilter) MarshalJSON() ([]byte, error) {
	w := struct {
		dataModelFilterFields
		DataFilters any `json:"dataFilters"`
	}{dataModelFilterFields: dataModelFilterFields(f)}
	switch {
	case f.Rows != nil && f.Columns != nil:
		return nil, errors.New("filtermap: a dataModelFilter holds Rows or Columns, not both")
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
		dataModelFilterFields
		DataFilters []json.RawMessage `json:"dataFilters"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	columns := 0
	for i, raw := range w.DataFilters {
		var probe struct {
			DataMasks json.RawMessage `json:"dataMasks"`
		}
		if err := json.Unmarshal(raw, &probe); err != nil {
			return fmt.Errorf("filtermap: dataFilters[%d]: %w", i, err)
		}
		if probe.DataMasks != nil {
			columns++
		}
	}
	out := DataModelFilter(w.dataModelFilterFields)
	var err error
	switch {
	case w.DataFilters == nil:
	case columns > 0 && columns < len(w.DataFilters):
		return errors.New("filtermap: dataFilters mixes row filters and column filters (dataMasks)")
	case columns > 0 || (len(w.DataFilters) == 0 && w.Type == colPermission):
		out.Columns, err = decodeEach[ColumnFilter](w.DataFilters)
	default:
		out.Rows, err = decodeEach[RowFilter](w.DataFilters)
	}
	if err != nil {
		return err
	}
	*f = out
	return nil
}

// decodeEach decodes each element of raw into a non-nil slice.
func decodeEach[T any](raw []json.RawMessage) ([]T, error) {
	out := make([]T, len(raw))
	for i, r := range raw {
		if err := json.Unmarshal(r, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
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
	if b = bytes.TrimLeft(b, " \t\r\n"); len(b) > 0 {
		return b[0]
	}
	return 0
}
