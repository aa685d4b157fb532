package youshu

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/biembed/biembed-go/clientsetting"
	"github.com/biembed/biembed-go/filtermap"
	"github.com/biembed/biembed-go/internal/testkit/benchtest"
	"github.com/biembed/biembed-go/internal/tokencache"
)

// TestEncodeMatchesEncodingJSON: the hand-written genToken encoder writes
// exactly what json.Marshal writes, and fails where it fails, over many
// generated wire bodies (every field, both filterMap forms, text that needs
// escaping, invalid UTF-8, and the values MarshalJSON methods refuse); and
// RequestKey is the key of the document it always hashed.
func TestEncodeMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 4))
	g := wireGen{rng: rng}
	for i := range 3000 {
		req := g.request()
		w, err := req.wire(g.credential())
		if err != nil {
			continue
		}
		want, wantErr := json.Marshal(w)
		got, gotErr := w.encode()
		if (wantErr != nil) != (gotErr != nil) || !bytes.Equal(got, want) {
			t.Fatalf("case %d: encode = %s, %v\njson.Marshal = %s, %v", i, got, gotErr, want, wantErr)
		}
		if wantErr != nil {
			continue
		}
		wantKey, err := tokencache.KeyOf(keyDocument{credentialIdentity(req.Credential), mustWire(t, req)})
		if err != nil {
			t.Fatal(err)
		}
		if gotKey, err := RequestKey(req); err != nil || gotKey != wantKey {
			t.Fatalf("case %d: RequestKey = %s, %v; want %s", i, gotKey, err, wantKey)
		}
	}
}

func mustWire(t *testing.T, req *GenTokenRequest) *genTokenWire {
	w, err := req.wire(Credential{})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

type wireGen struct{ rng *rand.Rand }

var genTexts = []string{"", "a", "700006204", "订单总表", "地区", "<script>&amp;</script>", `q"uo\te`,
	"tab\tnew\nline\r\b\f\x01\x1f", "sep\u2028\u2029", "bad\xffutf8\xc3", "🙂 emoji", "x y z"}

func (g wireGen) text() string { return genTexts[g.rng.IntN(len(genTexts))] }
func (g wireGen) maybe() bool  { return g.rng.IntN(3) == 0 }
func (g wireGen) texts() []string {
	switch g.rng.IntN(4) {
	case 0:
		return nil
	case 1:
		return []string{}
	}
	out := make([]string, 1+g.rng.IntN(3))
	for i := range out {
		out[i] = g.text()
	}
	return out
}

func (g wireGen) credential() Credential {
	switch g.rng.IntN(4) {
	case 0:
		return Credential{}
	case 1:
		return Password(g.text()+"@x.y", g.text())
	case 2:
		return TokenKey(g.text())
	}
	return SSO(g.text(), g.text())
}

func (g wireGen) request() *GenTokenRequest {
	r := &GenTokenRequest{Credential: g.credential(), AuthUniqueID: g.text(), UVID: g.text()}
	if g.maybe() {
		r.AuthUserID = g.rng.Int64N(1<<50) - 5
	}
	r.RelationWithSystemPermission = Relation(g.text())
	r.EnableWatermark, r.OpenRP, r.Once, r.EnableDefaultBookmark = g.maybe(), g.maybe(), g.maybe(), g.maybe()
	if g.maybe() {
		r.Watermark = &Watermark{Email: g.text(), UniqueID: g.text(), Nick: g.text()}
	}
	if g.maybe() {
		r.FilterMap = filtermap.FilterMap{}
		for range g.rng.IntN(10) {
			r.FilterMap[g.text()+"1"] = g.rowFilters()
		}
	}
	if g.maybe() {
		r.ColumnFilterMap = filtermap.ColumnFilterMap{g.text(): g.columnFilters(), "9": g.columnFilters()}
	}
	if g.maybe() {
		r.TableFilterMap = filtermap.TableFilterMap{g.text(): {Rule: filtermap.Rule(g.text()), DataFilters: []filtermap.TableFilter{
			{Database: g.text(), Produced: filtermap.Produced(g.text()), SelectType: filtermap.SelectType(g.text()), Select: g.texts()}}}}
	}
	if g.maybe() {
		r.PillFieldMap = PillFieldMap{g.text(): {g.text(): {"expr": g.text(), "n": 12}}}
	}
	if g.maybe() {
		r.TableExprMap = map[string]string{g.text(): g.text(), "b": g.text()}
	}
	if g.maybe() {
		r.ParameterMap = map[string]any{g.text(): g.text(), "n": 1.5, "list": []any{g.text(), true, nil}}
	}
	if g.maybe() {
		r.ParameterAliasMap = map[string]ParameterAlias{g.text(): {From: FromAll, Value: g.text()}}
	}
	r.Expiry = time.Duration(g.rng.IntN(3)) * time.Hour
	if g.maybe() {
		r.Expiry += time.Millisecond // wire refuses it
	}
	if g.maybe() {
		r.ResourcePermissions = filtermap.ResourcePermissions{{ProjectID: g.rng.Int64N(3), ResourceType: filtermap.ResourceType(g.text()),
			ResourceID: g.rng.Int64N(3), ResourceNamePaths: g.texts(), IsFolder: filtermap.Flag(g.maybe()),
			Permissions: []filtermap.Permission{filtermap.Permission(g.text())}}, {}}
	}
	if g.maybe() {
		on := g.maybe()
		r.ClientSetting = &clientsetting.ClientSetting{Integrate: &clientsetting.Integrate{IgnoreSearch: &on}}
	}
	r.UseType, r.ApplyScope = UseType(g.text()), ApplyScope(g.text())
	r.DomainID, r.ProjectID = g.rng.Int64N(3), g.rng.Int64N(3)
	if g.maybe() {
		r.AutoRenew = &AutoRenew{Expiry: time.Duration(g.rng.IntN(3)) * time.Second}
		if g.maybe() {
			r.AutoRenew.Expiry += time.Millisecond // AutoRenew.MarshalJSON refuses it
		}
	}
	if g.maybe() {
		r.ReportDataFilters = filtermap.ReportDataFilters{{ReportID: g.text(), DataModelFilters: []filtermap.DataModelFilter{g.dataModelFilter(), g.dataModelFilter()}}, {}}
	}
	return r
}

func (g wireGen) rowFilters() filtermap.RowFilters {
	r := filtermap.RowFilters{Rule: filtermap.Rule(g.text()), Legacy: g.maybe()}
	if g.rng.IntN(5) > 0 {
		r.Rule = filtermap.RuleAnd
	}
	if !g.maybe() {
		r.DataFilters = []filtermap.RowFilter{g.rowFilter(), g.rowFilter()}
	}
	return r
}

func (g wireGen) rowFilter() filtermap.RowFilter {
	f := filtermap.RowFilter{FilterType: filtermap.FilterType(g.text()), SelectType: filtermap.SelectType(g.text()),
		Database: g.text(), TableName: g.text(), TableExprID: g.rng.Int64N(3)}
	if g.maybe() {
		f.Filter.Dim = &filtermap.Dim{Field: g.text(), DataType: filtermap.DataType(g.text())}
	}
	f.Filter.Select = g.texts()
	if g.maybe() {
		dims := []filtermap.Dim{{Field: g.text()}}
		if g.maybe() {
			dims = nil
		}
		f.Filter.Or = []filtermap.TreeGroup{{Dims: dims, Cond: filtermap.TreeCond{InList: [][]string{g.texts(), nil}, ExcludeList: [][]string{g.texts()}}}}
	}
	return f
}

func (g wireGen) columnFilters() filtermap.ColumnFilters {
	masks := []filtermap.DataMask{{Field: g.text(), DataType: filtermap.DataType(g.text()), ApplyRange: []filtermap.ApplyRange{filtermap.ApplyView}}, {}}
	return filtermap.ColumnFilters{Rule: filtermap.Rule(g.text()), Type: filtermap.ColumnFilterType(g.text()),
		DataFilters: []filtermap.ColumnFilter{{TableName: g.text(), Type: filtermap.DataLevel, DataMasks: masks}}}
}

func (g wireGen) dataModelFilter() filtermap.DataModelFilter {
	f := filtermap.DataModelFilter{DataModelID: g.rng.Int64N(1 << 40), DataConnectionID: g.rng.Int64N(1 << 40),
		Rule: filtermap.Rule(g.text()), Type: filtermap.PermissionType(g.text())}
	switch g.rng.IntN(5) {
	case 0:
		f.Rows = []filtermap.RowFilter{g.rowFilter()}
	case 1:
		f.Columns = g.columnFilters().DataFilters
	case 2:
		f.Rows, f.Columns = []filtermap.RowFilter{}, []filtermap.ColumnFilter{} // MarshalJSON refuses it
	case 3:
		f.Columns = []filtermap.ColumnFilter{}
	}
	return f
}

// TestEncodeTakesTheFastPath: a valid request with every permission block
// is written by appendJSON, not by the json.Marshal fallback.
func TestEncodeTakesTheFastPath(t *testing.T) {
	t.Parallel()
	g := wireGen{rng: rand.New(rand.NewPCG(5, 6))}
	fast := 0
	for range 500 {
		w, err := g.request().wire(Credential{})
		if err != nil {
			continue
		}
		if _, ok := w.appendJSON(nil); ok {
			fast++
		}
	}
	if fast < 100 {
		t.Fatalf("only %d of 500 generated bodies took the fast path", fast)
	}
}

// BenchmarkRequestKeyInterleaved compares RequestKey (new) with the
// encoding/json path it replaced (old: the wire struct through
// tokencache.KeyOf), in alternating blocks, with and without a filterMap.
func BenchmarkRequestKeyInterleaved(b *testing.B) {
	plain := &GenTokenRequest{Credential: Password("admin@example.com", "pw"), AuthUniqueID: "user", Expiry: time.Hour}
	filtered := *plain
	filtered.FilterMap = filtermap.FilterMap{}
	filtered.FilterMap.Set(700006204, filtermap.NewRowFilters(filtermap.RuleOr,
		filtermap.NewListFilter(filtermap.TableName("orders"), filtermap.Select, filtermap.Field("region", filtermap.TypeString), "East", "North")))
	for name, req := range map[string]*GenTokenRequest{"plain": plain, "filterMap": &filtered} {
		b.Run(name, func(b *testing.B) {
			benchtest.Interleave(b, 2000,
				benchtest.Side{Name: "new", Call: func() error { _, err := RequestKey(req); return err }},
				benchtest.Side{Name: "old", Call: func() error {
					w, err := req.wire(Credential{})
					if err != nil {
						return err
					}
					_, err = tokencache.KeyOf(keyDocument{credentialIdentity(req.Credential), w})
					return err
				}},
			)
		})
	}
}

// TestPlainJSONStringAgreesWithResultString: where the shortcut answers, it
// answers what resultString (encoding/json) does; it declines everything
// that needs decoding or that resultString rejects.
func TestPlainJSONStringAgreesWithResultString(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{`"0123456789abcdef0123456789abcdef01234"`, `"a"`, `""`, `"a\"b"`, `"\u0041"`, `"tab	x"`,
		"\"\xff\"", `"区域"`, `123`, `null`, `"unterminated`, `"`, `{}`, `"a b~"`} {
		got, ok := plainJSONString([]byte(raw))
		want, err := resultString(EndpointGenToken, []byte(raw))
		if ok && (err != nil || got != want) {
			t.Errorf("plainJSONString(%s) = %q; resultString gives %q, %v", raw, got, want, err)
		}
	}
	if _, ok := plainJSONString([]byte(`"0123456789abcdef0123456789abcdef01234"`)); !ok {
		t.Error("a Youshu token took the slow path")
	}
}
