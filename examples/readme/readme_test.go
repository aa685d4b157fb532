package readme

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"

	"github.com/biembed/biembed-go/internal/testkit/redistest"
	"github.com/biembed/biembed-go/tencent"
	"github.com/biembed/biembed-go/tencent/tencenttest"
	"github.com/biembed/biembed-go/youshu"
	"github.com/biembed/biembed-go/youshu/youshutest"
)

// youshuHost is a Youshu fake served over https. The README's code builds
// its clients as production code does, with https and the default
// transport, so TestMain makes this process trust the fake's certificate
// (as a machine trusts its Youshu host's) before any client clones
// http.DefaultTransport.
var youshuHost *youshutest.Server

func TestMain(m *testing.M) {
	youshuHost = youshutest.NewServer(youshutest.WithTLS(),
		youshutest.WithAccount(youshutest.Account{UniqueID: "alice", Email: "alice@example.com"}),
		youshutest.WithAccount(youshutest.Account{UniqueID: "dave", Email: "dave@example.com"}))
	trusted := youshuHost.HTTPClient().Transport.(*http.Transport).TLSClientConfig.RootCAs
	http.DefaultTransport.(*http.Transport).TLSClientConfig = &tls.Config{RootCAs: trusted, MinVersion: tls.VersionTLS12}
	code := m.Run()
	youshuHost.Close()
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// ---- (a) every snippet runs against the fakes ----

var (
	grantUser = regexp.MustCompile(`<dd id="grant-user">([^<]*)</dd>`)
	rowFilter = regexp.MustCompile(`<li class="row-filter">([^<]*)</li>`)
	refusal   = regexp.MustCompile(`<section id="error"[^>]* data-reason="([^"]*)"`)
)

// page is what a fake's embed page showed: the user and row filters of a
// token it accepts, or the reason it refused one.
type page struct {
	status  int
	user    string
	rows    []string
	refusal string
}

// open opens link (on a fake) as a browser would.
func open(t *testing.T, link string) page {
	t.Helper()
	browser := &http.Client{Transport: &http.Transport{DisableKeepAlives: true,
		TLSClientConfig: http.DefaultTransport.(*http.Transport).TLSClientConfig.Clone()}}
	resp, err := browser.Get(link)
	if err != nil {
		t.Fatalf("GET the embed page: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	p := page{status: resp.StatusCode}
	if m := grantUser.FindSubmatch(body); m != nil {
		p.user = string(m[1])
	}
	for _, m := range rowFilter.FindAllSubmatch(body, -1) {
		p.rows = append(p.rows, string(m[1]))
	}
	if m := refusal.FindSubmatch(body); m != nil {
		p.refusal = string(m[1])
	}
	return p
}

// tokenOf returns the token an embed URL carries.
func tokenOf(t *testing.T, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	tok := u.Query().Get("token")
	if tok == "" {
		t.Fatalf("no token in %s", link)
	}
	return tok
}

func TestTencentQuickUseMintsTheUsersToken(t *testing.T) {
	t.Parallel()
	srv := tencenttest.NewTestServer(t)
	var out bytes.Buffer
	if err := TencentQuickUse(context.Background(), &out, tencenttest.SecretID, tencenttest.SecretKey, srv.URL(), 7, 8, "corp-1", "alice"); err != nil {
		t.Fatal(err)
	}
	link := strings.TrimSpace(out.String())
	if !strings.HasPrefix(link, "https://tcbi.qq.com/page/embed?authType=strong&projectId=7&pageId=8&scope=page&token=") {
		t.Fatalf("URL = %s", link)
	}
	issued, ok := srv.Lookup(tokenOf(t, link))
	if !ok {
		t.Fatal("the fake does not know the token")
	}
	if issued.UserCorpID != "corp-1" || issued.UserID != "alice" || issued.ExpireMinutes != 30 {
		t.Fatalf("token for %s/%s, %d minutes; want corp-1/alice, 30", issued.UserCorpID, issued.UserID, issued.ExpireMinutes)
	}
	// The same path and query on the fake: the page a browser would show.
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	p := open(t, srv.URL()+u.Path+"?"+u.RawQuery)
	if p.user != "alice (corp corp-1)" || len(p.rows) != 1 || !strings.Contains(p.rows[0], "province") ||
		!strings.Contains(p.rows[0], "Hubei, Hunan") {
		t.Fatalf("page shows %+v; want alice of corp-1 with the provinces Hubei and Hunan", p)
	}

	// A bad request fails before anything is sent.
	srv.ResetRequests()
	err = TencentQuickUse(context.Background(), io.Discard, tencenttest.SecretID, tencenttest.SecretKey, srv.URL(), 7, 8, "corp-1", "")
	if err == nil || !strings.Contains(err.Error(), "UserID") || srv.Count("") != 0 {
		t.Fatalf("no user: err = %v, calls = %d; want a validation error and no call", err, srv.Count(""))
	}
}

func TestYoushuQuickUseMintsTheUsersToken(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	if err := YoushuQuickUse(context.Background(), &out, youshuHost.URL(), youshutest.Admin().TokenKey, 42, "alice"); err != nil {
		t.Fatal(err)
	}
	link := strings.TrimSpace(out.String())
	if !strings.HasPrefix(link, youshuHost.URL()+"/dash/integration/42?token=") {
		t.Fatalf("URL = %s", link)
	}
	p := open(t, link)
	if p.user != "alice" || len(p.rows) != 1 || !strings.Contains(p.rows[0], "region in East, North") {
		t.Fatalf("page shows %+v; want alice with the regions East and North", p)
	}

	// A plain-http host is refused: the README's code is production code.
	err := YoushuQuickUse(context.Background(), io.Discard, "http://bi.example.com", youshutest.Admin().TokenKey, 42, "alice")
	if err == nil || !strings.Contains(err.Error(), "https") {
		t.Fatalf("http host: err = %v, want https required", err)
	}
}

func TestPermissionsRenderOneRuleForBothVendors(t *testing.T) {
	t.Parallel()
	treq := tencent.NewPageRequest(7, 8)
	yreq := &youshu.GenTokenRequest{AuthUniqueID: "bob", Expiry: time.Hour}
	if err := Permissions(context.Background(), treq, yreq); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	tsrv := tencenttest.NewTestServer(t)
	tclient, err := tencent.NewClient(tencent.WithSecret(tencenttest.SecretID, tencenttest.SecretKey),
		tencent.WithEndpoint(tsrv.URL()), tencent.WithEmbedHost(tsrv.URL()))
	if err != nil {
		t.Fatal(err)
	}
	ttok, err := tclient.CreateEmbedToken(ctx, treq)
	if err != nil {
		t.Fatal(err)
	}
	tlink, err := ttok.URL()
	if err != nil {
		t.Fatal(err)
	}

	ysrv := youshutest.NewTestServer(t, youshutest.WithAccount(youshutest.Account{UniqueID: "bob", Email: "bob@example.com"}))
	yclient, err := youshu.NewClient(ysrv.URL(), youshu.WithInsecureHTTP(), youshu.WithCredential(youshutest.AdminCredential()))
	if err != nil {
		t.Fatal(err)
	}
	ytok, err := yclient.GenToken(ctx, yreq)
	if err != nil {
		t.Fatal(err)
	}
	ylink, err := ytok.URL(youshu.Report(1))
	if err != nil {
		t.Fatal(err)
	}
	for vendor, link := range map[string]string{"tencent": tlink, "youshu": ylink} {
		p := open(t, link)
		if len(p.rows) != 1 || !strings.Contains(p.rows[0], "region") || !strings.Contains(p.rows[0], "East, North") {
			t.Errorf("%s page shows rows %q; want the regions East and North", vendor, p.rows)
		}
	}

	// A request that breaks a rule is reported, naming the field.
	bad := tencent.NewPageRequest(0, 8)
	if err := Permissions(ctx, bad, &youshu.GenTokenRequest{}); err == nil || !strings.Contains(err.Error(), "ProjectID") {
		t.Fatalf("err = %v, want ProjectID named", err)
	}
}

func TestCachingForgetsThenRevokes(t *testing.T) {
	t.Parallel()
	srv := youshutest.NewTestServer(t, youshutest.WithAccount(youshutest.Account{UniqueID: "bob", Email: "bob@example.com"}))
	client, err := youshu.NewClient(srv.URL(), youshu.WithInsecureHTTP(), youshu.WithCredential(youshutest.AdminCredential()))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := Caching(context.Background(), &out, client, "bob", 3); err != nil {
		t.Fatal(err)
	}
	link := strings.TrimSpace(out.String())
	forgotten := tokenOf(t, link)

	// Forget left the first token working: only the cache dropped it.
	if p := open(t, link); p.user != "bob" {
		t.Fatalf("the forgotten token's page: %+v; want it to still show bob", p)
	}
	// The Get after Forget minted a second token for bob, which Revoke
	// removed; RevokeUser found nothing left to remove.
	var minted []string
	removed := 0
	for _, r := range srv.Requests() {
		switch {
		case r.GenToken != nil && r.GenToken.UseType == "":
			if r.GenToken.AuthUniqueID != "bob" {
				t.Fatalf("a token minted for %q", r.GenToken.AuthUniqueID)
			}
			minted = append(minted, r.Path)
		case r.Endpoint == "rmToken":
			removed++
			if r.Query.Get("t") == forgotten {
				t.Fatal("Revoke removed the forgotten token: it reaches only what the cache holds")
			}
		}
	}
	if len(minted) != 2 || removed != 1 {
		t.Fatalf("tokens minted: %d, rmToken calls: %d; want 2 (before and after Forget) and 1 (Revoke)", len(minted), removed)
	}
	if issued, ok := srv.Lookup(forgotten); !ok || issued.Removed {
		t.Fatalf("the forgotten token: known %t, removed %t; want known and not removed", ok, issued.Removed)
	}
}

func TestFleetSharesOneMintAcrossReplicas(t *testing.T) {
	t.Parallel()
	redisSrv := redistest.Start(t) // skips without redis-server (fails under CI=true)
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	sealKeyHex := hex.EncodeToString(key)
	ctx := context.Background()

	treq := tencent.NewPageRequest(7, 8)
	treq.Expiry = 30 * time.Minute
	treq.TokenType, treq.UserCorpID, treq.UserID = tencent.TokenTypeSingleUser, "corp-1", "alice"
	yreq := &youshu.GenTokenRequest{AuthUniqueID: "dave", Expiry: time.Hour} // dave is this test's alone
	youshuMints := func() int {
		n := 0
		for _, r := range youshuHost.Requests() {
			if r.GenToken != nil && r.GenToken.UseType == "" && r.GenToken.AuthUniqueID == "dave" {
				n++
			}
		}
		return n
	}

	// Replica A, then replica B: each its own Redis client, Fleets, clients
	// and caches. A Redis call slower than redisstore's Timeout (100ms, on
	// a loaded machine) sends a replica to its local fallback, where it
	// mints for itself, by design: such a run is tried again, and a run
	// whose Redis calls all succeeded must share.
	var tencentTokens, youshuTokens []string
	var tsrv *tencenttest.Server
	for attempt := 1; ; attempt++ {
		redisSrv.Raw("FLUSHALL")
		tsrv = tencenttest.NewTestServer(t)
		tencentTokens, youshuTokens = nil, nil
		// replica serves one request of each vendor, as a replica would.
		replica := func(r *Replica) error {
			defer r.Tencent.Close()
			defer r.Youshu.Close()
			ttok, err := r.Tencent.Get(ctx, treq)
			if err != nil {
				return err
			}
			ytok, err := r.Youshu.Get(ctx, yreq)
			if err != nil {
				return err
			}
			tencentTokens = append(tencentTokens, ttok.Value.Reveal())
			youshuTokens = append(youshuTokens, ytok.Value.Reveal())
			return nil
		}
		tencentOpts := func() []tencent.Option {
			return []tencent.Option{tencent.WithSecret(tencenttest.SecretID, tencenttest.SecretKey), tencent.WithEndpoint(tsrv.URL())}
		}
		youshuOpts := func() []youshu.Option {
			return []youshu.Option{youshu.WithCredential(youshutest.AdminCredential())}
		}
		ymintsBefore := youshuMints()
		var redisErrs []error
		for range 2 {
			rdb := redisSrv.ClientFor(t)
			rdb.AddHook(errorHook{&redisErrs})
			var r Replica
			if err := Fleet(rdb, sealKeyHex, tencentOpts(), youshuHost.URL(), youshuOpts(), &r); err != nil {
				t.Fatal(err)
			}
			if err := replica(&r); err != nil {
				t.Fatal(err)
			}
		}
		shared := tencentTokens[0] == tencentTokens[1] && youshuTokens[0] == youshuTokens[1]
		if !shared && len(redisErrs) > 0 && attempt < 3 {
			t.Logf("attempt %d: Redis failed (%v), so the replicas fell back to their own memory; again", attempt, redisErrs[0])
			continue
		}
		if !shared {
			t.Fatalf("replica B did not serve the tokens replica A minted: Tencent shared %t, Youshu shared %t; Redis errors: %v",
				tencentTokens[0] == tencentTokens[1], youshuTokens[0] == youshuTokens[1], redisErrs)
		}
		if n := tsrv.Count("CreateEmbedToken"); n != 1 {
			t.Fatalf("Tencent mints: %d, want 1", n)
		}
		if n := youshuMints() - ymintsBefore; n != 1 {
			t.Fatalf("Youshu mints: %d, want 1", n)
		}
		break
	}
	// Redis holds the tokens sealed: no value in the clear.
	for _, k := range redisSrv.Raw("KEYS", "*").([]any) {
		dump := fmt.Sprint(redisSrv.Raw("DUMP", k))
		for _, tok := range []string{tencentTokens[0], youshuTokens[0]} {
			if strings.Contains(dump, tok) {
				t.Fatalf("Redis key %v holds a token in the clear", k)
			}
		}
	}

	// A seal key that is not hex, or not 16, 24 or 32 bytes, is refused.
	for _, bad := range []string{"not hex", hex.EncodeToString([]byte("short"))} {
		err := Fleet(redisSrv.ClientFor(t), bad, nil, youshuHost.URL(), nil, &Replica{})
		if err == nil {
			t.Fatalf("seal key %q accepted", bad)
		}
	}
}

// errorHook records the errors of Redis calls, but for the misses of
// Redis's script cache (go-redis answers NOSCRIPT by sending the script).
type errorHook struct{ errs *[]error }

var errorHookMu sync.Mutex

func (h errorHook) record(err error) {
	if err != nil && err != redis.Nil && !strings.HasPrefix(err.Error(), "NOSCRIPT") {
		errorHookMu.Lock()
		*h.errs = append(*h.errs, err)
		errorHookMu.Unlock()
	}
}

func (h errorHook) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := next(ctx, network, addr)
		h.record(err)
		return c, err
	}
}

func (h errorHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		h.record(err)
		return err
	}
}

func (h errorHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		err := next(ctx, cmds)
		h.record(err)
		return err
	}
}

func TestTestingWithFakes(t *testing.T) {
	t.Parallel()
	if err := TestingWithFakes(context.Background(), t); err != nil {
		t.Fatal(err)
	}
}

// ---- (b) README.md quotes these functions, verbatim ----

// snippets returns the body of every function in this package's non-test
// files, by function name, normalized.
func snippets(t *testing.T) map[string][]string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	bodies := map[string][]string{}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, name, src, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Body == nil {
				continue
			}
			from, to := fset.Position(fn.Body.Lbrace).Offset+1, fset.Position(fn.Body.Rbrace).Offset
			bodies[fn.Name.Name] = normalize(string(src[from:to]))
		}
	}
	if len(bodies) == 0 {
		t.Fatal("no snippet functions found")
	}
	return bodies
}

// normalize trims each line's indentation and trailing space, and the blank
// lines around the text.
func normalize(s string) []string {
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		lines = append(lines, strings.TrimRight(strings.TrimLeft(l, " \t"), " \t\r"))
	}
	for len(lines) > 0 && lines[0] == "" {
		lines = lines[1:]
	}
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// goBlock is one ```go block of a Markdown file.
type goBlock struct {
	line  int // of the opening fence, 1-based
	lines []string
}

// goBlocks returns the ```go blocks of the Markdown file at path, normalized.
func goBlocks(t *testing.T, path string) []goBlock {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var blocks []goBlock
	var cur *goBlock
	var fence string
	for i, l := range strings.Split(string(src), "\n") {
		trimmed := strings.TrimSpace(l)
		switch {
		case cur == nil && strings.HasPrefix(trimmed, "```") && strings.TrimSpace(strings.TrimLeft(trimmed, "`")) == "go":
			fence = trimmed[:len(trimmed)-len(strings.TrimLeft(trimmed, "`"))]
			cur = &goBlock{line: i + 1}
		case cur != nil && trimmed == fence:
			cur.lines = normalize(strings.Join(cur.lines, "\n"))
			blocks = append(blocks, *cur)
			cur = nil
		case cur != nil:
			cur.lines = append(cur.lines, l)
		}
	}
	if cur != nil {
		t.Fatalf("%s:%d: a ```go block is never closed", path, cur.line)
	}
	return blocks
}

// checkQuotes fails for each ```go block of the Markdown file at path that
// is not the body of a snippet function, and reports which functions it
// quotes.
func checkQuotes(t *testing.T, path string) map[string]bool {
	t.Helper()
	bodies := snippets(t)
	quoted := map[string]bool{}
	for _, b := range goBlocks(t, path) {
		name, ok := match(bodies, b.lines)
		if ok {
			quoted[name] = true
			continue
		}
		t.Errorf("%s:%d: this ```go block is not the body of a function in examples/readme (verbatim after trimming indentation)%s",
			path, b.line, nearest(bodies, b.lines))
	}
	return quoted
}

func match(bodies map[string][]string, lines []string) (string, bool) {
	for name, body := range bodies {
		if slicesEqual(body, lines) {
			return name, true
		}
	}
	return "", false
}

// nearest names the function whose body shares the longest first run of
// lines with lines, and the first line where they part.
func nearest(bodies map[string][]string, lines []string) string {
	best, bestN := "", -1
	for name, body := range bodies {
		n := 0
		for n < len(body) && n < len(lines) && body[n] == lines[n] {
			n++
		}
		if n > bestN || (n == bestN && name < best) {
			best, bestN = name, n
		}
	}
	if bestN <= 0 {
		return "; it starts like none of them"
	}
	body := bodies[best]
	got, want := "(end of block)", "(end of body)"
	if bestN < len(lines) {
		got = lines[bestN]
	}
	if bestN < len(body) {
		want = body[bestN]
	}
	return fmt.Sprintf("; nearest is %s, which parts at line %d of the block:\n\tREADME: %s\n\tcode:   %s", best, bestN+1, got, want)
}

func slicesEqual(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// The snippets of README.md's Go blocks are these functions, so README and
// code cannot drift.
func TestREADMEGoBlocksAreSnippetBodies(t *testing.T) {
	quoted := checkQuotes(t, filepath.Join("..", "..", "README.md"))
	for name := range snippets(t) {
		if !quoted[name] {
			t.Errorf("README.md does not quote %s: quote it or delete it", name)
		}
	}
}
