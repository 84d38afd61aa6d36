package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/accountsync/accountsync/config"
	"github.com/accountsync/accountsync/internal/term"
)

// Exit codes. Each means one thing.
const (
	exitOK      = 0 // done, or nothing to do
	exitFailed  = 1 // something failed
	exitRefused = 2 // refused, or bad usage
	exitPending = 3 // plan -detailed-exitcode: changes pending
)

// env is the command's view of the world, so that tests can drive it in
// process.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	// stdinTerminal and stderrTerminal say whether a person may answer a
	// question and watch progress.
	stdinTerminal, stderrTerminal bool
	lookup                        func(string) (string, bool)
	now                           func() time.Time
	// listening, when set, is told the address serve listens on.
	listening func(addr string)
}

func osEnv() *env {
	return &env{
		stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr,
		stdinTerminal: term.IsTerminal(os.Stdin), stderrTerminal: term.IsTerminal(os.Stderr),
		lookup: os.LookupEnv, now: time.Now,
	}
}

// command is one subcommand.
type command struct {
	name, summary string
	// usage is the synopsis, a description and an example, shown by -h
	// above the flags.
	usage string
	run   func(ctx context.Context, e *env, args []string) error
}

func commands() []command {
	return []command{
		{"plan", "show what a sync would do, and save the plan; changes nothing", planUsage, runPlan},
		{"apply", "carry out a saved plan, or plan and apply with -yes", applyUsage, runApply},
		{"run", "the scheduled sync of every server, with a periodic report", runUsage, runRun},
		{"serve", "answer WHMCS modules' ListAccounts over HTTP", serveUsage, runServe},
		{"nscheck", "check that domains are delegated to your nameservers", nscheckUsage, runNscheck},
		{"check", "check each server and the billing side: reachable, TLS, credentials", checkUsage, runCheck},
		{"migrate", "create the tables of River, the job queue of run -river", migrateUsage, runMigrate},
		{"version", "print the version", "usage: accountsync version [-json]\n", runVersion},
	}
}

const topUsage = `accountsync keeps hosting servers' accounts in step with WHMCS billing.

usage: accountsync COMMAND [flags]

Commands:
%s
Every command reads one configuration file: -config FILE, or
$ACCOUNTSYNC_CONFIG, or /etc/accountsync/config.jsonc. Its reference is
config/reference.md in the source tree.

Exit status: 0 done or nothing to do, 1 something failed, 2 refused or bad
usage, 3 changes pending (plan -detailed-exitcode).

Start with:
  accountsync check
  accountsync plan

Run "accountsync COMMAND -h" for a command's flags and an example.
`

func writeTopUsage(w io.Writer) {
	var b strings.Builder
	for _, c := range commands() {
		fmt.Fprintf(&b, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, topUsage, b.String())
}

// run is the whole command: it returns the exit status.
func run(ctx context.Context, args []string, e *env) int {
	if len(args) == 0 {
		writeTopUsage(e.stderr)
		return exitRefused
	}
	name := args[0]
	switch name {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 && name == "help" {
			return run(ctx, []string{args[1], "-h"}, e)
		}
		writeTopUsage(e.stdout)
		return exitOK
	case "-version", "--version":
		name = "version"
	}
	i := slices.IndexFunc(commands(), func(c command) bool { return c.name == name })
	if i < 0 {
		fmt.Fprintf(e.stderr, "accountsync: unknown command %q\n\n", name)
		writeTopUsage(e.stderr)
		return exitRefused
	}
	c := commands()[i]
	err := c.run(ctx, e, args[1:])
	return report(e, c, err)
}

// report prints err, if any, and returns its exit status.
func report(e *env, c command, err error) int {
	if err == nil {
		return exitOK
	}
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	var x *exitError
	if errors.As(err, &x) {
		if x.err != nil {
			fmt.Fprintf(e.stderr, "accountsync %s: %v\n", c.name, x.err)
		}
		if x.code == exitRefused && x.usage {
			fmt.Fprintf(e.stderr, "Run 'accountsync %s -h' for usage.\n", c.name)
		}
		return x.code
	}
	var ce *config.Error
	if errors.As(err, &ce) {
		fmt.Fprintf(e.stderr, "accountsync %s: %v\n", c.name, err)
		return exitRefused
	}
	fmt.Fprintf(e.stderr, "accountsync %s: %v\n", c.name, err)
	return exitFailed
}

// exitError is an error with its exit status. err may be nil when the
// output already said everything.
type exitError struct {
	code  int
	err   error
	usage bool // point at -h
}

func (x *exitError) Error() string {
	if x.err == nil {
		return fmt.Sprintf("exit status %d", x.code)
	}
	return x.err.Error()
}

func (x *exitError) Unwrap() error { return x.err }

// usageError is bad usage: exit 2 with a pointer to -h.
func usageError(format string, args ...any) error {
	return &exitError{code: exitRefused, err: fmt.Errorf(format, args...), usage: true}
}

// refused is a refusal: exit 2.
func refused(format string, args ...any) error {
	return &exitError{code: exitRefused, err: fmt.Errorf(format, args...)}
}

// silent is an exit status whose reasons the output has given.
func silent(code int) error {
	if code == exitOK {
		return nil
	}
	return &exitError{code: code}
}

// flags is a command's flag set with the flags every command shares.
type flags struct {
	*flag.FlagSet
	e       *env
	usage   string
	config  string
	state   string
	json    bool
	verbose bool
	servers listFlag
}

// newFlags returns the flag set of a command. withState adds -state;
// withServers adds -server.
func newFlags(e *env, name, usage string, withServers, withState bool) *flags {
	f := &flags{FlagSet: flag.NewFlagSet("accountsync "+name, flag.ContinueOnError), e: e, usage: usage}
	f.SetOutput(io.Discard) // errors are reported once, by parse
	def := "/etc/accountsync/config.jsonc"
	if v, ok := e.lookup("ACCOUNTSYNC_CONFIG"); ok && v != "" {
		def = v
	}
	f.StringVar(&f.config, "config", def, "the configuration file (default $ACCOUNTSYNC_CONFIG, else /etc/accountsync/config.jsonc)")
	f.BoolVar(&f.json, "json", false, "print JSON on standard output, and nothing else there")
	f.BoolVar(&f.verbose, "v", false, "log debug lines (each HTTP request) to standard error")
	if withServers {
		f.Var(&f.servers, "server", "work on this server only (name, hostname or IP; repeat or separate with commas); default all")
	}
	if withState {
		f.StringVar(&f.state, "state", "", "state directory: hysteresis counts, plans, sync log, lock (default $XDG_STATE_HOME/accountsync or ~/.local/state/accountsync)")
	}
	return f
}

// parse parses args; -h prints the usage to standard output and returns
// flag.ErrHelp.
func (f *flags) parse(args []string) error {
	err := f.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		f.writeUsage(f.e.stdout)
		return flag.ErrHelp
	}
	if err != nil {
		return usageError("%v", err)
	}
	return nil
}

func (f *flags) writeUsage(w io.Writer) {
	fmt.Fprint(w, f.usage)
	fmt.Fprintln(w, "\nFlags:")
	f.SetOutput(w)
	f.PrintDefaults()
	f.SetOutput(io.Discard)
}

// noArgs refuses positional arguments.
func (f *flags) noArgs() error {
	if f.NArg() > 0 {
		return usageError("unexpected argument %q", f.Arg(0))
	}
	return nil
}

// logger is the command's log: warnings and errors on standard error,
// debug lines too with -v.
func (f *flags) logger(level slog.Level) *slog.Logger {
	if f.verbose {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(f.e.stderr, &slog.HandlerOptions{Level: level}))
}

// load reads the configuration file.
func (f *flags) load() (*config.Config, error) {
	data, err := os.ReadFile(f.config)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, refused("no configuration file at %s; pass -config FILE or set ACCOUNTSYNC_CONFIG (see config/reference.md)", f.config)
		}
		return nil, refused("%v", err)
	}
	return config.Parse(f.config, data, f.e.lookup)
}

// loadServers loads the configuration and returns the servers -server
// names, in file order (all of them without -server); an unknown name is
// bad usage, never a silent no-op.
func (f *flags) loadServers() (*config.Config, []config.Server, error) {
	cfg, err := f.load()
	if err != nil {
		return nil, nil, err
	}
	if len(f.servers) == 0 {
		return cfg, cfg.Servers, nil
	}
	want := map[string]bool{}
	for _, n := range f.servers {
		s, ok := cfg.Server(n)
		if !ok {
			return nil, nil, usageError("-server %s: no such server in %s (configured: %s)", n, f.config, strings.Join(cfg.Names(), ", "))
		}
		want[s.Name] = true
	}
	var out []config.Server
	for _, s := range cfg.Servers {
		if want[s.Name] {
			out = append(out, s)
		}
	}
	return cfg, out, nil
}

// listFlag is a flag that may be repeated and holds comma-separated
// values.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l = append(*l, s)
		}
	}
	return nil
}

// plural writes n and the noun, with an s when n is not 1.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	if strings.HasSuffix(noun, "s") {
		return fmt.Sprintf("%d %ses", n, noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
