package youshu

import (
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/biembed/biembed-go/internal/redact"
	"github.com/biembed/biembed-go/internal/validate"
)

// Token is a minted token and what the client knows about it. Value is a
// Secret: every fmt verb, slog handler and json.Marshal show it masked, and
// Value.Reveal() returns it. A store that keeps tokens encodes Value.Reveal()
// itself (json.Unmarshal takes the raw value back).
type Token struct {
	// Value goes into integration URLs as token=.
	Value Secret `json:"value"`
	// BaseURL is the Youshu host the token belongs to; the URL methods build on it.
	BaseURL string `json:"baseURL"`
	// IssuedAt is the client's clock when the genToken request was sent.
	IssuedAt time.Time `json:"issuedAt"`
	// ExpiresAt is IssuedAt plus the requested Expiry. It is zero when no
	// Expiry was requested: the server default applies and is unknown (the
	// document contradicts itself), so a zero ExpiresAt means "unknown".
	// Renewals (RenewToken, AutoRenew) move the real expiry past it.
	ExpiresAt time.Time `json:"expiresAt,omitzero"`
	// SingleUse reports a once token: the first visitor uses it up.
	SingleUse bool `json:"singleUse,omitempty"`
	// AutoRenew is how far each use extends the token (zero: no auto-renewal).
	AutoRenew time.Duration `json:"autoRenew,omitempty"`
}

func newToken(base *url.URL, value string, issued time.Time, req *GenTokenRequest) *Token {
	t := &Token{Value: Secret(value), BaseURL: base.String(), IssuedAt: issued, SingleUse: req.Once}
	if req.Expiry > 0 {
		t.ExpiresAt = issued.Add(req.Expiry)
	}
	if req.AutoRenew != nil {
		t.AutoRenew = req.AutoRenew.Expiry
	}
	return t
}

// String describes t with Value masked.
func (t Token) String() string {
	var b strings.Builder
	b.WriteString("youshu.Token{Value: " + t.Value.GoString())
	b.WriteString(", IssuedAt: " + t.IssuedAt.Format(time.RFC3339))
	if !t.ExpiresAt.IsZero() {
		b.WriteString(", ExpiresAt: " + t.ExpiresAt.Format(time.RFC3339))
	}
	if t.SingleUse {
		b.WriteString(", SingleUse")
	}
	if t.AutoRenew != 0 {
		b.WriteString(", AutoRenew: " + t.AutoRenew.String())
	}
	return b.String() + "}"
}

// GoString is String, so %#v does not reveal Value either.
func (t Token) GoString() string { return t.String() }

// Format writes String for every verb (GoString for %#v), so no verb
// reveals Value.
func (t Token) Format(f fmt.State, verb rune) { redact.FormatString(f, verb, t) }

// LogValue logs t with Value masked.
func (t Token) LogValue() slog.Value {
	return slog.GroupValue(
		slog.Any("value", t.Value),
		slog.Time("issuedAt", t.IssuedAt),
		slog.Time("expiresAt", t.ExpiresAt),
		slog.Bool("singleUse", t.SingleUse),
	)
}

// ReportURL returns the report integration page
// {base}/dash/integration/{projectID}?token=T plus query (the report's own
// parameters; it must not set token). Display settings belong in the token's
// clientSetting, never in the URL, where the viewer could change them.
func (t Token) ReportURL(projectID int64, query url.Values) (string, error) {
	if projectID <= 0 {
		return "", validate.Fieldf("projectID", "must be positive")
	}
	return t.build("dash/integration/"+strconv.FormatInt(projectID, 10), query)
}

// ScreenURL returns the large screen page
// {base}/dash/screenIntegration/{projectID}?sid={screenID}&token=T.
func (t Token) ScreenURL(projectID, screenID int64) (string, error) {
	if projectID <= 0 {
		return "", validate.Fieldf("projectID", "must be positive")
	}
	if screenID <= 0 {
		return "", validate.Fieldf("screenID", "must be positive")
	}
	return t.build("dash/screenIntegration/"+strconv.FormatInt(projectID, 10),
		url.Values{"sid": {strconv.FormatInt(screenID, 10)}})
}

// NewScreenURL returns the new large screen page
// {base}/dash/newScreen/integration/view/{sid}?token=T. sid must be one
// path segment of letters, digits and "-._~" (not "." or ".."), so no proxy
// can decode it into another path.
func (t Token) NewScreenURL(sid string) (string, error) {
	if strings.Contains(sid, "/") || checkRelativePath(sid) != nil {
		return "", validate.Fieldf("sid", `must be a screen id: letters, digits and -._~, not "." or ".."`)
	}
	return t.build("dash/newScreen/integration/view/"+sid, nil)
}

// CockpitURL returns the cockpit page {base}/dash/cockpitIntegration?token=T.
func (t Token) CockpitURL() (string, error) {
	return t.build("dash/cockpitIntegration", nil)
}

// ChatBIURL returns the ChatBI dialog page {base}/chatbi/dialogIntegration?token=T,
// the route the genToken document names. Its settings (the question, the
// data models, which tools show) belong in the token's clientSetting.chatBi,
// where the viewer cannot change them; the fields of clientsetting.ChatBI
// marked "dialog only" take effect only on this page. Use PathURL for a
// deployment that serves ChatBI elsewhere.
func (t Token) ChatBIURL() (string, error) {
	return t.build("chatbi/dialogIntegration", nil)
}

// PathURL returns {base}/{path}?token=T plus query, for any other
// integration page (such as ChatBI pages besides the dialog, whose paths
// Youshu does not publish). path is
// relative to the base URL (a leading "/" is allowed and means the same):
// letters, digits and "-._~/" only, no empty, "." or ".." segments.
func (t Token) PathURL(path string, query url.Values) (string, error) {
	if err := checkRelativePath(strings.TrimPrefix(path, "/")); err != nil {
		return "", err
	}
	return t.build(strings.TrimPrefix(path, "/"), query)
}

func checkRelativePath(p string) error {
	if p == "" {
		return validate.Fieldf("path", "required")
	}
	for _, r := range p {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-._~/", r)) {
			return validate.Fieldf("path", "may hold only letters, digits and -._~/")
		}
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return validate.Fieldf("path", "must not have empty, . or .. segments")
		}
	}
	return nil
}

// build joins base and an already escaped relative path and adds token= to query.
func (t Token) build(escapedPath string, query url.Values) (string, error) {
	if t.Value == "" {
		return "", validate.Fieldf("token", "has no value")
	}
	if _, ok := query["token"]; ok {
		return "", validate.Fieldf("query", "must not set token")
	}
	base, err := url.Parse(t.BaseURL)
	if err != nil || base.Host == "" || (base.Scheme != "https" && base.Scheme != "http") {
		return "", validate.Fieldf("BaseURL", "must be the absolute URL of the Youshu host")
	}
	q := url.Values{"token": {t.Value.Reveal()}}
	for k, v := range query {
		q[k] = append([]string(nil), v...)
	}
	u := url.URL{Scheme: base.Scheme, Host: base.Host, RawQuery: q.Encode()}
	u.RawPath = strings.TrimRight(base.EscapedPath(), "/") + "/" + escapedPath
	u.Path, err = url.PathUnescape(u.RawPath)
	if err != nil {
		return "", validate.Fieldf("BaseURL", "has a malformed path")
	}
	return u.String(), nil
}
