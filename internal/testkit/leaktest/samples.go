package leaktest

import (
	"reflect"

	"github.com/biembed/biembed-go/youshu"
)

// samples are values built through constructors, for secrets that planting
// into a zero value does not reach: a Credential's kind decides which of
// its fields go into a GenTokenRequest's JSON, and planting leaves it unset.
func samples() []Type {
	var out []Type
	for _, cred := range []youshu.Credential{
		youshu.Password("user@example.com", sentinel()),
		youshu.TokenKey(sentinel()),
		youshu.SSO("uid", sentinel()),
	} {
		out = append(out,
			sample("youshu.Credential("+string(cred.Type())+")", cred),
			sample("youshu.GenTokenRequest("+string(cred.Type())+")", youshu.GenTokenRequest{Credential: cred}))
	}
	return out
}

// sample wraps v as a Type whose value is v itself.
func sample(name string, v any) Type {
	return Type{Name: name, Type: reflect.TypeOf(v), value: reflect.ValueOf(v)}
}
