package tencent

import (
	"errors"
	"testing"

	tcerr "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/errors"
	tchttp "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/http"
	tcjson "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/json"
)

// TestEnvelopeReadsErrorsAsBaseResponse: common's parse of an answer into an
// envelope (ParseErrorFromHTTPResponse, then Unmarshal; one decode) ends in
// the same error (code, message, request id) as with tchttp.BaseResponse and
// a plain decode (three), for every error format and malformed body, and in
// the same Data.
func TestEnvelopeReadsErrorsAsBaseResponse(t *testing.T) {
	t.Parallel()
	bodies := []string{
		`{"Response":{"Error":{"Code":"AuthFailure","Message":"no"},"RequestId":"r-1"}}`,
		`{"Response":{"Error":{"Code":"","Message":"empty code"},"RequestId":"r-2","Data":{"BIToken":"t"}}}`,
		`{"code":4000,"message":"old","codeDesc":"InvalidParameter"}`,
		`{"code":"4000"}`,
		`{"Response":{"Error":{"Code":7}}}`,
		`{"Response":{"Error":"x"}}`,
		`{"Response":{"RequestId":5}}`,
		`{"Response":{"Data":{"BIToken":"tok","Id":"12","ExpireTime":null},"RequestId":"r-3"}}`,
		`{"Response":{"Data":{"Id":{}}}}`,
		`{"Response":null}`,
		`{}`,
		`{"Response":{}} trailing`,
		`{"Response":`,
		`{"response":{"error":{"code":"LowerCase","message":"m"},"requestid":"r-4"}}`,
		`{"Code":1,"CODEDESC":"Upper","Message":"m"}`,
	}
	for _, body := range bodies {
		// What common's parseFromJson did with the embedded BaseResponse
		// and a plain decode, and what it does with the envelope.
		plain := &answer[embedTokenInfo]{}
		want := (&tchttp.BaseResponse{}).ParseErrorFromHTTPResponse([]byte(body))
		if want == nil && tcjson.Unmarshal([]byte(body), plain) != nil {
			want = tcerr.NewTencentCloudSDKError("ClientError.ParseJsonError", "", "")
		}
		env := &envelope[embedTokenInfo]{}
		got := env.ParseErrorFromHTTPResponse([]byte(body))
		var resp tchttp.Response = env
		if got == nil && tcjson.Unmarshal([]byte(body), &resp) != nil {
			got = tcerr.NewTencentCloudSDKError("ClientError.ParseJsonError", "", "")
		}
		if !sameSDKError(got, want) {
			t.Errorf("%s: envelope says %v, BaseResponse and a plain decode %v", body, got, want)
		}
		if got == nil && plain.Response != nil && plain.Response.Data != nil && *plain.Response.Data != *env.answer.Response.Data {
			t.Errorf("%s: Data %+v, plain decode %+v", body, *env.answer.Response.Data, *plain.Response.Data)
		}
	}
}

// sameSDKError compares two errors from ParseErrorFromHTTPResponse: both
// nil, or both TencentCloudSDKErrors with the same code, and for server
// errors the same message and request id (ClientError messages differ:
// common's quote the body, the envelope's never do).
func sameSDKError(a, b error) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	var x, y *tcerr.TencentCloudSDKError
	if !errors.As(a, &x) || !errors.As(b, &y) || x.Code != y.Code {
		return false
	}
	return x.Code == "ClientError.ParseJsonError" || (x.Message == y.Message && x.RequestId == y.RequestId)
}
