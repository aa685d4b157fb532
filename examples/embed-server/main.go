// Command embed-server is a small backend that shows signed-in users a BI
// report filtered to their own rows, the way a real application embeds
// Tencent Cloud BI or NetEase Youshu BI, and keeps the report alive for as
// long as the page stays open:
//
//	GET  /login        a login form (demo users alice and bob)
//	POST /login        checks the password in constant time and starts a
//	                   server-side session (an HttpOnly, SameSite=Lax cookie
//	                   holding a random id); too many failures for a user
//	                   name or from a client address answer 429 with
//	                   Retry-After (-login-failures per -login-window)
//	POST /logout       ends the session on the server: the cookie stops
//	                   working wherever a copy of it is; and revokes the
//	                   user's embed tokens at the vendor
//	GET  /             the page with the report iframe (signed-in users only)
//	/embed/            package embedhttp: POST /embed/token, POST
//	                   /embed/extend, GET /embed/embed.js
//
// The page is only
//
//	<iframe id="report" data-biembed="/embed"></iframe>
//	<script src="/embed/embed.js"></script>
//
// embed.js fetches the signed-in user's embed URL, extends the token
// halfway through its life (ApplyEmbedInterval, renewToken: the iframe
// keeps its state), and swaps in a new token when the old one was revoked
// or the user's permissions changed. Whose rows a token shows is decided by
// the session, never by the browser: a browser cannot ask for another
// user's token. Each user has their own token: on Tencent Cloud BI a
// TokenTypeSingleUser token with the user's UserCorpID and UserID, on
// Youshu a token for the user's own account (AuthUniqueID, which needs a
// super admin's YOUSHU_TOKEN_KEY). Each user's rows (alice: province Hubei,
// bob: province Guangdong) are stated once with filtermap.Condition and
// rendered for the vendor: Tencent GlobalParams or a Youshu filterMap.
//
//	go run ./examples/embed-server -vendor youshu
//	open http://127.0.0.1:8080 and sign in as alice / alice-demo-password
//	or bob / bob-demo-password
//
// Credentials come from the environment as in examples/quickstart
// (TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY, or YOUSHU_BASE_URL and
// YOUSHU_TOKEN_KEY). Without them the server mints with an in-process fake and
// says so in its log; the iframe then shows the fake's embed page, which
// lists what the token grants (user, expiry, row filters) and whether it is
// still live.
//
// # Security headers
//
// Every answer carries Content-Security-Policy with frame-ancestors 'self'
// (and X-Frame-Options: SAMEORIGIN for older browsers): no other site may
// frame this app's pages, so none can overlay its buttons (clickjacking).
// The page frames the vendor's embed pages, so the policy's frame-src names
// their origin: https://tcbi.qq.com for Tencent Cloud BI (or your
// WithEmbedHost), your Youshu host (YOUSHU_BASE_URL's origin) for Youshu;
// in fake mode, the fake's loopback origin. The policy's script-src 'self'
// is why the page's own script is a file (/app.js), not inline.
//
// # Manual clock (tests)
//
// -manual-clock (fake mode only) stops the server's clock: sessions, the
// login throttle, the token cache and the fake all read a
// biembedtest.Clock that moves only when a line "advance <duration>" (for
// example "advance 15m") arrives on standard input; the server answers
// each line on standard output with "now <RFC 3339 time>" or "error
// <why>". A test runs hours of page life in seconds with it.
//
// A real deployment also serves HTTPS (the cookie is then Secure), keeps
// password hashes, and takes the client address for the login throttle
// from its reverse proxy.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/biembed/biembed-go/biembedtest"
)

func main() {
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, logger, os.Getenv, os.Args[1:], os.Stdin, os.Stdout)
	stop()
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		logger.Error("embed-server failed", "err", err)
	}
	os.Exit(exitCode(err))
}

// exitCode is 0 for success and for -h (usage was asked for), 2 for a bad
// command line, 1 for any other failure.
func exitCode(err error) int {
	var usage usageError
	switch {
	case err == nil || errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &usage):
		return 2
	}
	return 1
}

// usageError is a command line that does not parse.
type usageError struct{ error }

func (e usageError) Unwrap() error { return e.error }

const usageText = `Usage: embed-server [flags]

Serves a page that embeds a BI report for signed-in demo users
(alice / alice-demo-password, bob / bob-demo-password).
Without credentials in the environment it mints with an in-process fake:
set TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY, or YOUSHU_BASE_URL
and YOUSHU_TOKEN_KEY, for a real service.

Flags:
`

// run serves until ctx ends, then shuts down gracefully. -h prints the usage
// to out and returns flag.ErrHelp. With -manual-clock, in reads the clock's
// commands and out gets their answers.
func run(ctx context.Context, logger *slog.Logger, env func(string) string, args []string, in io.Reader, out io.Writer) error {
	fs := flag.NewFlagSet("embed-server", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.Usage = func() {
		fmt.Fprint(out, usageText)
		fs.PrintDefaults()
	}
	addr := fs.String("addr", "127.0.0.1:8080", "listen address")
	vendor := fs.String("vendor", "tencent", "tencent or youshu")
	project := fs.Uint64("project", 117, "Tencent Cloud BI project id")
	page := fs.Uint64("page", 11520, "Tencent Cloud BI page id")
	youshuProject := fs.Int64("youshu-project", 1, "Youshu project id of the report page")
	youshuConn := fs.Int64("youshu-conn", 700006204, "Youshu data connection whose orders table the policies filter")
	loginFailures := fs.Int("login-failures", 5, "failed sign-ins allowed per user name and per client address within -login-window")
	loginWindow := fs.Duration("login-window", time.Minute, "the window of -login-failures")
	manualClock := fs.Bool("manual-clock", false, "tests only, fake mode only: the clock moves only by lines \"advance <duration>\" on standard input")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	if *loginFailures < 1 || *loginWindow <= 0 {
		return usageError{errors.New("-login-failures must be at least 1 and -login-window positive")}
	}

	now := time.Now
	if *manualClock {
		if env("TENCENTCLOUD_SECRET_ID")+env("TENCENTCLOUD_SECRET_KEY")+env("YOUSHU_BASE_URL")+env("YOUSHU_TOKEN_KEY") != "" {
			return usageError{errors.New("-manual-clock is for tests against the in-process fake: unset the vendor credentials")}
		}
		clock := biembedtest.NewClock(time.Now().UTC().Truncate(time.Second))
		now = clock.Now
		logger.Warn("manual clock: time moves only by \"advance <duration>\" lines on standard input (tests only)")
		go driveClock(clock, in, out)
	}

	var (
		vend    backend
		release func()
		err     error
	)
	switch *vendor {
	case "tencent":
		vend, release, err = openTencent(env, *project, *page, logger, now)
	case "youshu":
		vend, release, err = openYoushu(env, *youshuProject, *youshuConn, logger, now)
	default:
		return usageError{fmt.Errorf("-vendor must be tencent or youshu, not %q", *vendor)}
	}
	if err != nil {
		return err
	}
	defer release()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler: newHandler(&app{Vendor: *vendor, Backend: vend, Users: newDirectory(demoUsers), Sessions: newSessions(now),
			Logins: newThrottle(now, *loginFailures, *loginWindow), Now: now, Logger: logger}),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      mintTimeout + 5*time.Second, // a cache miss waits for one mint
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	logger.Info("listening", "addr", "http://"+ln.Addr().String(), "vendor", *vendor)

	select {
	case err := <-served: // Serve failed on its own
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// driveClock moves clock by each line "advance <duration>" of in and
// answers each line on out, until in ends.
func driveClock(clock *biembedtest.Clock, in io.Reader, out io.Writer) {
	lines := bufio.NewScanner(in)
	for lines.Scan() {
		cmd, arg, _ := strings.Cut(strings.TrimSpace(lines.Text()), " ")
		d, err := time.ParseDuration(arg)
		switch {
		case cmd != "advance":
			fmt.Fprintf(out, "error unknown command %q\n", cmd)
		case err != nil:
			fmt.Fprintf(out, "error %v\n", err)
		default:
			fmt.Fprintf(out, "now %s\n", clock.Advance(d).Format(time.RFC3339))
		}
	}
}
