package tencent

// plainString returns the text of a JSON string that needs no decoding:
// quoted printable ASCII without escapes, as the service's ids, names and
// dates are. Anything else reports false and goes through the decoder,
// which handles escapes and replaces invalid UTF-8.
func plainString(b []byte) (string, bool) {
	n := len(b)
	if n < 2 || b[0] != '"' || b[n-1] != '"' {
		return "", false
	}
	for _, c := range b[1 : n-1] {
		if c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return "", false
		}
	}
	return string(b[1 : n-1]), true
}
