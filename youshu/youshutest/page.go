package youshutest

import (
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/biembed/biembed-go/filtermap"
	"github.com/biembed/biembed-go/internal/fakestate"
)

// chatBIRoute is served under /dash/ and at the root; statusPath is what
// an open page polls.
const (
	chatBIRoute = "chatbi/dialogIntegration"
	statusPath  = "/dash/status"
)

// pageTarget names what an integration path shows, or "" for none.
func pageTarget(path string, q url.Values) string {
	rest, _ := strings.CutPrefix(path, "/dash/")
	switch {
	case strings.HasSuffix(path, chatBIRoute):
		return "ChatBI dialog"
	case rest == "cockpitIntegration":
		return "cockpit"
	case strings.HasPrefix(rest, "integration/") && isID(strings.TrimPrefix(rest, "integration/")):
		return "report page of project " + strings.TrimPrefix(rest, "integration/")
	case strings.HasPrefix(rest, "screenIntegration/") && isID(strings.TrimPrefix(rest, "screenIntegration/")) && q.Get("sid") != "":
		return "large screen " + q.Get("sid") + " of project " + strings.TrimPrefix(rest, "screenIntegration/")
	case strings.HasPrefix(rest, "newScreen/integration/view/") && strings.TrimPrefix(rest, "newScreen/integration/view/") != "":
		return "new large screen " + strings.TrimPrefix(rest, "newScreen/integration/view/")
	}
	return ""
}

func isID(s string) bool {
	_, err := strconv.ParseInt(s, 10, 64)
	return err == nil
}

// grant checks a page's token as the product does; a page shown uses a
// once token up and extends an autoRenew token. s.core.Mu is held.
func (s *Server) grant(r *http.Request) (fakestate.Grant, *fakestate.PageError) {
	q := r.URL.Query()
	target := pageTarget(r.URL.Path, q)
	t := s.tokens.M[q.Get("token")]
	now := s.now()
	var refusal *fakestate.PageError
	switch {
	case target == "":
		refusal = fakestate.Refuse(http.StatusNotFound, "not-found", "no integration page at this path")
	case q.Get("token") == "":
		refusal = fakestate.Refuse(http.StatusUnauthorized, "missing-token", "the URL carries no token")
	case t == nil || t.Removed:
		refusal = fakestate.Refuse(http.StatusUnauthorized, "unknown", "the token is unknown or was removed")
	case !now.Before(t.ExpiresAt):
		refusal = fakestate.Refuse(http.StatusUnauthorized, "expired", "the token expired at "+t.ExpiresAt.UTC().Format(time.RFC3339))
	case t.UseType != "":
		refusal = fakestate.Refuse(http.StatusForbidden, "wrong-page", "a "+string(t.UseType)+" helper token cannot open pages")
	case t.Once && t.Visits > 0:
		refusal = fakestate.Refuse(http.StatusForbidden, "used-up", "the once token was already used")
	default:
		t.Visits++
		if renewed := now.Add(t.AutoRenew); t.AutoRenew > 0 && renewed.After(t.ExpiresAt) {
			t.ExpiresAt = renewed
		}
		return grantOf(t, target, q), nil
	}
	return fakestate.Grant{}, refusal
}

// status answers an open page's poll; it is no visit. s.core.Mu is held.
func (s *Server) status(token string) (bool, string, time.Time) {
	if t := s.tokens.M[token]; t != nil {
		return true, map[bool]string{true: "removed"}[t.Removed], t.ExpiresAt
	}
	return false, "", time.Time{}
}

// grantOf describes what t shows on a page for target.
func grantOf(t *IssuedToken, target string, q url.Values) fakestate.Grant {
	g := fakestate.Grant{
		Title: "Youshu BI integration (fake)", User: t.Subject,
		Scope: "Manage (server default)", Target: target, Expires: t.ExpiresAt.UTC().Format(time.RFC3339),
	}
	req := t.Request
	if req == nil {
		return g
	}
	if req.ApplyScope != "" {
		g.Scope = string(req.ApplyScope)
	}
	if t.Once {
		g.Scope += ", once"
	}
	if t.AutoRenew > 0 {
		g.Scope += ", renews by " + t.AutoRenew.String() + " on each visit"
	}
	for _, conn := range slices.Sorted(maps.Keys(req.FilterMap)) {
		rows := req.FilterMap[conn]
		for _, f := range rows.DataFilters {
			g.RowFilters = append(g.RowFilters, rowText(f, "connection "+conn, rows.Rule))
		}
	}
	for _, conn := range slices.Sorted(maps.Keys(req.ColumnFilterMap)) {
		for _, f := range req.ColumnFilterMap[conn].DataFilters {
			g.ColumnMasks = append(g.ColumnMasks, maskTexts(f, "connection "+conn)...)
		}
	}
	for _, report := range req.ReportDataFilters {
		for _, m := range report.DataModelFilters {
			where := "report " + report.ReportID + ", model " + strconv.FormatInt(m.DataModelID, 10)
			for _, f := range m.Rows {
				g.RowFilters = append(g.RowFilters, rowText(f, where, m.Rule))
			}
			for _, f := range m.Columns {
				g.ColumnMasks = append(g.ColumnMasks, maskTexts(f, where)...)
			}
		}
	}
	g.DisplaySettings = fakestate.Settings("", req.ClientSetting)
	if req.EnableWatermark && req.Watermark != nil {
		g.DisplaySettings = append(g.DisplaySettings, fakestate.Settings("watermark", req.Watermark)...)
	}
	for _, k := range slices.Sorted(maps.Keys(q)) {
		if k != "token" {
			g.PageParams = append(g.PageParams, k+" = "+strings.Join(q[k], ", "))
		}
	}
	return g
}

// rowText reads a row filter: "province in Hubei, Hunan (orders, connection 1)".
func rowText(f filtermap.RowFilter, where string, rule filtermap.Rule) string {
	in := "in"
	if f.SelectType == filtermap.Unselect {
		in = "not in"
	}
	var text string
	if d := f.Filter.Dim; d != nil {
		text = d.Field + " " + in + " " + strings.Join(f.Filter.Select, ", ")
	} else {
		groups := make([]string, 0, len(f.Filter.Or))
		for _, g := range f.Filter.Or {
			groups = append(groups, treeText(g))
		}
		text = strings.Join(groups, " or ")
		if f.SelectType == filtermap.Unselect {
			text = "not (" + text + ")"
		}
	}
	table := f.TableName
	if f.TableExprID != 0 {
		table = "custom SQL " + strconv.FormatInt(f.TableExprID, 10)
	}
	if rule == filtermap.RuleOr {
		where += ", any of"
	}
	return text + " (" + table + ", " + where + ")"
}

func treeText(g filtermap.TreeGroup) string {
	fields := make([]string, len(g.Dims))
	for i, d := range g.Dims {
		fields[i] = d.Field
	}
	op, tuples := "in", g.Cond.InList
	if len(g.Cond.ExcludeList) > 0 {
		op, tuples = "not in", g.Cond.ExcludeList
	}
	parts := make([]string, len(tuples))
	for i, tuple := range tuples {
		parts[i] = "(" + strings.Join(tuple, ", ") + ")"
	}
	return "(" + strings.Join(fields, ", ") + ") " + op + " " + strings.Join(parts, ", ")
}

// maskTexts reads column masks: "orders.phone masked in view, export (connection 1)".
func maskTexts(f filtermap.ColumnFilter, where string) []string {
	out := make([]string, 0, len(f.DataMasks))
	for _, m := range f.DataMasks {
		ranges := make([]string, len(m.ApplyRange))
		for i, r := range m.ApplyRange {
			ranges[i] = string(r)
		}
		out = append(out, f.TableName+"."+m.Field+" masked in "+strings.Join(ranges, ", ")+" ("+where+")")
	}
	return out
}
