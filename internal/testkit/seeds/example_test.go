package seeds_test

import (
	"encoding/json"
	"fmt"

	"github.com/biembed/biembed-go/internal/testkit/seeds"
)

func Example() {
	var resp struct {
		Code   int    `json:"code"`
		Result string `json:"result"`
	}
	if err := json.Unmarshal(seeds.YoushuGenTokenSuccess, &resp); err != nil {
		panic(err)
	}
	fmt.Println(resp.Code, len(resp.Result))
	// Output: 200 37
}
