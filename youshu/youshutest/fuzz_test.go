package youshutest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/biembed/biembed-go/internal/testkit/seeds"
)

// FuzzServeGenToken: any genToken body gets a JSON envelope with a code,
// never a panic, and a minted token only for the right password.
func FuzzServeGenToken(f *testing.F) {
	f.Add(seeds.YoushuGenTokenPassword)
	f.Add(seeds.YoushuGenTokenSSO)
	f.Add([]byte(`{"email":"admin@example.com","password":"` + Admin().Password + `"}`))
	f.Add([]byte(`{"tokenType":"tokenKey","key":"` + User().TokenKey + `","authUniqueId":"admin"}`))
	f.Add([]byte(`{"integrateToken":"` + Admin().IntegrateToken + `","reportDataFilters":[]}`))
	f.Add([]byte(`not json`))
	s := newFake(WithClock(nowUTC))
	f.Fuzz(func(t *testing.T, body []byte) {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, "/api/dash/util/genToken", bytes.NewReader(body))
		s.serveHTTP(rec, req)
		var env struct {
			Code   *int   `json:"code"`
			Result string `json:"result"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil || env.Code == nil {
			t.Fatalf("no envelope for %q: %q", body, rec.Body.String())
		}
		if *env.Code == 200 && !bytes.Contains(body, []byte("SENTINEL")) && !bytes.Contains(body, []byte("YOUSHUTEST-")) {
			t.Fatalf("minted without a known secret: %q", body)
		}
		s.ResetRequests()
	})
}

func nowUTC() time.Time { return time.Now().UTC() }
