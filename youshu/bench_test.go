package youshu_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/biembed/biembed-go/internal/testkit/benchtest"
	"github.com/biembed/biembed-go/youshu"
	"github.com/biembed/biembed-go/youshu/youshutest"
)

// benchRequest is the request every GenToken benchmark sends: one user, one
// hour, one row filter.
func benchRequest() *youshu.GenTokenRequest {
	return &youshu.GenTokenRequest{AuthUniqueID: "user", FilterMap: rowFilters(), Expiry: time.Hour}
}

// rawGenToken is a bare net/http + encoding/json genToken client: a
// hand-built struct carrying the same fields as benchRequest, one POST, the
// envelope decoded and checked (code 200, a non-empty string result).
// With sameWork it also does what the SDK does besides: it validates the
// request (GenTokenRequest.Validate), bounds the attempt with its own
// context.WithTimeout and reads the body through a 1 MiB limit.
type rawGenToken struct {
	hc       *http.Client
	url      string
	body     rawBody
	req      *youshu.GenTokenRequest
	sameWork bool
}

type rawDim struct {
	Field    string `json:"field"`
	DataType string `json:"dataType"`
}

type rawFilter struct {
	FilterType string `json:"filterType"`
	SelectType string `json:"selectType"`
	TableName  string `json:"tableName"`
	Filter     struct {
		Dim    rawDim   `json:"dim"`
		Select []string `json:"select"`
	} `json:"filter"`
}

type rawRows struct {
	Rule        string      `json:"rule"`
	DataFilters []rawFilter `json:"dataFilters"`
}

type rawBody struct {
	TokenType    string             `json:"tokenType"`
	Email        string             `json:"email"`
	Password     string             `json:"password"`
	AuthUniqueID string             `json:"authUniqueId"`
	FilterMap    map[string]rawRows `json:"filterMap"`
	ExpiryTime   int64              `json:"expiryTime"`
}

func newRawGenToken(srv *youshutest.Server, sameWork bool) *rawGenToken {
	f := rawFilter{FilterType: "listFilter", SelectType: "select", TableName: "orders"}
	f.Filter.Dim = rawDim{Field: "region", DataType: "String"}
	f.Filter.Select = []string{"East", "North"}
	return &rawGenToken{
		hc:  &http.Client{Transport: &http.Transport{}},
		url: srv.URL() + "/api/dash/util/genToken",
		body: rawBody{TokenType: "userPassword", Email: youshutest.Admin().Email, Password: youshutest.Admin().Password,
			AuthUniqueID: "user", ExpiryTime: 3600, FilterMap: map[string]rawRows{"700006204": {Rule: "or", DataFilters: []rawFilter{f}}}},
		req:      benchRequest(),
		sameWork: sameWork,
	}
}

var errRaw = errors.New("raw genToken failed")

// maxBody is the SDK's fixed bound on an answer's body (1 MiB).
const maxBody = 1 << 20

func (r *rawGenToken) call(ctx context.Context) error {
	if r.sameWork {
		if err := r.req.Validate(); err != nil {
			return err
		}
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
	}
	body, err := json.Marshal(r.body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := r.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var rd io.Reader = resp.Body
	if r.sameWork {
		rd = io.LimitReader(resp.Body, maxBody+1)
	}
	var env struct {
		Code   int    `json:"code"`
		Result string `json:"result"`
	}
	err = json.NewDecoder(rd).Decode(&env)
	_, _ = io.Copy(io.Discard, rd)
	if err != nil || resp.StatusCode != http.StatusOK || env.Code != 200 || env.Result == "" {
		return errRaw
	}
	return nil
}

func (r *rawGenToken) close() { r.hc.CloseIdleConnections() }

// BenchmarkGenToken measures the SDK and the bare client separately (for
// profiles and benchstat comparisons of one side); the ratio comes from
// BenchmarkGenTokenInterleaved.
func BenchmarkGenToken(b *testing.B) {
	srv := youshutest.NewServer()
	defer srv.Close()
	ctx := context.Background()

	b.Run("sdk", func(b *testing.B) {
		c := newClient(b, srv)
		req := benchRequest()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.GenToken(ctx, req); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("raw", func(b *testing.B) {
		raw := newRawGenToken(srv, false)
		defer raw.close()
		b.ReportAllocs()
		for b.Loop() {
			if err := raw.call(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkGenTokenInterleaved is the ratio benchmark: the SDK (resty and
// the shared pipeline, for the POST too), the bare client (raw), the bare
// client doing the SDK's extra work (rawwork) and the loopback floor take
// turns in blocks of 20 calls against one fake, so machine drift hits every
// side alike; sdk/raw is the median of per-round ratios (target <= 1.15).
// Run it with a fixed number of rounds:
//
//	go test -run '^$' -bench GenTokenInterleaved -benchtime 400x ./youshu/
func BenchmarkGenTokenInterleaved(b *testing.B) {
	srv := youshutest.NewServer()
	defer srv.Close()
	ctx := context.Background()
	c := newClient(b, srv)
	req := benchRequest()
	raw, rawWork, floor := newRawGenToken(srv, false), newRawGenToken(srv, true), benchtest.NewFloor()
	defer raw.close()
	defer rawWork.close()
	defer floor.Close()
	benchtest.Interleave(b, 20,
		benchtest.Side{Name: "sdk", Call: func() error { _, err := c.GenToken(ctx, req); return err }},
		benchtest.Side{Name: "raw", Call: func() error { return raw.call(ctx) }},
		benchtest.Side{Name: "rawwork", Call: func() error { return rawWork.call(ctx) }},
		floor.Side(ctx),
	)
}
