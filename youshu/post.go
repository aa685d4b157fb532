package youshu

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"strings"

	"github.com/go-resty/resty/v2"

	"github.com/biembed/biembed-go/internal/safetext"
)

// exchange sends k once and returns the answer's status, header and body,
// read through the WithMaxResponseBytes limit (over it: the error is
// resty.ErrResponseBodyTooLarge on both paths). Status 0 means no answer.
//
// genToken (the one POST) goes straight through resty's configured
// *http.Client (the same transport, jar and redirect refusal) without
// resty's request object: that machinery (its maps, middlewares, content-type
// matching, body copy in 512-byte steps) cost more than the rest of the
// client's work per call. The GET endpoints go through resty.
func (c *Client) exchange(ctx context.Context, k *call) (int, http.Header, []byte, error) {
	if k.method == http.MethodPost {
		return c.post(ctx, k)
	}
	req := c.rc.R().SetContext(ctx)
	if k.body != nil {
		req.SetHeader("Content-Type", "application/json").SetBody(k.body)
	}
	resp, err := req.Execute(k.method, k.url)
	if resp == nil || resp.RawResponse == nil {
		return 0, nil, nil, err
	}
	return resp.StatusCode(), resp.Header(), resp.Body(), err
}

// jsonType is the Content-Type and Accept value of every request; headers
// share it and nothing writes to it.
var jsonType = []string{"application/json"}

// post sends k's body as a JSON POST with the headers resty would send.
func (c *Client) post(ctx context.Context, k *call) (int, http.Header, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, k.url, bytes.NewReader(k.body))
	if err != nil {
		return 0, nil, nil, err
	}
	req.Header = http.Header{"Content-Type": jsonType, "Accept": jsonType, "User-Agent": {c.cfg.userAgent}}
	resp, err := c.rc.GetClient().Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	body, err := readLimited(resp, c.cfg.maxBytes)
	return resp.StatusCode, resp.Header, body, err
}

// readLimited reads resp's body, at most limit bytes, gunzipping it when the
// server sent it gzipped unasked (as resty does). It sizes the buffer from
// Content-Length when that is within the limit, so a typical answer is read
// into one allocation.
func readLimited(resp *http.Response, limit int64) ([]byte, error) {
	var body io.Reader = resp.Body
	size := int64(512)
	if strings.EqualFold(resp.Header.Get("Content-Encoding"), "gzip") && resp.ContentLength != 0 {
		zr, err := gzip.NewReader(body)
		if err != nil {
			return nil, err
		}
		defer zr.Close()
		body = zr
	} else if n := resp.ContentLength; n >= 0 && n < limit {
		size = n + 1 // room to see EOF without growing
	}
	buf := make([]byte, 0, min(size, limit+1))
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := body.Read(buf[len(buf):min(int64(cap(buf)), limit+1)])
		buf = buf[:len(buf)+n]
		switch {
		case int64(len(buf)) > limit:
			return nil, resty.ErrResponseBodyTooLarge
		case err == io.EOF:
			return buf, nil
		case err != nil:
			return nil, err
		}
	}
}

// plainJSONString returns the string raw encodes when raw is a non-empty
// JSON string of printable ASCII without escapes (as every Youshu token
// is): then it is the bytes between the quotes, and no decoder is needed.
// Anything else, or a string safetext.CheckToken refuses, reports false and
// goes through resultString.
func plainJSONString(raw []byte) (string, bool) {
	n := len(raw)
	if n < 3 || raw[0] != '"' || raw[n-1] != '"' {
		return "", false
	}
	for _, c := range raw[1 : n-1] {
		if c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return "", false
		}
	}
	s := string(raw[1 : n-1])
	if safetext.CheckToken(s) != nil {
		return "", false // resultString reports why
	}
	return s, true
}
