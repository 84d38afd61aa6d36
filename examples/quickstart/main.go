// Command quickstart runs the whole job: it lists a server's accounts,
// compares them with a billing store, prints the plan and, with -apply,
// carries it out and prints the report.
//
// With no flags it needs no network and no setup: it starts a fake cPanel
// server on loopback, seeded with a realistic server, and opens an embedded
// SQLite billing store seeded with matching services, both kept in the
// user's cache directory so that a second run sees what the first did.
//
//	go run ./examples/quickstart                 # show the plan
//	go run ./examples/quickstart -apply          # apply it (asks first on a terminal)
//	go run ./examples/quickstart                 # everything is in sync
//	go run ./examples/quickstart -reset          # start the demo over
//
// With -config FILE it works on real servers instead (see
// examples/internal/serverconfig for the file), against the same kind of
// billing store, and terminates nothing unless asked to with
// -terminate-remote or -terminate-local.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"

	"github.com/accountsync/accountsync/examples/internal/serverconfig"
	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/cpanel"
	"github.com/accountsync/accountsync/provider/cpanel/cpaneltest"
	"github.com/accountsync/accountsync/sqlstore"
	acsync "github.com/accountsync/accountsync/sync"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	env := environment{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr,
		stdinTerminal: isTerminal(os.Stdin), stderrTerminal: isTerminal(os.Stderr)}
	if err := run(ctx, os.Args[1:], env); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

// environment is the program's view of its terminal, for tests.
type environment struct {
	stdin                         io.Reader
	stdout, stderr                io.Writer
	stdinTerminal, stderrTerminal bool
}

type flags struct {
	db, config, server                       string
	apply, yes, reset, asJSON, force         bool
	terminateRemote, terminateLocal, verbose bool
	maxActions                               int
}

func run(ctx context.Context, args []string, env environment) error {
	fs := flag.NewFlagSet("quickstart", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	var f flags
	fs.StringVar(&f.db, "db", "", "billing database (default: quickstart.db in the user's cache directory)")
	fs.StringVar(&f.config, "config", "", "JSON list of real servers to sync instead of the demo server")
	fs.StringVar(&f.server, "server", "", "with -config: sync only this server")
	fs.BoolVar(&f.apply, "apply", false, "apply the plan")
	fs.BoolVar(&f.yes, "yes", false, "apply without asking")
	fs.BoolVar(&f.reset, "reset", false, "demo: start over from the seed data")
	fs.BoolVar(&f.asJSON, "json", false, "print the plan (and report) as JSON")
	fs.BoolVar(&f.terminateRemote, "terminate-remote", false, "terminate server accounts whose billing service ended (always on in the demo)")
	fs.BoolVar(&f.terminateLocal, "terminate-local", false, "terminate billing services whose account is gone from the server")
	fs.IntVar(&f.maxActions, "max-actions", 0, "apply at most this many actions per server; the rest waits for the next run")
	fs.BoolVar(&f.force, "force", false, "plan even past the safety limits (review the plan before applying it)")
	fs.BoolVar(&f.verbose, "v", false, "log each HTTP request and action to stderr")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	logger := slog.New(slog.DiscardHandler)
	if f.verbose {
		logger = slog.New(slog.NewTextHandler(env.stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	if f.config != "" {
		return runConfig(ctx, f, env, logger)
	}
	return runDemo(ctx, f, env, logger)
}

// runDemo syncs the fake cPanel server with the demo billing store.
func runDemo(ctx context.Context, f flags, env environment, logger *slog.Logger) error {
	if f.db == "" {
		dir, err := os.UserCacheDir()
		if err != nil {
			dir = os.TempDir()
		}
		dir = filepath.Join(dir, "accountsync")
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return err
		}
		f.db = filepath.Join(dir, "quickstart.db")
	}
	statePath := f.db + ".server.json"
	if f.reset {
		for _, p := range []string{f.db, f.db + "-wal", f.db + "-shm", statePath} {
			if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
				return err
			}
		}
	}
	accounts, err := loadServerState(statePath)
	if err != nil {
		return err
	}
	srv := cpaneltest.New(cpaneltest.Options{Accounts: accounts, Packages: []string{"reseller_xl"}})
	defer srv.Close()
	client, err := cpanel.New(cpanel.Config{BaseURL: srv.URL, Username: cpaneltest.Username, APIToken: cpaneltest.Token, Logger: logger, RateLimit: -1})
	if err != nil {
		return err
	}

	db, err := sqlstore.Open(ctx, f.db)
	if err != nil {
		return err
	}
	defer db.Close()
	md := client.Metadata()
	store, err := db.Server(ctx, "web1 (demo)", md.Type, md.UniqueIdentifierField)
	if err != nil {
		return err
	}
	if existing, err := store.Services(ctx); err != nil {
		return err
	} else if len(existing) == 0 {
		if err := seedBilling(ctx, store); err != nil {
			return fmt.Errorf("seed the demo billing store: %w", err)
		}
	}
	banner := env.stdout
	if f.asJSON {
		banner = env.stderr // keep stdout pure JSON for jq and friends
	}
	fmt.Fprintf(banner, "Demo: a cPanel server at %s (a local fake) and the billing store %s.\n\n", srv.URL, f.db)

	f.terminateRemote = true // the demo shows a termination; real servers need the flag
	err = syncServer(ctx, "web1 (demo)", client, store, f, env, logger)
	if saveErr := saveServerState(statePath, srv.Accounts()); saveErr != nil && err == nil {
		err = fmt.Errorf("save the demo server's state: %w", saveErr)
	}
	return err
}

// runConfig syncs each configured server with its part of the store.
func runConfig(ctx context.Context, f flags, env environment, logger *slog.Logger) error {
	servers, err := serverconfig.Load(f.config)
	if err != nil {
		return err
	}
	if f.db == "" {
		f.db = "billing.db"
	}
	db, err := sqlstore.Open(ctx, f.db)
	if err != nil {
		return err
	}
	defer db.Close()
	reg := serverconfig.Registry()
	var failed []string
	for _, s := range servers {
		if f.server != "" && s.Name != f.server {
			continue
		}
		s.Logger = logger.With("server", s.Name)
		p, err := reg.New(s)
		if err == nil {
			md := p.Metadata()
			var store *sqlstore.Store
			if store, err = db.Server(ctx, s.Name, md.Type, md.UniqueIdentifierField); err == nil {
				fmt.Fprintf(env.stdout, "== %s (%s)\n", s.Name, md.DisplayName)
				err = syncServer(ctx, s.Name, p, store, f, env, logger)
			}
		}
		if err != nil {
			// One server's failure must not stop the others.
			fmt.Fprintf(env.stderr, "quickstart: server %s: %v\n", s.Name, err)
			failed = append(failed, s.Name)
		}
		fmt.Fprintln(env.stdout)
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d server(s) failed: %s", len(failed), strings.Join(failed, ", "))
	}
	return nil
}

// syncServer plans, shows, and on request applies one server's sync. The
// server and the store are each listed once: the plan keeps the listing
// it was made from, and Apply works from it.
func syncServer(ctx context.Context, name string, p provider.Provider, store *sqlstore.Store, f flags, env environment, logger *slog.Logger) error {
	exec := acsync.Executor{Provider: p, Store: store, Notifier: store, Journal: store, Logger: logger}
	listing, err := exec.List(ctx)
	if err != nil {
		return err
	}
	opts := acsync.Options{
		TerminateRemote: f.terminateRemote,
		TerminateLocal:  f.terminateLocal,
		Billing:         acsync.Billing{Cycle: "Monthly"},
		Emails:          acsync.Emails{Welcome: true},
		MaxActions:      f.maxActions,
		Force:           f.force,
	}
	if err := store.LoadOptions(ctx, &opts); err != nil {
		return err
	}
	plan, err := exec.Plan(ctx, listing, opts)
	var unsafe *acsync.UnsafePlanError
	if errors.As(err, &unsafe) {
		return fmt.Errorf("%w\nNothing was changed. Check the listings and the key field; if the plan is right, apply it with -force", err)
	}
	if err != nil {
		return err
	}
	if f.asJSON && !f.apply {
		enc := json.NewEncoder(env.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(plan)
	}
	if len(plan.Actions) == 0 {
		if plan.Empty() {
			fmt.Fprintf(env.stdout, "Everything is in sync: %d accounts on the server match billing.\n", plan.InSync)
		} else {
			plan.WriteTable(env.stdout)
		}
		return store.SaveSeenMissing(ctx, plan.SeenMissing)
	}
	if err := plan.WriteTable(env.stdout); err != nil {
		return err
	}
	if !f.apply {
		fmt.Fprintf(env.stdout, "\nThis was a dry run. Run again with -apply to carry out these %d actions.\n", len(plan.Actions))
		return nil
	}
	if !f.yes {
		ok, err := confirm(env, fmt.Sprintf("\nApply these %d actions to %s? [y/N] ", len(plan.Actions), name))
		if err != nil || !ok {
			return err
		}
	}
	if env.stderrTerminal && !f.verbose {
		exec.Progress = func(done, total int) {
			fmt.Fprintf(env.stderr, "\rApplying: %d/%d", done, total)
			if done == total {
				fmt.Fprintln(env.stderr)
			}
		}
	}
	report, err := exec.Apply(ctx, plan)
	if report != nil {
		if report.Plan != nil {
			if serr := store.SaveSeenMissing(ctx, report.Plan.SeenMissing); serr != nil && err == nil {
				err = serr
			}
		}
		fmt.Fprintln(env.stdout)
		if f.asJSON {
			enc := json.NewEncoder(env.stdout)
			enc.SetIndent("", "  ")
			enc.Encode(report)
		} else {
			report.WriteText(env.stdout)
		}
		if err == nil && len(report.Failures) > 0 {
			err = fmt.Errorf("%d of %d actions failed (see the report)", len(report.Failures), len(plan.Actions))
		}
	}
	return err
}

// confirm asks on the terminal; without one it refuses rather than guess.
func confirm(env environment, question string) (bool, error) {
	if !env.stdinTerminal {
		return false, errors.New("not applying: stdin is not a terminal to confirm on; pass -yes to apply without asking")
	}
	fmt.Fprint(env.stdout, question)
	answer, err := bufio.NewReader(env.stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return false, err
	}
	switch strings.ToLower(strings.TrimSpace(answer)) {
	case "y", "yes":
		return true, nil
	}
	fmt.Fprintln(env.stdout, "Nothing was changed.")
	return false, nil
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
