package main

// Tests that build embed-server, start it as a process on a random port in
// fake mode and talk to it over HTTP only, as an attacker would.

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	buildOnce sync.Once
	binDir    string // removed by TestMain
	binPath   string
	buildErr  error
)

// serverBinary builds embed-server once per test binary.
func serverBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		if binDir, buildErr = os.MkdirTemp("", "embed-server-bin-"); buildErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "embed-server")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = &buildError{err, string(out)}
		}
	})
	require.NoError(t, buildErr, "go build")
	return binPath
}

type buildError struct {
	err error
	out string
}

func (e *buildError) Error() string { return e.err.Error() + "\n" + e.out }

// proc is a running embed-server.
type proc struct {
	base  string // http://127.0.0.1:port
	stdin io.WriteCloser
	out   *bufio.Scanner // the manual clock's answers
	mu    sync.Mutex
	log   strings.Builder
}

var listeningAt = regexp.MustCompile(`msg=listening addr=(http://\S+)`)

// startProcess starts embed-server in fake mode with args and stops it
// (SIGINT, then waits for a clean exit) when t ends.
func startProcess(t *testing.T, vendor string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(serverBinary(t), append([]string{"-addr", "127.0.0.1:0", "-vendor", vendor}, args...)...)
	for _, kv := range os.Environ() { // fake mode whatever the environment holds
		if k, _, _ := strings.Cut(kv, "="); k != "TENCENTCLOUD_SECRET_ID" && k != "TENCENTCLOUD_SECRET_KEY" &&
			k != "YOUSHU_BASE_URL" && k != "YOUSHU_TOKEN_KEY" {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	p := &proc{}
	var err error
	p.stdin, err = cmd.StdinPipe()
	require.NoError(t, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	p.out = bufio.NewScanner(stdout)
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	addr := make(chan string, 1)
	logDone := make(chan struct{})
	go func() {
		defer close(logDone)
		lines := bufio.NewScanner(stderr)
		for lines.Scan() {
			p.mu.Lock()
			p.log.WriteString(lines.Text() + "\n")
			p.mu.Unlock()
			if m := listeningAt.FindStringSubmatch(lines.Text()); m != nil {
				addr <- m[1]
			}
		}
		close(addr)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = p.stdin.Close()
		<-logDone
		err := cmd.Wait()
		assert.NoError(t, err, "embed-server exits cleanly on SIGINT\n%s", p.logs())
	})
	var ok bool
	select {
	case p.base, ok = <-addr:
	case <-time.After(30 * time.Second): // a bound on a hang, not a synchronisation
	}
	require.True(t, ok, "embed-server did not start listening:\n%s", p.logs())
	return p
}

func (p *proc) logs() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.log.String()
}

// advance moves the process's manual clock (-manual-clock) by d.
func (p *proc) advance(t *testing.T, d time.Duration) {
	t.Helper()
	_, err := io.WriteString(p.stdin, "advance "+d.String()+"\n")
	require.NoError(t, err)
	require.True(t, p.out.Scan(), "the clock answers")
	require.True(t, strings.HasPrefix(p.out.Text(), "now "), p.out.Text())
}

// clientFrom is an HTTP client that connects from the loopback address ip
// (127.0.0.0/8 all reach the server) and does not follow redirects.
func clientFrom(t *testing.T, ip string) *http.Client {
	t.Helper()
	if ln, err := net.Listen("tcp", ip+":0"); err != nil { // Linux has all of 127.0.0.0/8, macOS only 127.0.0.1
		t.Skipf("loopback address %s is not configured here: %v", ip, err)
	} else {
		_ = ln.Close()
	}
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	tr := &http.Transport{DialContext: dialer.DialContext}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// send sends one request with the cookie (if any) and returns the answer
// with its body read.
func send(t *testing.T, c *http.Client, method, target string, form url.Values, cookie *http.Cookie) (*http.Response, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(context.Background(), method, target, body)
	require.NoError(t, err)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if cookie != nil {
		req.AddCookie(cookie)
	}
	resp, err := c.Do(req)
	require.NoError(t, err)
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, resp.Body.Close())
	require.NoError(t, err)
	return resp, string(b)
}

// signIn posts the login form and returns the answer and its session cookie
// (nil when there is none).
func signIn(t *testing.T, c *http.Client, base, user, password string) (*http.Response, *http.Cookie) {
	t.Helper()
	resp, _ := send(t, c, http.MethodPost, base+"/login", url.Values{"user": {user}, "password": {password}}, nil)
	for _, ck := range resp.Cookies() {
		if ck.Name == sessionCookie && ck.Value != "" {
			return resp, ck
		}
	}
	return resp, nil
}

var processVendors = []string{"tencent", "youshu"}

// TestProcessLogoutEndsTheSession: a cookie copied before logout (by
// malware, a shared computer, a proxy log) is refused afterwards: by the
// page and by the embed endpoint. The old example only deleted the cookie
// in the browser; its copy worked for 8 hours.
func TestProcessLogoutEndsTheSession(t *testing.T) {
	t.Parallel()
	for _, vendor := range processVendors {
		t.Run(vendor, func(t *testing.T) {
			t.Parallel()
			p := startProcess(t, vendor)
			c := clientFrom(t, "127.0.0.1")
			resp, cookie := signIn(t, c, p.base, "alice", demoUsers["alice"].Password)
			require.Equal(t, http.StatusSeeOther, resp.StatusCode)
			require.NotNil(t, cookie)
			resp, body := send(t, c, http.MethodGet, p.base+"/", nil, cookie)
			require.Equal(t, http.StatusOK, resp.StatusCode)
			require.Contains(t, body, "alice")

			resp, _ = send(t, c, http.MethodPost, p.base+"/logout", url.Values{}, cookie)
			assert.Equal(t, http.StatusSeeOther, resp.StatusCode)

			resp, body = send(t, c, http.MethodGet, p.base+"/", nil, cookie)
			assert.Equal(t, http.StatusSeeOther, resp.StatusCode, "the copied cookie still opens the page:\n%s", body)
			assert.Equal(t, "/login", resp.Header.Get("Location"))
			req, err := http.NewRequest(http.MethodPost, p.base+"/embed/token", nil)
			require.NoError(t, err)
			req.Header.Set("X-Biembed", "1")
			req.AddCookie(cookie)
			tokenResp, err := c.Do(req)
			require.NoError(t, err)
			_ = tokenResp.Body.Close()
			assert.Equal(t, http.StatusUnauthorized, tokenResp.StatusCode, "the copied cookie still gets a token")
		})
	}
}

// TestProcessThrottlesFailedLogins: after 5 failures (the default
// -login-failures) for one user name, from 5 addresses, the right password
// from a sixth address is refused with 429 and Retry-After; after 5
// failures from one address, with 5 user names, so is another user's
// right password from it. Other users and addresses are not held up. The
// old example let anyone guess without limit.
func TestProcessThrottlesFailedLogins(t *testing.T) {
	t.Parallel()
	p := startProcess(t, "tencent")
	// Per user name: alice guessed at from 127.0.0.11 .. 127.0.0.15.
	for i := range 5 {
		resp, ck := signIn(t, clientFrom(t, "127.0.0."+strconv.Itoa(11+i)), p.base, "alice", "guess")
		require.Equal(t, http.StatusUnauthorized, resp.StatusCode, "failure %d", i+1)
		require.True(t, ck == nil, "no session cookie") // not Nil: its diff would print the cookie
	}
	resp, ck := signIn(t, clientFrom(t, "127.0.0.16"), p.base, "alice", demoUsers["alice"].Password)
	assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode, "alice's 6th attempt, from a new address")
	assert.Regexp(t, `^[1-9][0-9]*$`, resp.Header.Get("Retry-After"))
	assert.True(t, ck == nil, "no session while throttled")

	// Per address: 127.0.0.21 guesses five user names.
	from21 := clientFrom(t, "127.0.0.21")
	for _, name := range []string{"u1", "u2", "u3", "u4", "u5"} {
		resp, _ := signIn(t, from21, p.base, name, "guess")
		require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	}
	resp, ck = signIn(t, from21, p.base, "bob", demoUsers["bob"].Password)
	assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode, "the 6th attempt from one address, another user")
	assert.True(t, ck == nil, "no session while throttled")

	// Neither holds up bob from elsewhere.
	resp, ck = signIn(t, clientFrom(t, "127.0.0.22"), p.base, "bob", demoUsers["bob"].Password)
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.NotNil(t, ck)
	assert.Contains(t, p.logs(), "sign-in throttled")
	assert.NotContains(t, p.logs(), demoUsers["alice"].Password)
}

// TestProcessThrottleWindowOnTheManualClock: with -manual-clock the
// throttle's window passes in no time: refused until the first failure is
// -login-window old, then let in.
func TestProcessThrottleWindowOnTheManualClock(t *testing.T) {
	t.Parallel()
	p := startProcess(t, "youshu", "-manual-clock", "-login-failures", "2", "-login-window", "10m")
	c := clientFrom(t, "127.0.0.31")
	for range 2 {
		resp, _ := signIn(t, c, p.base, "bob", "guess")
		require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	}
	resp, _ := signIn(t, c, p.base, "bob", demoUsers["bob"].Password)
	require.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	assert.Equal(t, "600", resp.Header.Get("Retry-After"), "the clock stands still")
	p.advance(t, 10*time.Minute-time.Second)
	resp, _ = signIn(t, c, p.base, "bob", demoUsers["bob"].Password)
	require.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	assert.Equal(t, "1", resp.Header.Get("Retry-After"))
	p.advance(t, time.Second)
	resp, ck := signIn(t, c, p.base, "bob", demoUsers["bob"].Password)
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.NotNil(t, ck)

	// The session's 8 hours pass on the same clock.
	resp, _ = send(t, c, http.MethodGet, p.base+"/", nil, ck)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	p.advance(t, sessionLifetime)
	resp, _ = send(t, c, http.MethodGet, p.base+"/", nil, ck)
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode, "the session expired")
}

// TestProcessRefusesToBeFramed: every page of the app (login form, report
// page, script) says frame-ancestors 'self' and X-Frame-Options, so no
// other site can frame it (clickjacking); the report page's frame-src
// names the embed host it frames. The old example sent neither.
func TestProcessRefusesToBeFramed(t *testing.T) {
	t.Parallel()
	for _, vendor := range processVendors {
		t.Run(vendor, func(t *testing.T) {
			t.Parallel()
			p := startProcess(t, vendor)
			c := clientFrom(t, "127.0.0.1")
			_, cookie := signIn(t, c, p.base, "bob", demoUsers["bob"].Password)
			require.NotNil(t, cookie)
			for _, path := range []string{"/login", "/", "/app.js", "/nothing-here"} {
				resp, _ := send(t, c, http.MethodGet, p.base+path, nil, cookie)
				csp := resp.Header.Get("Content-Security-Policy")
				assert.Regexp(t, `(^|;)\s*frame-ancestors 'self'\s*(;|$)`, csp, path)
				assert.Contains(t, []string{"DENY", "SAMEORIGIN"}, resp.Header.Get("X-Frame-Options"), path)
			}
			resp, _ := send(t, c, http.MethodGet, p.base+"/", nil, cookie)
			require.Equal(t, http.StatusOK, resp.StatusCode)
			// In fake mode the embed host is the fake's loopback origin.
			assert.Regexp(t, `(^|;)\s*frame-src http://127\.0\.0\.1:[0-9]+\s*(;|$)`, resp.Header.Get("Content-Security-Policy"))
		})
	}
}
