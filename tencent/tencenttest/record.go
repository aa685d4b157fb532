package tencenttest

import (
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/biembed/biembed-go/clientsetting"
	"github.com/biembed/biembed-go/filtermap"
	"github.com/biembed/biembed-go/tencent"
)

// EmbedPage names embed page visits (GET /page/embed and
// /page/chat-bi-embed) in Request.Action, Count and Fault.Action; API
// requests use the Action* names.
const EmbedPage = "EmbedPage"

// EmbedStatus names the requests an open embed page's script makes to ask
// whether its token still works (GET /page/status).
const EmbedStatus = "EmbedStatus"

// Request is one request the fake received, recorded before any check.
// Body, Params and Query may hold tokens; String, GoString and LogValue show
// none of them.
type Request struct {
	// Action is the X-TC-Action header, EmbedPage for a page visit, or
	// EmbedStatus for a page's status poll.
	Action string
	Method string
	Path   string
	Query  url.Values
	// Header holds the request headers except Authorization.
	Header http.Header
	// Body is the request body as it came.
	Body []byte
	// Params is Body decoded with json.Decoder.UseNumber, so numbers are
	// json.Number and strings are string: tests can tell "30" from 30. It is
	// nil when the body was not a JSON object.
	Params map[string]any
	// CreateEmbedToken is the decoded request of a CreateEmbedToken call,
	// its GlobalParam and ConfigParam JSON strings parsed into GlobalParams
	// and Config; nil for other actions. Values of the wrong type decode as
	// zero; see Params for the wire form.
	CreateEmbedToken *tencent.CreateEmbedTokenRequest
}

// String describes r without query values, headers or body.
func (r Request) String() string {
	return r.Method + " " + r.Path + " (" + r.Action + ", " + strconv.Itoa(len(r.Body)) + "-byte body)"
}

// GoString is String, so %#v reveals no token either.
func (r Request) GoString() string { return "tencenttest.Request{" + r.String() + "}" }

// LogValue logs the action, method and path only.
func (r Request) LogValue() slog.Value {
	return slog.GroupValue(slog.String("action", r.Action), slog.String("method", r.Method), slog.String("path", r.Path))
}

// decodeCreate reads a CreateEmbedToken body into the client's request type.
func decodeCreate(params map[string]any) *tencent.CreateEmbedTokenRequest {
	r := &paramReader{p: params}
	req := &tencent.CreateEmbedTokenRequest{
		ProjectID: r.uint("ProjectId"), PageID: r.uint("PageId"),
		Intention: tencent.Intention(r.str("Intention")), Scope: tencent.Scope(r.str("Scope")),
		ExtraParam: r.str("ExtraParam"), UserCorpID: r.str("UserCorpId"), UserID: r.str("UserId"),
		TicketNum: r.int("TicketNum"), TokenType: tencent.TokenType(r.int("TokenType")), TokenNum: r.int("TokenNum"),
	}
	if m, err := strconv.ParseInt(r.str("ExpireTime"), 10, 64); err == nil {
		req.Expiry = time.Duration(m) * time.Minute
	}
	req.GlobalParams, _ = filtermap.ParseGlobalParams(r.str("GlobalParam"))
	req.Config, _ = clientsetting.ParseChatBIConfig(r.str("ConfigParam"))
	return req
}
