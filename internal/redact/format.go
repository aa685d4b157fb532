package redact

import (
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"
	"unsafe"
)

var (
	secretType     = reflect.TypeFor[Secret]()
	logValuerType  = reflect.TypeFor[slog.LogValuer]()
	formatterType  = reflect.TypeFor[fmt.Formatter]()
	stringerType   = reflect.TypeFor[fmt.Stringer]()
	goStringerType = reflect.TypeFor[fmt.GoStringer]()
	errorType      = reflect.TypeFor[error]()
	timeType       = reflect.TypeFor[time.Time]()
)

// Format writes v for any verb the way fmt prints %v, %+v or %#v (by the
// verb's flags), with every Secret in v masked: in exported and unexported
// fields, through pointers given at the top, maps, slices and interfaces.
// Unexported fields are printed raw, as fmt does, never through their
// methods; exported ones go through their Format, String or GoString.
// A type that holds a Secret implements fmt.Formatter with it:
//
//	func (t T) Format(f fmt.State, verb rune) { redact.Format(f, verb, t) }
//
// Pass a pointer for a type with a mutex. Format reads fields without
// locking: a type whose fields change after construction writes its own
// Format. The verb itself is not applied to fields: %x or %d of a struct
// print its %v form rather than encoding every field.
func Format(f fmt.State, verb rune, v any) {
	p := &printer{plus: f.Flag('+'), sharp: verb == 'v' && f.Flag('#')}
	rv := reflect.ValueOf(v)
	switch {
	case !rv.IsValid():
		p.WriteString("<nil>")
	case rv.Kind() == reflect.Pointer && rv.IsNil():
		p.WriteString("<nil>")
	case rv.Kind() == reflect.Pointer:
		p.WriteByte('&')
		p.value(rv.Elem(), 0)
	default:
		c := reflect.New(rv.Type()).Elem() // addressable, so unexported fields can be read
		c.Set(rv)
		p.value(c, 0)
	}
	io.WriteString(f, p.String())
}

// Sprint returns what Format writes for %+v.
func Sprint(v any) string { return fmt.Sprintf("%+v", formatted{v}) }

type formatted struct{ v any }

func (x formatted) Format(f fmt.State, verb rune) { Format(f, verb, x.v) }

type printer struct {
	strings.Builder
	plus, sharp bool
}

func (p *printer) directive() string {
	switch {
	case p.sharp:
		return "%#v"
	case p.plus:
		return "%+v"
	}
	return "%v"
}

// value prints v; depth 0 is the value Format was given.
func (p *printer) value(v reflect.Value, depth int) {
	if !v.IsValid() {
		p.WriteString("<nil>")
		return
	}
	if v.Type() == secretType {
		p.WriteString(p.secret(Secret(v.String())))
		return
	}
	if depth > 0 && p.methods(v) {
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		p.structValue(v, depth)
	case reflect.Pointer:
		p.pointer(v)
	case reflect.Interface:
		if v.IsNil() {
			p.nilValue(v)
			return
		}
		p.value(v.Elem(), depth+1)
	case reflect.Map:
		p.mapValue(v, depth)
	case reflect.Slice, reflect.Array:
		p.list(v, depth)
	case reflect.String:
		if p.sharp {
			p.WriteString(strconv.Quote(v.String()))
		} else {
			p.WriteString(v.String())
		}
	case reflect.Chan, reflect.Func, reflect.UnsafePointer:
		p.pointer(v)
	default:
		fmt.Fprintf(p, p.directive(), basic(v))
	}
}

func (p *printer) secret(s Secret) string {
	if p.sharp {
		return s.GoString()
	}
	return s.String()
}

// methods prints an exported value through its Format, GoString, Error or
// String, as fmt would, and reports whether it did.
func (p *printer) methods(v reflect.Value) bool {
	if !v.CanInterface() {
		return false
	}
	t := v.Type()
	if t.Implements(formatterType) || (p.sharp && t.Implements(goStringerType)) ||
		(!p.sharp && (t.Implements(errorType) || t.Implements(stringerType))) {
		fmt.Fprintf(p, p.directive(), v.Interface())
		return true
	}
	return false
}

func (p *printer) structValue(v reflect.Value, depth int) {
	if p.sharp {
		p.WriteString(v.Type().String())
	}
	p.WriteByte('{')
	for i := range v.NumField() {
		if i > 0 {
			p.WriteString(p.sep())
		}
		if p.plus || p.sharp {
			p.WriteString(v.Type().Field(i).Name + ":")
		}
		p.value(v.Field(i), depth+1)
	}
	p.WriteByte('}')
}

func (p *printer) sep() string {
	if p.sharp {
		return ", "
	}
	return " "
}

// pointer prints a nested pointer as fmt does: its address, never its target.
func (p *printer) pointer(v reflect.Value) {
	if v.IsNil() {
		p.nilValue(v)
		return
	}
	addr := "0x" + strconv.FormatUint(uint64(v.Pointer()), 16)
	if p.sharp {
		addr = "(" + v.Type().String() + ")(" + addr + ")"
	}
	p.WriteString(addr)
}

func (p *printer) nilValue(v reflect.Value) {
	if p.sharp && v.Kind() != reflect.Interface {
		p.WriteString("(" + v.Type().String() + ")(nil)")
		return
	}
	p.WriteString("<nil>")
}

func (p *printer) mapValue(v reflect.Value, depth int) {
	if p.sharp && v.IsNil() {
		p.nilValue(v)
		return
	}
	type entry struct {
		key string
		val reflect.Value
	}
	entries := make([]entry, 0, v.Len())
	for it := v.MapRange(); it.Next(); {
		k := &printer{plus: p.plus, sharp: p.sharp}
		k.value(it.Key(), depth+1)
		entries = append(entries, entry{k.String(), it.Value()})
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].key < entries[j].key })
	if p.sharp {
		p.WriteString(v.Type().String() + "{")
	} else {
		p.WriteString("map[")
	}
	for i, e := range entries {
		if i > 0 {
			p.WriteString(p.sep())
		}
		p.WriteString(e.key + ":")
		p.value(e.val, depth+1)
	}
	if p.sharp {
		p.WriteByte('}')
	} else {
		p.WriteByte(']')
	}
}

func (p *printer) list(v reflect.Value, depth int) {
	if p.sharp {
		if v.Kind() == reflect.Slice && v.IsNil() {
			p.nilValue(v)
			return
		}
		p.WriteString(v.Type().String() + "{")
	} else {
		p.WriteByte('[')
	}
	for i := range v.Len() {
		if i > 0 {
			p.WriteString(p.sep())
		}
		p.value(v.Index(i), depth+1)
	}
	if p.sharp {
		p.WriteByte('}')
	} else {
		p.WriteByte(']')
	}
}

// basic returns a bool or number as a plain Go value, also when v was read
// from an unexported field.
func basic(v reflect.Value) any {
	switch v.Kind() {
	case reflect.Bool:
		return v.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return v.Uint()
	case reflect.Float32, reflect.Float64:
		return v.Float()
	case reflect.Complex64, reflect.Complex128:
		return v.Complex()
	}
	return "?" + v.Type().String()
}

// LogValue returns v (a struct, or a pointer to one) as a slog group of its
// exported fields that are not zero, with every Secret masked: a field that implements
// slog.LogValuer logs through it, a nested struct that holds a Secret
// becomes a group, a map or slice that holds one its masked %+v text, and
// every other field its own value. Unexported fields are left out. A type
// that holds a Secret implements slog.LogValuer with it:
//
//	func (t T) LogValue() slog.Value { return redact.LogValue(t) }
func LogValue(v any) slog.Value {
	return logValue(reflect.ValueOf(v), 0)
}

func logValue(v reflect.Value, depth int) slog.Value {
	for v.IsValid() && (v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface) {
		if v.IsNil() {
			return slog.AnyValue(nil)
		}
		v = v.Elem()
	}
	switch {
	case !v.IsValid():
		return slog.AnyValue(nil)
	case v.Type() == secretType:
		return slog.StringValue(Secret(v.String()).String())
	case depth > 0 && v.CanInterface() && v.Type().Implements(logValuerType):
		return slog.AnyValue(v.Interface())
	case v.Kind() == reflect.Struct && v.Type() != timeType && (depth == 0 || holdsSecret(v.Type())):
		return group(v, depth)
	case holdsSecret(v.Type()):
		return slog.StringValue(Sprint(valueOf(v)))
	case v.CanInterface():
		return slog.AnyValue(v.Interface())
	}
	return slog.StringValue(Sprint(valueOf(v)))
}

func group(v reflect.Value, depth int) slog.Value {
	attrs := make([]slog.Attr, 0, v.NumField())
	for i := range v.NumField() {
		f := v.Type().Field(i)
		if !f.IsExported() || v.Field(i).IsZero() {
			continue
		}
		attrs = append(attrs, slog.Attr{Key: f.Name, Value: logValue(v.Field(i), depth+1)})
	}
	return slog.GroupValue(attrs...)
}

// valueOf returns v as an interface value, also when it was read from an
// unexported field (only addressable ones are reached here).
func valueOf(v reflect.Value) any {
	if v.CanInterface() {
		return v.Interface()
	}
	if v.CanAddr() {
		return reflect.NewAt(v.Type(), unsafe.Pointer(v.UnsafeAddr())).Elem().Interface()
	}
	return "<unexported " + v.Type().String() + ">"
}

// holdsSecret reports whether a value of t can contain a Secret.
func holdsSecret(t reflect.Type) bool {
	return holds(t, map[reflect.Type]bool{})
}

func holds(t reflect.Type, seen map[reflect.Type]bool) bool {
	if t == secretType {
		return true
	}
	if seen[t] {
		return false
	}
	seen[t] = true
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Array:
		return holds(t.Elem(), seen)
	case reflect.Map:
		return holds(t.Key(), seen) || holds(t.Elem(), seen)
	case reflect.Struct:
		for i := range t.NumField() {
			if holds(t.Field(i).Type, seen) {
				return true
			}
		}
	}
	return false
}

// FormatString writes v's own safe description for every verb: GoString for
// %#v (String when v has none), String quoted for %q, String otherwise. It
// is for types whose String already hides their secrets, such as a client
// that prints its host and the kind of its credential:
//
//	func (c *Client) Format(f fmt.State, verb rune) { redact.FormatString(f, verb, c) }
func FormatString(f fmt.State, verb rune, v fmt.Stringer) {
	switch {
	case verb == 'v' && f.Flag('#'):
		if g, ok := v.(fmt.GoStringer); ok {
			io.WriteString(f, g.GoString())
			return
		}
		io.WriteString(f, strconv.Quote(v.String()))
	case verb == 'q':
		io.WriteString(f, strconv.Quote(v.String()))
	default:
		io.WriteString(f, v.String())
	}
}
