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
// Everything it does is a few calls of the library (sync.Executor's List,
// Plan and Apply). To sync real servers, use the accountsync command
// (cmd/accountsync) with a configuration file instead.
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

	"github.com/accountsync/accountsync/internal/term"
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
		stdinTerminal: term.IsTerminal(os.Stdin), stderrTerminal: term.IsTerminal(os.Stderr)}
	err := run(ctx, os.Args[1:], env)
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
	case errors.Is(err, errRefused):
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

// errRefused marks a refusal to apply, which exits 2, apart from failures.
var errRefused = errors.New("not applying")

// environment is the program's view of its terminal, for tests.
type environment struct {
	stdin                         io.Reader
	stdout, stderr                io.Writer
	stdinTerminal, stderrTerminal bool
}

type flags struct {
	db                                       string
	apply, yes, reset, asJSON, force         bool
	terminateRemote, terminateLocal, verbose bool
	maxActions                               int
}

func run(ctx context.Context, args []string, env environment) error {
	fs := flag.NewFlagSet("quickstart", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	var f flags
	fs.StringVar(&f.db, "db", "", "billing database (default: quickstart.db in the user's cache directory)")
	fs.BoolVar(&f.apply, "apply", false, "apply the plan")
	fs.BoolVar(&f.yes, "yes", false, "apply without asking")
	fs.BoolVar(&f.reset, "reset", false, "demo: start over from the seed data")
	fs.BoolVar(&f.asJSON, "json", false, "print the plan (and report) as JSON")
	fs.BoolVar(&f.terminateLocal, "terminate-local", false, "terminate billing services whose account is gone from the server")
	fs.IntVar(&f.maxActions, "max-actions", 0, "apply at most this many actions per server; the rest waits for the next run")
	fs.BoolVar(&f.force, "force", false, "plan even past the safety limits (review the plan before applying it)")
	fs.BoolVar(&f.verbose, "v", false, "log each HTTP request and action to stderr")
	fs.Usage = func() {
		fmt.Fprintln(env.stdout, "usage: go run ./examples/quickstart [-apply [-yes]] [-json] [-reset]\n\nExample:\n  go run ./examples/quickstart -apply\n\nFlags:")
		fs.SetOutput(env.stdout)
		fs.PrintDefaults()
		fs.SetOutput(env.stderr)
	}
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
	if f.apply && f.asJSON && !f.yes {
		return fmt.Errorf("%w: -json leaves no room for a question; pass -yes", errRefused)
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
			fmt.Fprintf(env.stdout, "Everything is in sync: %s on the server, %s in billing, nothing to do.\n",
				count(len(listing.Remote), "account"), count(len(listing.Local), "service"))
		} else {
			plan.WriteTable(env.stdout)
		}
		return store.SaveSeenMissing(ctx, plan.SeenMissing)
	}
	if !f.asJSON {
		// With -json, stdout is the report's JSON alone.
		if err := plan.WriteTable(env.stdout); err != nil {
			return err
		}
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
		return false, fmt.Errorf("%w: stdin is not a terminal to confirm on; pass -yes to apply without asking", errRefused)
	}
	fmt.Fprint(env.stdout, question)
	answer, err := bufio.NewReader(env.stdin).ReadString('\n')
	if errors.Is(err, io.EOF) && strings.TrimSpace(answer) == "" {
		fmt.Fprintln(env.stdout)
		return false, fmt.Errorf("%w: no answer (end of input); pass -yes to apply without asking", errRefused)
	}
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

// count writes n and the noun, with an s when n is not 1.
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
