// Command cron syncs many servers on a schedule: for each configured server
// it lists, diffs and applies with a cap on the actions of one run, checks
// the accounts' nameservers with nsscan, keeps the hysteresis history and
// the sync log in the SQLite billing store, and sends a daily report by
// SMTP.
//
// Run it as a long-running program, or once per cron tick with -once:
//
//	cron -config servers.json -db billing.db -interval 1h \
//	     -ns ns1.hostco.example,ns2.hostco.example \
//	     -smtp mail.hostco.example:587 -smtp-from sync@hostco.example -smtp-to ops@hostco.example
//
//	# crontab: every hour, one run; the report goes out once a day
//	0 * * * *  cron -once -config /etc/accountsync/servers.json -db /var/lib/accountsync/billing.db ...
//
// Servers run concurrently (-concurrency), each with its own timeout; one
// failing server never stops the others, and it is named in the report.
// Terminations need their flags, and with -confirm-runs a key must be seen
// missing (or its nameservers incorrect) that many runs in a row first.
// SMTP credentials come from SMTP_USERNAME and SMTP_PASSWORD.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/accountsync/accountsync/examples/internal/serverconfig"
	"github.com/accountsync/accountsync/nsscan"
	"github.com/accountsync/accountsync/sqlstore"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, "cron:", err)
		os.Exit(1)
	}
}

// config is everything the flags set.
type config struct {
	configPath, dbPath   string
	once                 bool
	interval, timeout    time.Duration
	concurrency          int
	maxActions           int
	terminateRemote      bool
	terminateLocal       bool
	terminateIncorrectNS bool
	confirmRuns          int
	nameservers          []string
	nsMinMatches         int
	nsRoots              []string
	nsPort               int
	reportEvery          time.Duration
	smtpAddr, smtpFrom   string
	smtpTo               []string
	smtpUser, smtpPass   string
	verbose              bool
}

func parseFlags(args []string, stderr io.Writer, getenv func(string) string) (config, error) {
	fs := flag.NewFlagSet("cron", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c config
	var ns, roots, to string
	fs.StringVar(&c.configPath, "config", "servers.json", "JSON list of servers (see examples/internal/serverconfig)")
	fs.StringVar(&c.dbPath, "db", "billing.db", "SQLite billing store")
	fs.BoolVar(&c.once, "once", false, "run once and exit (for cron)")
	fs.DurationVar(&c.interval, "interval", time.Hour, "time between runs")
	fs.DurationVar(&c.timeout, "timeout", 30*time.Minute, "how long one server's run may take")
	fs.IntVar(&c.concurrency, "concurrency", 4, "servers synced at once")
	fs.IntVar(&c.maxActions, "max-actions", 50, "actions per server per run; the rest waits for the next run")
	fs.BoolVar(&c.terminateRemote, "terminate-remote", false, "terminate server accounts whose billing service ended")
	fs.BoolVar(&c.terminateLocal, "terminate-local", false, "terminate billing services whose account is gone from the server")
	fs.BoolVar(&c.terminateIncorrectNS, "terminate-incorrect-ns", false, "terminate accounts whose nameservers are incorrect (needs -terminate-remote)")
	fs.IntVar(&c.confirmRuns, "confirm-runs", 3, "runs in a row a key must be missing or incorrect before it is terminated")
	fs.StringVar(&ns, "ns", "", "expected nameservers, comma-separated; empty skips the nameserver check")
	fs.IntVar(&c.nsMinMatches, "ns-min", 1, "how many of a domain's nameservers must be expected ones")
	fs.StringVar(&roots, "ns-roots", "", "root servers to start from (host:port, comma-separated); default the IANA roots")
	fs.IntVar(&c.nsPort, "ns-port", 0, "port for every DNS server contacted (for a lab); default 53")
	fs.DurationVar(&c.reportEvery, "report-every", 24*time.Hour, "how often the report is sent")
	fs.StringVar(&c.smtpAddr, "smtp", "", "SMTP server host:port; empty prints the report to stdout")
	fs.StringVar(&c.smtpFrom, "smtp-from", "", "sender of the report")
	fs.StringVar(&to, "smtp-to", "", "recipients of the report, comma-separated")
	fs.BoolVar(&c.verbose, "v", false, "debug logging")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	c.nameservers, c.nsRoots, c.smtpTo = splitList(ns), splitList(roots), splitList(to)
	c.smtpUser, c.smtpPass = getenv("SMTP_USERNAME"), getenv("SMTP_PASSWORD")
	if c.smtpAddr != "" && (c.smtpFrom == "" || len(c.smtpTo) == 0) {
		return c, errors.New("-smtp needs -smtp-from and -smtp-to")
	}
	if c.terminateIncorrectNS && (!c.terminateRemote || len(c.nameservers) == 0) {
		return c, errors.New("-terminate-incorrect-ns needs -terminate-remote and -ns")
	}
	if c.concurrency < 1 {
		c.concurrency = 1
	}
	return c, nil
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	cfg, err := parseFlags(args, stderr, getenv)
	if err != nil {
		return err
	}
	level := slog.LevelInfo
	if cfg.verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	servers, err := serverconfig.Load(cfg.configPath)
	if err != nil {
		return err
	}
	db, err := sqlstore.Open(ctx, cfg.dbPath)
	if err != nil {
		return err
	}
	defer db.Close()

	j := &job{cfg: cfg, db: db, servers: servers, log: logger, now: time.Now, out: stdout,
		fleet: newFleet(cfg, db, serverconfig.Registry(), logger, time.Now)}
	if len(cfg.nameservers) > 0 {
		j.fleet.Expect, err = nsscan.Expectation{Nameservers: cfg.nameservers, MinMatches: cfg.nsMinMatches}.Normalize()
		if err != nil {
			return fmt.Errorf("-ns: %w", err)
		}
		checker, err := nsscan.New(nsscan.Config{Roots: cfg.nsRoots, Port: cfg.nsPort, Logger: logger})
		if err != nil {
			return err
		}
		defer checker.Close()
		j.fleet.Checker = checker
	}
	if cfg.smtpAddr != "" {
		j.mail = smtpSender{addr: cfg.smtpAddr, from: cfg.smtpFrom, to: cfg.smtpTo, username: cfg.smtpUser, password: cfg.smtpPass}
	}

	for {
		results := j.tick(ctx)
		// A run stopped by a signal still reports what it did: the report
		// must not read the store with the cancelled context.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
		err := j.maybeReport(rctx, results)
		cancel()
		if err != nil {
			logger.Error("report", "error", err)
			if cfg.once {
				return err
			}
		}
		if cfg.once {
			if n := failedServers(results); n > 0 {
				return fmt.Errorf("%d of %d servers failed; see the log and the report", n, len(results))
			}
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(cfg.interval):
		}
	}
}
