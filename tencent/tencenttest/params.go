package tencenttest

import (
	"encoding/json"
	"sort"
	"strconv"
)

// Error codes the fake answers with besides the AuthFailure ones.
const (
	codeInvalidAction         = "InvalidAction"
	codeNoSuchVersion         = "NoSuchVersion"
	codeInvalidParameter      = "InvalidParameter"
	codeInvalidParameterEmbed = "InvalidParameter.Embed"
	codeInvalidParameterValue = "InvalidParameterValue"
	codeMissingParameter      = "MissingParameter.MissingParam"
	codeUnknownParameter      = "UnknownParameter"
	codeUnsupportedOperation  = "UnsupportedOperation"
	codeRequestLimitExceeded  = "RequestLimitExceeded"
)

// Documented limits and values of CreateEmbedToken.
const (
	maxExpireMinutes     = 240
	defaultExpireMinutes = 240
	maxTicketNum         = 99999
	tokenTypeNoUser      = 100
	tokenTypeSingleUser  = 200
	tokenTypeMultiUser   = 300
	intentionEmbed       = "embed"
	intentionChatBI      = "chatBIEmbed"
	scopePage            = "page"
	scopePanel           = "panel"
	scopeProject         = "project"
)

// apiError is an error answer: {"Error":{"Code","Message"}}.
type apiError struct {
	Code    string
	Message string
}

func newAPIError(code, msg string) *apiError { return &apiError{Code: code, Message: msg} }

// paramReader reads typed values out of a decoded body and keeps the first
// problem it meets, so handlers read every field and check once.
type paramReader struct {
	p   map[string]any
	err *apiError
}

// onlyKnown records UnknownParameter for the first key (in sorted order) that
// is not in known.
func (r *paramReader) onlyKnown(known ...string) {
	allowed := map[string]bool{}
	for _, k := range known {
		allowed[k] = true
	}
	keys := make([]string, 0, len(r.p))
	for k := range r.p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !allowed[k] {
			r.fail(codeUnknownParameter, "the parameter `"+k+"` is not recognized")
			return
		}
	}
}

func (r *paramReader) fail(code, msg string) {
	if r.err == nil {
		r.err = newAPIError(code, msg)
	}
}

// has reports whether name is present and not null.
func (r *paramReader) has(name string) bool { return r.p[name] != nil }

func (r *paramReader) str(name string) string {
	v, ok := r.p[name]
	if !ok || v == nil {
		return ""
	}
	s, ok := v.(string)
	if !ok {
		r.fail(codeInvalidParameterValue, "the parameter `"+name+"` must be a string")
	}
	return s
}

func (r *paramReader) uint(name string) uint64 {
	n, ok := r.number(name)
	if !ok {
		return 0
	}
	u, err := strconv.ParseUint(n.String(), 10, 64)
	if err != nil {
		r.fail(codeInvalidParameterValue, "the parameter `"+name+"` must be a non-negative integer")
	}
	return u
}

func (r *paramReader) int(name string) int64 {
	n, ok := r.number(name)
	if !ok {
		return 0
	}
	i, err := strconv.ParseInt(n.String(), 10, 64)
	if err != nil {
		r.fail(codeInvalidParameterValue, "the parameter `"+name+"` must be an integer")
	}
	return i
}

func (r *paramReader) number(name string) (json.Number, bool) {
	v, ok := r.p[name]
	if !ok || v == nil {
		return "", false
	}
	n, ok := v.(json.Number)
	if !ok {
		r.fail(codeInvalidParameterValue, "the parameter `"+name+"` must be an integer")
	}
	return n, ok
}

// uintString reads a parameter that travels as a string of digits.
func (r *paramReader) uintString(name string) uint64 {
	s := r.str(name)
	if s == "" {
		return 0
	}
	u, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		r.fail(codeInvalidParameterValue, "the parameter `"+name+"` must be a string of digits")
	}
	return u
}

// checkTarget checks that intention and scope are known and fit each other
// and the page id, the rules shared by CreateEmbedToken and ApplyEmbedInterval.
func (r *paramReader) checkTarget(intention, scope string, pageID uint64) {
	switch {
	case intention != intentionEmbed && intention != intentionChatBI:
		r.fail(codeInvalidParameterValue, "Intention must be embed or chatBIEmbed")
	case intention == intentionEmbed && scope != scopePage && scope != scopePanel:
		r.fail(codeInvalidParameterValue, "Scope must be page or panel for embed")
	case intention == intentionChatBI && scope != scopeProject:
		r.fail(codeInvalidParameterValue, "Scope must be project for chatBIEmbed")
	case intention == intentionChatBI && r.has("PageId"):
		r.fail(codeInvalidParameterValue, "PageId is not passed for ChatBI embedding")
	case scope == scopePage && pageID == 0:
		r.fail(codeMissingParameter, "PageId is required for page scope")
	case scope == scopePanel && pageID != 0:
		r.fail(codeInvalidParameterValue, "PageId must be empty (0) for panel scope")
	}
}
