// Command listaccounts is a bridge for WHMCS server modules: it answers
// GET /servers/{name}/accounts with the exact JSON a module's
// ListAccounts function returns, for the servers in a config file.
//
// Usage:
//
//	listaccounts -config servers.json [-listen 127.0.0.1:8080] [-cache 5m] [-timezone Europe/Berlin]
//	listaccounts -config servers.json -once web1
//
// The bearer token comes from -token or ACCOUNTSYNC_BRIDGE_TOKEN; the
// server refuses to start without one. See README.md for the PHP side.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/accountsync/accountsync/examples/internal/serverconfig"
	"github.com/accountsync/accountsync/provider"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr, os.Getenv); err != nil {
		if !errors.Is(err, errListingFailed) {
			fmt.Fprintln(os.Stderr, "listaccounts:", err)
		}
		os.Exit(1)
	}
}

var errListingFailed = errors.New("listing failed")

func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("listaccounts", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		configPath = fs.String("config", "servers.json", "JSON list of servers (see examples/internal/serverconfig)")
		listen     = fs.String("listen", "127.0.0.1:8080", "address to serve on")
		token      = fs.String("token", getenv("ACCOUNTSYNC_BRIDGE_TOKEN"), "bearer token callers must send (default $ACCOUNTSYNC_BRIDGE_TOKEN)")
		cacheTTL   = fs.Duration("cache", 5*time.Minute, "how long a server's listing is reused")
		timeout    = fs.Duration("timeout", 5*time.Minute, "how long one listing may take")
		tz         = fs.String("timezone", "Local", "WHMCS's timezone, in which created dates are written")
		once       = fs.String("once", "", "print the named server's ListAccounts JSON and exit")
	)
	if err := fs.Parse(args); err != nil {
		return err
	}
	loc, err := time.LoadLocation(*tz)
	if err != nil {
		return fmt.Errorf("-timezone: %w", err)
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	servers, err := serverconfig.Load(*configPath)
	if err != nil {
		return err
	}
	b := &bridge{
		servers:  map[string]provider.Provider{},
		token:    *token,
		ttl:      *cacheTTL,
		timeout:  *timeout,
		location: loc,
		log:      log,
		now:      time.Now,
		cache:    map[string]*entry{},
	}
	reg := serverconfig.Registry()
	for _, s := range servers {
		s.Logger = log.With("server", s.Name)
		p, err := reg.New(s)
		if err != nil {
			return err
		}
		b.servers[s.Name] = p
	}

	if *once != "" {
		return printOnce(ctx, b, *once, stdout)
	}
	if b.token == "" {
		return errors.New("no bearer token: set -token or ACCOUNTSYNC_BRIDGE_TOKEN")
	}
	srv := &http.Server{Addr: *listen, Handler: b.routes(), ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(shutdown)
	}()
	log.Info("serving", "addr", *listen, "servers", len(b.servers))
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// printOnce writes one server's answer, success or failure, as WHMCS
// would receive it.
func printOnce(ctx context.Context, b *bridge, name string, stdout io.Writer) error {
	if _, ok := b.servers[name]; !ok {
		return fmt.Errorf("-once: unknown server %q", name)
	}
	accounts, err := b.accounts(ctx, name)
	res := provider.ListAccountsResult{Success: err == nil}
	if err != nil {
		res.Error = err.Error()
	}
	for _, a := range accounts {
		res.Accounts = append(res.Accounts, a.In(b.location))
	}
	enc := json.NewEncoder(stdout)
	if encErr := enc.Encode(res); encErr != nil {
		return encErr
	}
	if err != nil {
		return errListingFailed
	}
	return nil
}
