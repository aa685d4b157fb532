package secrettest_test

import (
	"errors"
	"fmt"

	"github.com/biembed/biembed-go/internal/testkit/secrettest"
)

func Example() {
	// In a test, secrettest.New(t, secrets...) also fails t on a leak at cleanup.
	rec := &secrettest.Recorder{}
	rec.AddSecret(secrettest.SecretKey)
	rec.Logger().Debug("signed request", "secretId", "AKID-public")
	_ = rec.Err(errors.New("AuthFailure: signature mismatch"))
	fmt.Println(len(rec.Leaks()))
	// Output: 0
}
