// Package leaktest holds only tests: they check that values of every
// exported type of the module never print a secret. Check plants sentinel
// values in every field of a type that can hold a secret (every
// biembed.Secret, and every plain string or []byte field whose name says it
// holds one), then prints the value with every fmt verb, through slog's
// JSON and text handlers and, for errors, Error, and reports each output
// that contains a sentinel. It also reports plain string fields whose name
// says they hold a secret (those must be biembed.Secret). A Secret needs no
// help from the types that hold it: it hides its value even from printers
// that ignore methods, so no type needs a Format method for its sake.
//
// registry_test.go lists every exported type of the module; a test parses
// the source and fails, naming the line to add, when a type is missing, so
// a new exported type cannot go unchecked.
package leaktest

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"log/slog"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/biembed/biembed-go/biembed"
)

// Sentinel starts every planted value; a masked Secret shows none of it.
const Sentinel = "LEAKSENTINEL"

// modulePath is where the types we plant into live; types of other modules
// (sync.Mutex, *resty.Client) are left alone.
const modulePath = "github.com/biembed/biembed-go"

// maxDepth bounds how deep planting follows pointers and nested structs.
const maxDepth = 5

// Verbs are the fmt directives every value is printed with, as a value and
// as a pointer. %p and %T are left out: %T prints only the type, and %p of a
// non-pointer dumps the value raw whatever its methods do (go vet reports
// such a call).
var Verbs = []string{
	"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%t", "%o", "%O", "%b",
	"%c", "%U", "%e", "%E", "%f", "%F", "%g", "%G", "%10.3v", "%-8s", "% x", "%#x",
}

// secretName matches field names that say the field holds a secret.
var secretName = regexp.MustCompile(`(?i)(secret|passw(or)?d|passwd|token|apikey|accesskey|signingkey|integrate)`)

// nonSecretName matches names secretName catches that hold no secret
// (kinds, counts and types of tokens).
var nonSecretName = regexp.MustCompile(`(?i)(type|num|count|kind|expiry|ttl|url|uri|path|endpoint|id|ids|name)$`)

// fakeFields are plain string fields of the test fakes that hold test
// credentials on purpose: a fake's account is made of values a test chose,
// and the test compares them. Nothing else may hold a secret in a string.
var fakeFields = map[string]bool{
	"youshutest.Account.Password":       true,
	"youshutest.Account.TokenKey":       true,
	"youshutest.Account.IntegrateToken": true,
}

// Type is one type to check, with the name to report it under.
type Type struct {
	Name string
	Type reflect.Type

	value reflect.Value // a sample value to check instead of a planted one
}

// Finding is one way a type leaks, or one field that should be a Secret.
type Finding struct {
	Type   string // the type's name
	Where  string // the output or field, e.g. `fmt "%d" of *T` or `field T.Key`
	Detail string // what was wrong, with the sentinel replaced
}

// String describes the finding on one line.
func (f Finding) String() string { return f.Type + ": " + f.Where + ": " + f.Detail }

var (
	secretType  = reflect.TypeFor[biembed.Secret]()
	stringType  = reflect.TypeFor[string]()
	bytesType   = reflect.TypeFor[[]byte]()
	stringsType = reflect.TypeFor[[]string]()
)

// Check plants sentinels in a new value of each type and reports every leak.
func Check(types []Type) []Finding {
	var out []Finding
	for _, t := range types {
		out = append(out, checkType(t)...)
	}
	return out
}

func checkType(t Type) (out []Finding) {
	defer func() {
		if r := recover(); r != nil {
			out = append(out, Finding{t.Name, "check", fmt.Sprintf("panicked: %v", r)})
		}
	}()
	for _, field := range plainSecretFields(t.Type) {
		if t.value.IsValid() {
			break // a sample: its type is checked on its own
		}
		out = append(out, Finding{t.Name, "field " + field, "holds a secret in a plain string; make it biembed.Secret"})
	}
	p := reflect.New(t.Type)
	if t.value.IsValid() {
		p.Elem().Set(t.value)
	} else if !plant(p.Elem(), t.Type.Name(), 0) {
		return out // nothing that can hold a secret
	}
	var where []string
	sample := ""
	for _, form := range forms(p) {
		if leaked(form.text) {
			where = append(where, form.where)
			if sample == "" {
				sample = hide(form.text)
			}
		}
	}
	if len(where) > 0 {
		out = append(out, Finding{t.Name, strings.Join(where, ", "), "printed a secret, e.g. " + sample})
	}
	return out
}

// plainSecretFields lists the fields (at any depth, through module types)
// whose name says they hold a secret but whose type is string or []byte.
func plainSecretFields(t reflect.Type) []string {
	var out []string
	seen := map[reflect.Type]bool{}
	var walk func(t reflect.Type, path string, depth int)
	walk = func(t reflect.Type, path string, depth int) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || seen[t] || depth > maxDepth || !ours(t) {
			return
		}
		seen[t] = true
		for i := range t.NumField() {
			f := t.Field(i)
			if isSecretName(t, f.Name) && (f.Type == stringType || f.Type == bytesType || f.Type == stringsType) {
				out = append(out, path+"."+f.Name)
			}
			walk(f.Type, path+"."+f.Name, depth+1)
		}
	}
	walk(t, t.String(), 0)
	return out
}

// isSecretName reports whether field name of owner says it holds a secret.
// A token type's Value is the token.
func isSecretName(owner reflect.Type, name string) bool {
	if fakeFields[owner.String()+"."+name] {
		return false
	}
	if name == "Value" && secretName.MatchString(owner.Name()) && !nonSecretName.MatchString(owner.Name()) {
		return true
	}
	return secretName.MatchString(name) && !nonSecretName.MatchString(name)
}

func ours(t reflect.Type) bool {
	return t.PkgPath() == modulePath || strings.HasPrefix(t.PkgPath(), modulePath+"/")
}

var planted atomic.Int64

// plant fills every field of v that can hold a secret with a sentinel,
// following pointers and nested structs of this module, and reports whether
// it planted anything. v must be addressable.
func plant(v reflect.Value, owner string, depth int) bool {
	if depth > maxDepth {
		return false
	}
	did := false
	switch v.Kind() {
	case reflect.Struct:
		if !ours(v.Type()) {
			return false
		}
		for i := range v.NumField() {
			f := writable(v.Field(i))
			name := v.Type().Field(i).Name
			switch {
			case f.Type() == secretType:
				f.Set(reflect.ValueOf(biembed.NewSecret(sentinel())))
				did = true
			case f.Type() == stringType && (isSecretName(v.Type(), name)):
				f.SetString(sentinel())
				did = true
			case f.Type() == bytesType && isSecretName(v.Type(), name):
				f.SetBytes([]byte(sentinel()))
				did = true
			default:
				did = plant(f, name, depth+1) || did
			}
		}
	case reflect.Pointer:
		if v.Type().Elem().Kind() != reflect.Struct || !ours(v.Type().Elem()) {
			return false
		}
		p := reflect.New(v.Type().Elem())
		if plant(p.Elem(), owner, depth+1) {
			v.Set(p)
			did = true
		}
	case reflect.Slice:
		if v.Type().Elem() == secretType || (v.Type().Elem().Kind() == reflect.Struct && ours(v.Type().Elem())) {
			s := reflect.MakeSlice(v.Type(), 1, 1)
			if v.Type().Elem() == secretType {
				s.Index(0).Set(reflect.ValueOf(biembed.NewSecret(sentinel())))
				did = true
			} else {
				did = plant(s.Index(0), owner, depth+1)
			}
			if did {
				v.Set(s)
			}
		}
	case reflect.Map:
		if v.Type().Elem() == secretType && v.Type().Key().Kind() == reflect.String {
			m := reflect.MakeMap(v.Type())
			m.SetMapIndex(reflect.ValueOf("k").Convert(v.Type().Key()), reflect.ValueOf(biembed.NewSecret(sentinel())))
			v.Set(m)
			did = true
		}
	}
	return did
}

// writable returns f, made settable even when it is unexported.
func writable(f reflect.Value) reflect.Value {
	if f.CanSet() {
		return f
	}
	return reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem()
}

func sentinel() string {
	return Sentinel + "-" + strconv.FormatInt(planted.Add(1), 10) + "-9f8e7d6c5b4a"
}

type form struct{ where, text string }

// forms prints p (a *T) and *p every way a secret could escape. A type that
// holds a lock is printed only through its pointer: go vet rejects copying
// it, so no program prints it by value.
func forms(p reflect.Value) []form {
	type named struct {
		name string
		v    any
	}
	values := []named{{"*" + p.Elem().Type().String(), p.Interface()}}
	if !holdsLock(p.Elem().Type(), map[reflect.Type]bool{}) {
		values = append(values, named{p.Elem().Type().String(), p.Elem().Interface()})
	}
	var out []form
	for _, v := range values {
		for _, verb := range Verbs {
			out = append(out, form{"fmt " + strconv.Quote(verb) + " of " + v.name, safeSprintf(verb, v.v)})
		}
		out = append(out, form{"fmt Sprint of " + v.name, safeSprintf("", v.v)})
		for _, h := range []string{"JSON", "text"} {
			out = append(out, form{"slog " + h + " handler of " + v.name, logged(h, v.v)})
		}
		if e, ok := v.v.(error); ok {
			out = append(out, form{"Error() of " + v.name, safeError(e)})
		}
	}
	return out
}

var lockerType = reflect.TypeFor[sync.Locker]()

// holdsLock reports whether a value of t contains a lock by value (what
// go vet's copylocks check looks for).
func holdsLock(t reflect.Type, seen map[reflect.Type]bool) bool {
	if seen[t] {
		return false
	}
	seen[t] = true
	switch t.Kind() {
	case reflect.Struct:
		if reflect.PointerTo(t).Implements(lockerType) {
			return true
		}
		for i := range t.NumField() {
			if holdsLock(t.Field(i).Type, seen) {
				return true
			}
		}
	case reflect.Array:
		return holdsLock(t.Elem(), seen)
	}
	return false
}

func safeSprintf(verb string, v any) (s string) {
	defer func() {
		if r := recover(); r != nil {
			s = fmt.Sprintf("panic: %v", r)
		}
	}()
	if verb == "" {
		return fmt.Sprint(v)
	}
	return fmt.Sprintf(verb, v)
}

func safeError(e error) (s string) {
	defer func() {
		if r := recover(); r != nil {
			s = fmt.Sprintf("panic: %v", r)
		}
	}()
	return e.Error()
}

func logged(handler string, v any) string {
	var buf bytes.Buffer
	opts := &slog.HandlerOptions{Level: slog.LevelDebug}
	var h slog.Handler = slog.NewJSONHandler(&buf, opts)
	if handler == "text" {
		h = slog.NewTextHandler(&buf, opts)
	}
	l := slog.New(h)
	l.Info("value", "v", v)
	l.Info("group", slog.Group("g", "v", v))
	l.With("w", v).Info("with")
	return buf.String()
}

var encodedSentinels = []string{
	Sentinel,
	hex.EncodeToString([]byte(Sentinel)),
	strings.ToUpper(hex.EncodeToString([]byte(Sentinel))),
	base64.StdEncoding.EncodeToString([]byte(Sentinel))[:12],
}

// leaked reports whether s holds a sentinel, raw, hex or base64 encoded.
func leaked(s string) bool {
	for _, e := range encodedSentinels {
		if strings.Contains(s, e) {
			return true
		}
	}
	return false
}

// hide replaces the sentinels in s so a report does not repeat them, and
// shortens it.
func hide(s string) string {
	for _, e := range encodedSentinels {
		s = strings.ReplaceAll(s, e, "<SENTINEL>")
	}
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}
