package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/accountsync/accountsync/config"
	"github.com/accountsync/accountsync/internal/fleet"
)

const runUsage = `usage: accountsync run [flags]

The scheduled sync of every configured server: each run lists every
server and its billing side once, checks the accounts' nameservers when
the policy names them, plans within the policy (actions per run, safety
limits, hysteresis), applies, and keeps the hysteresis counts for the next
run. Servers are synced run.concurrency at a time, each within
run.timeout; one failing server never stops the others. A report of what
happened goes out every run.report.every by SMTP (or to standard output).

Servers whose policy mode is "report" are planned and reported, never
changed. -dry-run does that for every server and sends no report.

Run it as a service (every run.interval), or from cron with -once:

Example:
  accountsync run -once -dry-run        # what would the next run do?
  accountsync run                       # a long-running service
  0 * * * *  accountsync run -once -quiet -config /etc/accountsync/config.jsonc -state /var/lib/accountsync
`

func runRun(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "run", runUsage, true, true)
	var ns nsFlags
	ns.register(f)
	once := f.Bool("once", false, "run once and exit (for cron)")
	quiet := f.Bool("quiet", false, "print nothing unless something fails (for cron, which mails any output)")
	dryRun := f.Bool("dry-run", false, "plan and show, change nothing, send no report")
	interval := f.Duration("interval", 0, "time between runs (default run.interval, else 1h)")
	var river riverFlags
	river.register(f)
	if err := f.parse(args); err != nil {
		return err
	}
	if err := f.noArgs(); err != nil {
		return err
	}
	cfg, servers, err := f.loadServers()
	if err != nil {
		return err
	}
	every := cfg.Run.Interval.Or(time.Hour)
	if *interval != 0 {
		if *interval < time.Minute {
			return usageError("-interval %v: at least 1m", *interval)
		}
		every = *interval
	}
	if use, err := river.use(*dryRun); use || err != nil {
		if err != nil {
			return err
		}
		return runRiver(ctx, f, ns, cfg, servers, river, every, *once)
	}
	s, err := newSyncerFor(ctx, f, ns, cfg, servers)
	if err != nil {
		return err
	}
	defer s.Close()
	log := s.log
	if !f.verbose && !*quiet {
		log = f.logger(0) // a service logs each run at INFO
	}
	s.log = log
	s.quiet = *quiet

	for {
		code, err := s.tick(ctx, f, servers, *dryRun)
		if *once {
			if err != nil {
				return err
			}
			return silent(code)
		}
		if err != nil {
			log.Error("run", "error", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(every):
		}
	}
}

// tick is one run over every server. It returns the exit status of a
// -once run.
func (s *syncer) tick(ctx context.Context, f *flags, servers []config.Server, dryRun bool) (int, error) {
	unlock, err := s.st.lock()
	if err != nil {
		return exitFailed, err
	}
	defer unlock()
	var apply, report []config.Server
	for _, srv := range servers {
		if dryRun || modeOf(s.cfg, srv.Name) == "report" {
			report = append(report, srv)
		} else {
			apply = append(apply, srv)
		}
	}
	results := make([]fleet.Result, 0, len(servers))
	if len(apply) > 0 {
		results = append(results, s.job(false, false, nil).Run(ctx, providerServers(apply))...)
	}
	if len(report) > 0 && ctx.Err() == nil {
		results = append(results, s.job(true, false, nil).Run(ctx, providerServers(report))...)
	}
	if f.json {
		if err := writeJSON(s.e.stdout, runJSON(results, dryRun)); err != nil {
			return exitFailed, err
		}
	} else if !s.quiet || failedResults(results) > 0 {
		writeRun(s.e.stdout, results, dryRun)
	}
	if !dryRun {
		// A run stopped by a signal still reports what it did: the
		// report must not use the cancelled context.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
		err := s.maybeReport(rctx, f, results)
		cancel()
		if err != nil {
			return exitFailed, fmt.Errorf("report: %w", err)
		}
	}
	if n := failedResults(results); n > 0 {
		return exitFailed, &exitError{code: exitFailed, err: fmt.Errorf("%s of %d failed; see above", plural(n, "server"), len(results))}
	}
	return exitOK, nil
}

// runResult is one server's part of run -json.
type runResult struct {
	Server    string   `json:"server"`
	Type      string   `json:"type"`
	DryRun    bool     `json:"dryRun,omitempty"`
	Accounts  int      `json:"accounts"`
	Services  int      `json:"services"`
	Report    any      `json:"report,omitempty"`
	Plan      any      `json:"plan,omitempty"`
	Error     string   `json:"error,omitempty"`
	NSChecked int      `json:"nsChecked,omitempty"`
	Incorrect []string `json:"nsIncorrect,omitempty"`
}

func runJSON(results []fleet.Result, dryRun bool) []runResult {
	out := make([]runResult, 0, len(results))
	for _, r := range results {
		rr := runResult{Server: r.Name, Type: r.Type, DryRun: r.Report == nil && r.Plan != nil, Accounts: r.Accounts, Services: r.Services, NSChecked: r.NSChecked}
		if r.Report != nil {
			rr.Report = r.Report
		} else if r.Plan != nil {
			rr.Plan = r.Plan
		}
		if r.Err != nil {
			rr.Error = explain(r.Err)
		}
		for _, x := range r.Incorrect {
			rr.Incorrect = append(rr.Incorrect, x.Input)
		}
		out = append(out, rr)
	}
	return out
}

// writeRun writes a line per server.
func writeRun(w io.Writer, results []fleet.Result, dryRun bool) {
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "SERVER\tACCOUNTS\tSERVICES\tRESULT\tDETAIL")
	for _, r := range results {
		switch {
		case r.Err != nil:
			fmt.Fprintf(tw, "%s\t%d\t%d\tFAILED\t%s\n", r.Name, r.Accounts, r.Services, explain(r.Err))
		case r.Report != nil:
			fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s%s\n", r.Name, r.Accounts, r.Services, resultWord(r.Report), summarize(r.Report), nsNote(r))
		case r.Plan != nil:
			word := "planned"
			if !dryRun {
				word = "report only"
			}
			fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s would run%s\n", r.Name, r.Accounts, r.Services, word, planCounts(r.Plan.Counts, len(r.Plan.Actions)), nsNote(r))
		}
	}
	tw.Flush()
	if dryRun {
		fmt.Fprintln(w, "Dry run: nothing was changed.")
	}
}

func nsNote(r fleet.Result) string {
	if r.NSChecked == 0 {
		return ""
	}
	return fmt.Sprintf("; nameservers: %d checked, %d incorrect", r.NSChecked, len(r.Incorrect))
}
