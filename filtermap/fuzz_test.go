package filtermap_test

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/biembed/biembed-go/biembed"

	"github.com/stretchr/testify/require"

	"github.com/biembed/biembed-go/filtermap"
	"github.com/biembed/biembed-go/internal/testkit/seeds"
)

// FuzzGlobalParamsRoundTrip proves that every valid GlobalParams survives
// Encode and ParseGlobalParams exactly, whatever its text holds.
func FuzzGlobalParamsRoundTrip(f *testing.F) {
	f.Add("province", uint8(0), "Chongqing City", "Hubei Province", false)
	f.Add(`quote " and \ backslash`, uint8(1), "line\nbreak\ttab\r", `{"JSON":"inside"}`, true)
	f.Add("地区", uint8(2), "东北 🚀", "", false)
	f.Add("emoji 👩‍💻", uint8(0), "\u2028\u2029</script>&<>", "\x00\x1f\x7f", true)
	f.Add(" ", uint8(1), "x", "y", false)
	f.Add("bad\xff", uint8(0), "a", "b\xfe", false)
	ops := []filtermap.Operator{filtermap.OpIs, filtermap.OpNeq, filtermap.OpEq}
	f.Fuzz(func(t *testing.T, key string, op uint8, v1, v2 string, lowerJoin bool) {
		w := filtermap.Where{Operator: ops[int(op)%len(ops)], Value: []string{v1, v2}}
		if w.Operator == filtermap.OpEq {
			w.Value = w.Value[:1]
		}
		join := "AND"
		if lowerJoin {
			join = "and"
		}
		x := filtermap.GlobalParams{{ParamKey: key, JoinType: join, WhereList: []filtermap.Where{w}}}
		s, err := x.Encode()
		if err != nil {
			require.ErrorIs(t, err, biembed.ErrInvalid)
			return
		}
		require.True(t, utf8.ValidString(key+strings.Join(w.Value, "")), "Encode must refuse text it would change")
		got, err := filtermap.ParseGlobalParams(s)
		require.NoError(t, err)
		require.Equal(t, x, got)
	})
}

// FuzzParseGlobalParams feeds arbitrary strings to ParseGlobalParams.
func FuzzParseGlobalParams(f *testing.F) {
	f.Add(string(seeds.TencentGlobalParam))
	f.Add(`[{"ParamKey":"p","JoinType":"and","WhereList":[{"Operator":"-is","Value":null}]}]`)
	f.Add(`[null]`)
	f.Add(`{}`)
	f.Fuzz(func(t *testing.T, s string) {
		g, err := filtermap.ParseGlobalParams(s)
		if err != nil {
			return
		}
		_ = g.Validate()
		checkStable[filtermap.GlobalParams](t, []byte(s))
	})
}

// addSeeds adds the seed block key of both Youshu examples (when present)
// and extra inputs to f's corpus.
func addSeeds(f *testing.F, key string, extra ...string) {
	for _, seed := range [][]byte{seeds.YoushuGenTokenPassword, seeds.YoushuGenTokenSSO} {
		var m map[string]json.RawMessage
		require.NoError(f, json.Unmarshal(seed, &m))
		if b, ok := m[key]; ok {
			f.Add([]byte(b))
		}
	}
	for _, e := range append(extra, "null", "{}", "[]", `""`, "0", "[null]", `{"1":null}`) {
		f.Add([]byte(e))
	}
}

func FuzzFilterMap(f *testing.F) {
	addSeeds(f, "filterMap",
		`{"1":[],"2":{"rule":"or","dataFilters":null},"3":[{}]}`,
		`{"1":{"dataFilters":[{"filter":{"dim":null,"select":[],"or":[{"dims":[],"cond":{"inlist":[[]],"excludelist":[]}}]}}]}}`,
		`{"1":[{"tableExprId":-1,"filterType":"x"}],"1":{"rule":"and"}}`,
	)
	f.Fuzz(func(t *testing.T, data []byte) { checkStable[filtermap.FilterMap](t, data) })
}

func FuzzColumnFilterMap(f *testing.F) {
	addSeeds(f, "columnFilterMap", `{"1":{"type":"column","dataFilters":[{"dataMasks":null}]}}`)
	f.Fuzz(func(t *testing.T, data []byte) { checkStable[filtermap.ColumnFilterMap](t, data) })
}

func FuzzTableFilterMap(f *testing.F) {
	addSeeds(f, "tableFilterMap", `{"1":{"dataFilters":[{"produced":"UserDefinedSQL","select":[]}]}}`)
	f.Fuzz(func(t *testing.T, data []byte) { checkStable[filtermap.TableFilterMap](t, data) })
}

func FuzzReportDataFilters(f *testing.F) {
	addSeeds(f, "reportDataFilters",
		`[{"dataModelFilters":[{"type":"column","dataFilters":[]},{"type":"row","dataFilters":[null]},{"dataFilters":null}]}]`,
		`[{"dataModelFilters":[{"dataFilters":[{"dataMasks":[]},{"filterType":"listFilter"}]}]}]`,
		`[{"dataModelFilters":[{"dataFilters":[{"DATAMASKS":[]}]}]}]`,
	)
	f.Fuzz(func(t *testing.T, data []byte) { checkStable[filtermap.ReportDataFilters](t, data) })
}

func FuzzResourcePermissions(f *testing.F) {
	addSeeds(f, "resourcePermissions", `[{"isFolder":true},{"isFolder":1,"resourceNamePaths":[]},{"isFolder":2}]`)
	f.Fuzz(func(t *testing.T, data []byte) { checkStable[filtermap.ResourcePermissions](t, data) })
}
