package youshu

import (
	"encoding/json"
	"strings"

	"github.com/biembed/biembed-go/internal/validate"
)

// watermarkObject is Watermark without its methods, for the JSON object.
type watermarkObject Watermark

// MarshalJSON encodes w as the object {"email", "uniqueId", "nick"} or, with
// AsString, as a JSON string holding that object.
func (w Watermark) MarshalJSON() ([]byte, error) {
	b, err := json.Marshal(watermarkObject(w))
	if err != nil || !w.AsString {
		return b, err
	}
	return json.Marshal(string(b))
}

// UnmarshalJSON decodes the object form or a JSON string holding it (and then
// sets AsString). Unknown keys and any other string are errors, so a stored
// request never loses part of its watermark silently.
func (w *Watermark) UnmarshalJSON(b []byte) error {
	var asString bool
	if trimmed := strings.TrimSpace(string(b)); strings.HasPrefix(trimmed, `"`) {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		b, asString = []byte(s), true
	}
	var o watermarkObject
	if err := decodeStrict(b, &o); err != nil {
		return validate.Fieldf("watermark", `must be an object {"email", "uniqueId", "nick"} or a string holding one`)
	}
	*w = Watermark(o)
	w.AsString = asString
	return nil
}
