package tokencache

import "crypto/sha256"

// digest is the SHA-256 a key of RequestKey's form spells in hex.
type digest [sha256.Size]byte

// digestOf decodes s if it has RequestKey's form, "sha256:" followed by 64
// lower-case hex digits (what KeyOf and KeyOfJSON return), without
// allocating. Upper-case digits are refused, so the decoding is one-to-one:
// two strings that decode are equal exactly when their digests are.
func digestOf(s string) (d digest, ok bool) {
	if len(s) != len(keyPrefix)+2*len(d) || s[:len(keyPrefix)] != keyPrefix {
		return d, false
	}
	hex := s[len(keyPrefix):]
	var bad byte
	for i := range d {
		hi, lo := hexValue[hex[2*i]], hexValue[hex[2*i+1]]
		bad |= hi | lo
		d[i] = hi<<4 | lo&0x0f
	}
	return d, bad&0xf0 == 0
}

// hexValue maps a lower-case hex digit to its value and every other byte
// to 0xff.
var hexValue = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for i, c := range "0123456789abcdef" {
		t[c] = byte(i)
	}
	return t
}()
