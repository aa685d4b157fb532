// Command embed-server is a small backend that hands browsers embed URLs:
//
//	GET /embed?user=NAME  {"url": "...", "expiresAt": "RFC 3339"} for NAME's policy
//	GET /                 a page that loads that URL into an iframe
//
// Each user's policy (which regions the user may see) is stated once with
// filtermap.Condition and rendered for the chosen vendor: Tencent Cloud BI
// GlobalParams or a Youshu filterMap. Tokens are minted through a cache, so
// repeated requests for a user reuse one token until shortly before it
// expires.
//
//	go run ./examples/embed-server -vendor youshu
//	curl 'http://127.0.0.1:8080/embed?user=alice'
//
// Credentials come from the environment as in examples/quickstart
// (TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY, or YOUSHU_BASE_URL and
// YOUSHU_TOKEN_KEY); without them the server mints with an in-process fake
// and says so in its log.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, logger, os.Getenv, os.Args[1:])
	stop()
	if err != nil {
		logger.Error("embed-server failed", "err", err)
		os.Exit(1)
	}
}

// run serves until ctx ends, then shuts down gracefully.
func run(ctx context.Context, logger *slog.Logger, env func(string) string, args []string) error {
	fs := flag.NewFlagSet("embed-server", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8080", "listen address")
	vendor := fs.String("vendor", "tencent", "tencent or youshu")
	project := fs.Uint64("project", 117, "Tencent Cloud BI project id")
	page := fs.Uint64("page", 11520, "Tencent Cloud BI page id")
	youshuProject := fs.Int64("youshu-project", 1, "Youshu project id of the report page")
	youshuConn := fs.Int64("youshu-conn", 700006204, "Youshu data connection whose orders table the policies filter")
	if err := fs.Parse(args); err != nil {
		return err
	}

	var (
		emb     embedder
		release func()
		err     error
	)
	switch *vendor {
	case "tencent":
		emb, release, err = openTencent(env, *project, *page, logger)
	case "youshu":
		emb, release, err = openYoushu(env, *youshuProject, *youshuConn, logger)
	default:
		return fmt.Errorf("-vendor must be tencent or youshu, not %q", *vendor)
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
		Handler:           newHandler(deps{Vendor: *vendor, Embedder: emb, Policies: policies, Logger: logger}),
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
