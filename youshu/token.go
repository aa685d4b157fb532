package youshu

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/biembed/biembed-go/biembed"
	"github.com/biembed/biembed-go/internal/validate"
)

// EmbedToken is a minted token and what the client knows about it. Value is a
// biembed.Secret: no fmt verb, slog handler or json.Marshal shows it.
type EmbedToken struct {
	// Value goes into integration URLs as token=.
	Value biembed.Secret `json:"value"`
	// BaseURL is the Youshu host the token belongs to; URL builds on it.
	BaseURL string `json:"baseURL"`
	// IssuedAt is the client's clock when the genToken request was sent.
	IssuedAt time.Time `json:"issuedAt"`
	// ExpiresAt is IssuedAt plus the requested Expiry; zero when none was
	// requested (the server's default is not documented). Renewals move the
	// real expiry past it.
	ExpiresAt time.Time `json:"expiresAt,omitzero"`
	// SingleUse reports a once token: the first visitor uses it up.
	SingleUse bool `json:"singleUse,omitempty"`
	// AutoRenew is how far each use extends the token (zero: none).
	AutoRenew time.Duration `json:"autoRenew,omitempty"`
}

// URLOption picks the page of a URL and adds to its query.
type URLOption func(*urlConfig)

type urlConfig struct {
	path  string // escaped, relative to the base URL
	query url.Values
	err   error
}

// page picks path, keeping the first error.
func (c *urlConfig) page(path string, err error) {
	if c.path != "" && c.err == nil {
		err = validate.Fieldf("URLOption", "names two pages")
	}
	c.path = path
	if c.err == nil {
		c.err = err
	}
}

// Report picks the report integration page {base}/dash/integration/{projectID}.
func Report(projectID int64) URLOption {
	return func(c *urlConfig) {
		c.page("dash/integration/"+strconv.FormatInt(projectID, 10), positive(projectID, 1))
	}
}

// Screen picks the large screen page
// {base}/dash/screenIntegration/{projectID}?sid={screenID}.
func Screen(projectID, screenID int64) URLOption {
	return func(c *urlConfig) {
		c.page("dash/screenIntegration/"+strconv.FormatInt(projectID, 10), positive(projectID, screenID))
		c.query.Add("sid", strconv.FormatInt(screenID, 10))
	}
}

// NewScreen picks the new large screen page
// {base}/dash/newScreen/integration/view/{sid}; sid is one path segment.
func NewScreen(sid string) URLOption {
	return func(c *urlConfig) {
		err := checkPath(sid)
		if strings.Contains(sid, "/") {
			err = validate.Fieldf("sid", "must be one path segment")
		}
		c.page("dash/newScreen/integration/view/"+sid, err)
	}
}

// WithPath picks any other integration page, {base}/{path}, such as
// dash/cockpitIntegration (the cockpit) or chatbi/dialogIntegration (ChatBI,
// whose settings belong in the token's clientSetting.chatBi, where the
// viewer cannot change them): letters, digits and -._~/ only, no empty, "."
// or ".." segments (a leading "/" is allowed).
func WithPath(path string) URLOption {
	return func(c *urlConfig) {
		path = strings.TrimPrefix(path, "/")
		c.page(path, checkPath(path))
	}
}

// WithQuery adds the page's own parameters (such as a report's filters) to
// the URL; it must not set token. Display settings belong in the token's
// clientSetting, never in the URL, where the viewer could change them.
func WithQuery(q url.Values) URLOption {
	return func(c *urlConfig) {
		for k, vs := range q {
			c.query[k] = append(c.query[k], vs...)
		}
	}
}

// positive refuses a project id or screen id that is not positive.
func positive(projectID, screenID int64) error {
	switch {
	case projectID <= 0:
		return validate.Fieldf("projectID", "must be positive")
	case screenID <= 0:
		return validate.Fieldf("screenID", "must be positive")
	}
	return nil
}

func checkPath(p string) error {
	if p == "" || strings.Trim(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~/") != "" {
		return validate.Fieldf("path", "must be letters, digits and -._~/ only")
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return validate.Fieldf("path", "must not have empty, . or .. segments")
		}
	}
	return nil
}

// URL returns the integration URL of the page an option picks (Report,
// Screen, NewScreen or WithPath), carrying the token as token=. The URL carries the token: treat it as a secret.
func (t *EmbedToken) URL(opts ...URLOption) (string, error) {
	cfg := urlConfig{query: url.Values{}}
	for _, opt := range opts {
		if opt != nil {
			opt(&cfg)
		}
	}
	switch {
	case t == nil || t.Value.Reveal() == "":
		return "", validate.Fieldf("EmbedToken", "must be a minted token (Value set)")
	case cfg.err != nil:
		return "", cfg.err
	case cfg.path == "":
		return "", validate.Fieldf("URLOption", "a page is required: Report, Screen, NewScreen or WithPath")
	case cfg.query.Has("token"):
		return "", validate.Fieldf("WithQuery", "must not set token")
	}
	base, err := url.Parse(t.BaseURL)
	if err != nil || base.Host == "" || (base.Scheme != "https" && base.Scheme != "http") {
		return "", validate.Fieldf("EmbedToken.BaseURL", "must be the absolute URL of the Youshu host")
	}
	cfg.query.Set("token", t.Value.Reveal())
	u := url.URL{Scheme: base.Scheme, Host: base.Host, Path: strings.TrimRight(base.Path, "/") + "/" + cfg.path,
		RawQuery: cfg.query.Encode()}
	return u.String(), nil
}
