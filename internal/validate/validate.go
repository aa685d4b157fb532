// Package validate holds the one error type every biembed-go package returns
// for bad input, so callers can catch it the same way whichever package
// produced it. Packages re-export it as ValidationError.
package validate

import (
	"errors"
	"fmt"
	"strconv"
)

// ErrInvalid is matched by errors.Is for every *Error.
var ErrInvalid = errors.New("invalid input")

// Error reports one field that breaks one rule. Field is a path such as
// `filterMap["700006204"].dataFilters[1].tableExprId`; Rule says what the field
// must be. Neither ever holds the value of a secret field.
type Error struct {
	Field string
	Rule  string
}

// Error returns "invalid <field>: <rule>".
func (e *Error) Error() string { return "invalid " + e.Field + ": " + e.Rule }

// Is reports whether target is ErrInvalid.
func (e *Error) Is(target error) bool { return target == ErrInvalid }

// Fieldf returns an *Error for field, with the rule formatted from format and args.
func Fieldf(field, format string, args ...any) *Error {
	return &Error{Field: field, Rule: fmt.Sprintf(format, args...)}
}

// Within prefixes the field path of err with parent when err is an *Error, so
// a nested Validate can report its own field names and the caller adds where
// the nested value sits. Other errors are returned as they are; nil stays nil.
func Within(parent string, err error) error {
	if err == nil {
		return nil // before errors.As, whose target would cost an allocation
	}
	var ve *Error
	if !errors.As(err, &ve) {
		return err
	}
	field := parent
	if ve.Field != "" {
		if ve.Field[0] == '[' {
			field += ve.Field
		} else {
			field += "." + ve.Field
		}
	}
	return &Error{Field: field, Rule: ve.Rule}
}

// Index returns name[i], the path of the i-th element of a list field.
func Index(name string, i int) string { return name + "[" + strconv.Itoa(i) + "]" }

// Key returns name["key"], the path of one entry of a map field.
func Key(name, key string) string { return name + "[" + strconv.Quote(key) + "]" }

// OneOf reports whether v is one of allowed.
func OneOf[T comparable](v T, allowed ...T) bool {
	for _, a := range allowed {
		if v == a {
			return true
		}
	}
	return false
}
