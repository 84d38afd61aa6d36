// Command whmcs runs the whole job between a hosting server and WHMCS: it
// lists the server's accounts and the WHMCS server's services, prints the
// plan and, with -apply, carries it out through WHMCS's External API,
// prints the report, and plans again to show what is left.
//
// With no flags it needs no network and no setup: it starts a fake cPanel
// server and a fake WHMCS on loopback, seeded with a small realistic
// installation.
//
//	go run ./examples/whmcs                 # show the plan
//	go run ./examples/whmcs -apply          # apply it, then plan again: in sync
//
// With -config FILE it works on a real WHMCS and a real server instead
// (see config.go for the file, whose secrets come from environment
// variables), and changes nothing without -apply and a confirmation:
//
//	go run ./examples/whmcs -config whmcs.json
//	go run ./examples/whmcs -config whmcs.json -apply
//
// Before it plans, it checks that the WHMCS server the store is for is
// the machine the provider talks to (by hostname or IP): one store holds
// one server's services, and a mismatch would export one server's
// accounts onto another.
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
	"net/url"
	"os"
	"os/signal"
	"strings"

	"github.com/accountsync/accountsync/provider"
	acsync "github.com/accountsync/accountsync/sync"
	"github.com/accountsync/accountsync/whmcs"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	env := environment{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, stdinTerminal: isTerminal(os.Stdin), lookup: os.LookupEnv}
	if err := run(ctx, os.Args[1:], env); err != nil {
		fmt.Fprintln(os.Stderr, "whmcs:", err)
		os.Exit(1)
	}
}

// environment is the program's view of the world, for tests.
type environment struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	stdinTerminal  bool
	lookup         func(string) (string, bool)
}

type flags struct {
	config                          string
	apply, yes, free, verbose       bool
	terminateLocal, terminateRemote bool
	anyServer                       bool
}

func run(ctx context.Context, args []string, env environment) error {
	fs := flag.NewFlagSet("whmcs", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	var f flags
	fs.StringVar(&f.config, "config", "", "JSON file naming a real WHMCS and server (default: local fakes)")
	fs.BoolVar(&f.apply, "apply", false, "apply the plan, then plan again")
	fs.BoolVar(&f.yes, "yes", false, "with -config: apply without asking")
	fs.BoolVar(&f.free, "free", false, "import accounts as free services (cycle Free Account, no due date)")
	fs.BoolVar(&f.terminateLocal, "terminate-local", false, "terminate, in WHMCS only, services whose account is gone from the server")
	fs.BoolVar(&f.terminateRemote, "terminate-remote", false, "terminate server accounts whose WHMCS service ended")
	fs.BoolVar(&f.anyServer, "any-server", false, "skip the check that the WHMCS server is the provider's machine")
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
	var (
		j   *job
		err error
	)
	if f.config == "" {
		j, err = demo(logger)
	} else {
		j, err = fromConfig(f.config, env.lookup, logger)
	}
	if err != nil {
		return err
	}
	defer j.close()
	fmt.Fprintln(env.stdout, j.banner)
	return j.sync(ctx, f, env, logger)
}

// job is one server and the WHMCS store of its services.
type job struct {
	banner string
	panel  provider.Provider
	hosts  []string // the provider's hostname and IP, for the server check
	store  *whmcs.Store
	demo   bool
	close  func()
}

// checkServer refuses a store whose WHMCS server is not the provider's
// machine.
func (j *job) checkServer(ctx context.Context, f flags, env environment) error {
	info, err := j.store.Server(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "WHMCS server %s: %s (%s, %s), module %s, %d active services\n", info.ID, info.Name, info.Hostname, info.IP, info.Module, info.ActiveServices)
	if f.anyServer {
		return nil
	}
	for _, h := range j.hosts {
		if h != "" && (strings.EqualFold(h, info.Hostname) || h == info.IP) {
			return nil
		}
	}
	return fmt.Errorf("WHMCS server %s is %s (%s), but the provider talks to %s: one store holds one server's services, so this would mix two servers; fix serverId, or pass -any-server if the names differ but the machine is the same",
		info.ID, info.Hostname, info.IP, strings.Join(j.hosts, ", "))
}

// executor is the job's executor: the store is also its notifier and
// journal.
func (j *job) executor(logger *slog.Logger) *acsync.Executor {
	return &acsync.Executor{Provider: j.panel, Store: j.store, Notifier: j.store, Journal: j.store, Logger: logger}
}

// plan lists both sides once and plans; the plan's Apply works from that
// listing. Existing clients are found by the executor (the store is a
// sync.ClientFinder), products by the store.
func (j *job) plan(ctx context.Context, f flags, exec *acsync.Executor) (*acsync.Plan, error) {
	listing, err := exec.List(ctx)
	if err != nil {
		return nil, err
	}
	products, err := j.store.Products(ctx)
	if err != nil {
		return nil, err
	}
	return exec.Plan(ctx, listing, acsync.Options{
		Products:        products,
		TerminateLocal:  f.terminateLocal,
		TerminateRemote: f.terminateRemote,
		Billing:         acsync.Billing{Cycle: "Monthly", NextDueInDays: 30, Free: f.free},
	})
}

func (j *job) sync(ctx context.Context, f flags, env environment, logger *slog.Logger) error {
	if err := j.checkServer(ctx, f, env); err != nil {
		return err
	}
	exec := j.executor(logger)
	plan, err := j.plan(ctx, f, exec)
	if err != nil {
		return err
	}
	fmt.Fprintln(env.stdout)
	if err := plan.WriteTable(env.stdout); err != nil {
		return err
	}
	if len(plan.Actions) == 0 {
		fmt.Fprintln(env.stdout, "\nNothing to do.")
		return nil
	}
	if !f.apply {
		fmt.Fprintf(env.stdout, "\nThis was a dry run. Run again with -apply to carry out these %d actions.\n", len(plan.Actions))
		return nil
	}
	if !j.demo && !f.yes {
		ok, err := confirm(env, fmt.Sprintf("\nApply these %d actions to WHMCS and the server? [y/N] ", len(plan.Actions)))
		if err != nil || !ok {
			return err
		}
	}
	report, err := exec.Apply(ctx, plan)
	if report != nil {
		fmt.Fprintln(env.stdout)
		report.WriteText(env.stdout)
	}
	if err != nil {
		return err
	}
	again, err := j.plan(ctx, f, exec)
	if err != nil {
		return fmt.Errorf("planning again after applying: %w", err)
	}
	fmt.Fprintf(env.stdout, "\nPlanned again: %d actions, %d keys in sync.\n", len(again.Actions), again.InSync)
	if len(report.Failures) > 0 {
		return fmt.Errorf("%d of %d actions failed (see the report)", len(report.Failures), len(plan.Actions))
	}
	return nil
}

// hostsOf returns the host of a URL and the addresses it names.
func hostsOf(rawURL string) []string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil
	}
	h := u.Hostname()
	if ip := net.ParseIP(h); ip != nil {
		return []string{ip.String()}
	}
	return []string{h}
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
