package validate_test

import (
	"errors"
	"fmt"

	"github.com/biembed/biembed-go/biembed"

	"github.com/biembed/biembed-go/internal/validate"
)

func Example() {
	inner := validate.Fieldf("tableExprId", "must not be set together with database")
	err := validate.Within(validate.Key("filterMap", "700006204")+".dataFilters[1]", inner)
	fmt.Println(err)
	fmt.Println(errors.Is(err, biembed.ErrInvalid))
	// Output:
	// invalid filterMap["700006204"].dataFilters[1].tableExprId: must not be set together with database
	// true
}
