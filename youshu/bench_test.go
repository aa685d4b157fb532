package youshu_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/biembed/biembed-go/youshu"
	"github.com/biembed/biembed-go/youshu/youshutest"
)

// BenchmarkGenToken compares the SDK with a bare net/http + encoding/json
// call whose body is a hand-built struct carrying the same fields, against
// the same fake server.
func BenchmarkGenToken(b *testing.B) {
	srv := youshutest.NewServer()
	defer srv.Close()
	req := &youshu.GenTokenRequest{AuthUniqueID: "user", FilterMap: rowFilters(), Expiry: 3600e9}

	b.Run("sdk", func(b *testing.B) {
		c := newClient(b, srv)
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.GenToken(ctx, req); err != nil {
				b.Fatal(err)
			}
		}
	})

	b.Run("raw", func(b *testing.B) {
		tr := &http.Transport{}
		defer tr.CloseIdleConnections()
		hc := &http.Client{Transport: tr}
		url := srv.URL() + "/api/dash/util/genToken"
		type dim struct {
			Field    string `json:"field"`
			DataType string `json:"dataType"`
		}
		type filter struct {
			FilterType string `json:"filterType"`
			SelectType string `json:"selectType"`
			TableName  string `json:"tableName"`
			Filter     struct {
				Dim    dim      `json:"dim"`
				Select []string `json:"select"`
			} `json:"filter"`
		}
		type rows struct {
			Rule        string   `json:"rule"`
			DataFilters []filter `json:"dataFilters"`
		}
		type genToken struct {
			TokenType    string          `json:"tokenType"`
			Email        string          `json:"email"`
			Password     string          `json:"password"`
			AuthUniqueID string          `json:"authUniqueId"`
			ExpiryTime   int64           `json:"expiryTime"`
			FilterMap    map[string]rows `json:"filterMap"`
		}
		f := filter{FilterType: "listFilter", SelectType: "select", TableName: "orders"}
		f.Filter.Dim = dim{Field: "region", DataType: "String"}
		f.Filter.Select = []string{"East", "North"}
		hand := genToken{TokenType: "userPassword", Email: youshutest.AdminEmail, Password: youshutest.AdminPassword,
			AuthUniqueID: "user", ExpiryTime: 3600, FilterMap: map[string]rows{"700006204": {Rule: "or", DataFilters: []filter{f}}}}
		b.ReportAllocs()
		for b.Loop() {
			body, err := json.Marshal(hand)
			if err != nil {
				b.Fatal(err)
			}
			r, err := http.NewRequestWithContext(context.Background(), http.MethodPost, url, bytes.NewReader(body))
			if err != nil {
				b.Fatal(err)
			}
			r.Header.Set("Content-Type", "application/json")
			resp, err := hc.Do(r)
			if err != nil {
				b.Fatal(err)
			}
			var env struct {
				Code   int    `json:"code"`
				Result string `json:"result"`
			}
			err = json.NewDecoder(resp.Body).Decode(&env)
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			if err != nil || env.Code != 200 || env.Result == "" {
				b.Fatalf("raw call failed: %v %d", err, env.Code)
			}
		}
	})
}
