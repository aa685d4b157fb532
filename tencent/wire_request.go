package tencent

import (
	tchttp "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/http"
	tcjson "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/json"
)

// wireRequest is one action's request for common.Client.Send, typed the way
// the official generated models are (an embedded *tchttp.BaseRequest), with
// its JSON parameters already encoded: common signs and sends what
// MarshalJSON returns.
type wireRequest struct {
	*tchttp.BaseRequest
	body []byte
}

func newWireRequest(action string, body []byte) *wireRequest {
	r := &wireRequest{BaseRequest: &tchttp.BaseRequest{}, body: body}
	r.Init().WithApiInfo(Service, APIVersion, action)
	return r
}

// MarshalJSON returns the encoded parameters.
func (r *wireRequest) MarshalJSON() ([]byte, error) { return r.body, nil }

// mapBody encodes params as common encodes a CommonRequest's map (sorted
// keys), for the actions that are not on the hot path.
func mapBody(params map[string]any) ([]byte, error) {
	return tcjson.Marshal(params)
}
