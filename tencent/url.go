package tencent

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/biembed/biembed-go/internal/validate"
)

// Paths of the strong-auth embed pages under the embed host.
const (
	embedPath       = "/page/embed"
	chatBIEmbedPath = "/page/chat-bi-embed"
)

// forbiddenParamChars may not appear in page parameter names and values:
// they would change the meaning of "value=V1,V2&target=NAME".
const forbiddenParamChars = "&=,%"

// URLOption adjusts an embed URL.
type URLOption func(*urlConfig)

type urlConfig struct {
	host    string
	hostSet bool
	params  []pageParam
}

type pageParam struct {
	name   string
	values []string
}

// WithHost overrides the embed host (an http(s) URL, optionally with a path
// prefix) for one URL.
func WithHost(host string) URLOption {
	return func(c *urlConfig) { c.host, c.hostSet = host, true }
}

// WithPageParam sets the visible page parameter name to values, sent as
// params[]=urlencode("value=V1,V2&target=NAME"). Names and values must not
// be empty or contain & = , or %, which would change that string's meaning.
// Page parameters apply to page and dashboard embeds.
func WithPageParam(name string, values ...string) URLOption {
	return func(c *urlConfig) { c.params = append(c.params, pageParam{name: name, values: values}) }
}

// URL returns the strong-auth embed URL of the token:
//
//	page:      {host}/page/embed?authType=strong&projectId=P&pageId=G&scope=page&token=T
//	dashboard: {host}/page/embed?authType=strong&projectId=P&pageId=0&scope=panel&token=T
//	ChatBI:    {host}/page/chat-bi-embed?authType=strong&projectId=P&token=T
//
// The dashboard template is not published by Tencent; it is the page
// template with scope=panel (and the API's empty page id, 0). Every value is
// query-escaped, so nothing in a token or parameter can add a query
// parameter or a path segment. The host is the token's EmbedHost (the
// client's WithEmbedHost, default https://tcbi.qq.com) unless WithHost is
// given. The URL carries the token: treat it as a secret.
func (t EmbedToken) URL(opts ...URLOption) (string, error) {
	var cfg urlConfig
	for _, opt := range opts {
		if opt != nil {
			opt(&cfg)
		}
	}
	base, err := t.urlBase(cfg)
	if err != nil {
		return "", err
	}
	path, query, err := t.urlQuery(cfg.params)
	if err != nil {
		return "", err
	}
	u := *base
	u.Path += path
	u.RawQuery = query
	return u.String(), nil
}

func (t EmbedToken) urlBase(cfg urlConfig) (*url.URL, error) {
	host, field := t.EmbedHost, "EmbedToken.EmbedHost"
	if cfg.hostSet {
		host, field = cfg.host, "WithHost"
	}
	if host == "" && !cfg.hostSet {
		host = DefaultEmbedHost
	}
	u, err := parseEmbedHost(host)
	if err != nil {
		return nil, validate.Fieldf(field, "%s", err.Rule)
	}
	return u, nil
}

// urlQuery returns the path and the raw query of the token's embed page.
func (t EmbedToken) urlQuery(params []pageParam) (string, string, error) {
	switch {
	case t.Value.Reveal() == "":
		return "", "", validate.Fieldf("EmbedToken.Value", "must be set")
	case t.ProjectID == 0:
		return "", "", validate.Fieldf("EmbedToken.ProjectID", "must be set")
	}
	if err := checkTarget("EmbedToken", t.Intention, t.Scope, t.PageID); err != nil {
		return "", "", err
	}
	project := strconv.FormatUint(t.ProjectID, 10)
	if t.Scope == ScopeProject {
		if len(params) > 0 {
			return "", "", validate.Fieldf("WithPageParam", "applies to page and dashboard embeds, not ChatBI")
		}
		return chatBIEmbedPath, "authType=strong&projectId=" + project + "&token=" + url.QueryEscape(t.Value.Reveal()), nil
	}
	var q strings.Builder
	q.WriteString("authType=strong&projectId=" + project + "&pageId=" + strconv.FormatUint(t.PageID, 10) +
		"&scope=" + string(t.Scope) + "&token=" + url.QueryEscape(t.Value.Reveal()))
	for _, p := range params {
		inner, err := p.encode()
		if err != nil {
			return "", "", err
		}
		q.WriteString("&params[]=" + url.QueryEscape(inner))
	}
	return embedPath, q.String(), nil
}

// encode returns "value=V1,V2&target=NAME" after checking the parts.
func (p pageParam) encode() (string, error) {
	field := validate.Key("WithPageParam", p.name)
	if p.name == "" || strings.ContainsAny(p.name, forbiddenParamChars) {
		return "", validate.Fieldf(field, "name must be set and not contain & = , or %%")
	}
	if len(p.values) == 0 {
		return "", validate.Fieldf(field, "must have at least one value")
	}
	for i, v := range p.values {
		if v == "" || strings.ContainsAny(v, forbiddenParamChars) {
			return "", validate.Fieldf(validate.Index(field, i), "must be set and not contain & = , or %%")
		}
	}
	return "value=" + strings.Join(p.values, ",") + "&target=" + p.name, nil
}
