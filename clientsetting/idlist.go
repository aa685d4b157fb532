package clientsetting

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// String returns l as Youshu writes it: ids joined by commas, e.g. "1,2,3".
func (l IDList) String() string {
	b := make([]byte, 0, 12*len(l))
	for i, id := range l {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, id, 10)
	}
	return string(b)
}

// MarshalJSON encodes l as one JSON string of comma-separated ids ("1,2,3").
// An empty non-nil list encodes as ""; a nil list is left out by omitzero.
func (l IDList) MarshalJSON() ([]byte, error) {
	return json.Marshal(l.String())
}

// UnmarshalJSON decodes a JSON string of comma-separated decimal ids, with
// optional spaces around each id. "" yields an empty list; JSON null leaves l
// unchanged.
func (l *IDList) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("clientsetting: id list must be a string of comma-separated ids: %w", err)
	}
	ids, err := ParseIDList(s)
	if err != nil {
		return err
	}
	*l = ids
	return nil
}

// ParseIDList parses comma-separated decimal ids, with optional spaces around
// each id. A blank s yields an empty, non-nil list.
func ParseIDList(s string) (IDList, error) {
	if strings.TrimSpace(s) == "" {
		return IDList{}, nil
	}
	parts := strings.Split(s, ",")
	ids := make(IDList, len(parts))
	for i, p := range parts {
		id, err := strconv.ParseInt(strings.TrimSpace(p), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("clientsetting: id %d of %q is not a decimal id", i+1, truncate(s, 64))
		}
		ids[i] = id
	}
	return ids, nil
}

// truncate shortens s to at most n bytes for error messages.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
