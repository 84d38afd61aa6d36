package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/accountsync/accountsync/config"
	"github.com/accountsync/accountsync/nsscan"
	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/riverjobs"
	acsync "github.com/accountsync/accountsync/sync"
)

// River mode: run -river DSN syncs through jobs on River over PostgreSQL
// (package riverjobs) instead of this process's own loop, so that several
// machines share the fleet; migrate -river DSN creates River's tables.

const migrateUsage = `usage: accountsync migrate -river DSN

Creates or updates the tables of River, the job queue of "accountsync run
-river", in a PostgreSQL database, and accountsync's own beside them: the
table of runs, accountsync_run, and the hysteresis counts of billing sides
that keep none. It is safe to run again, and from several machines.

Example:
  accountsync migrate -river postgres://accountsync@db.example.net/accountsync
`

// riverFlag registers -river, whose default is $ACCOUNTSYNC_RIVER (a DSN
// may hold a password, which an environment variable keeps out of ps).
func riverFlag(f *flags, help string) *string {
	def, _ := f.e.lookup("ACCOUNTSYNC_RIVER")
	return f.String("river", def, help+" (default $ACCOUNTSYNC_RIVER)")
}

// riverFlags are run's flags for River mode.
type riverFlags struct {
	dsn     *string
	approve listFlag
}

// use reports whether run works through River: with -river, unless
// -dry-run asks for a plan made here.
func (r *riverFlags) use(dryRun bool) (bool, error) {
	if len(r.approve) > 0 && (*r.dsn == "" || dryRun) {
		return false, usageError("-approve needs -river, and no -dry-run")
	}
	return *r.dsn != "" && !dryRun, nil
}

func (r *riverFlags) register(f *flags) {
	r.dsn = riverFlag(f, "sync through jobs on River in this PostgreSQL database, shared by every machine running run -river: a worker, or with -once, enqueue this period's jobs; -dry-run still plans here (see accountsync migrate)")
	f.Var(&r.approve, "approve", "with -river: apply a plan held as unsafe, SERVER=FINGERPRINT as accountsync_run's report holds it (repeat or separate with commas)")
}

func runMigrate(ctx context.Context, e *env, args []string) error {
	f := newFlags(e, "migrate", migrateUsage, false, false)
	dsn := riverFlag(f, "the PostgreSQL database of the River jobs, as a URL or key=value DSN")
	if err := f.parse(args); err != nil {
		return err
	}
	if err := f.noArgs(); err != nil {
		return err
	}
	if *dsn == "" {
		return usageError("-river DSN is required")
	}
	pool, err := openRiver(ctx, *dsn)
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := riverjobs.Migrate(ctx, pool); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "The River tables and accountsync_run are up to date in database %s on %s.\n",
		pool.Config().ConnConfig.Database, pool.Config().ConnConfig.Host)
	return nil
}

// openRiver opens a pool on dsn and checks that it answers.
func openRiver(ctx context.Context, dsn string) (*pgxpool.Pool, error) {
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		// pgx's parse errors hold the DSN, password and all.
		return nil, refused("-river: not a PostgreSQL DSN")
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("river database: %w", err)
	}
	return pool, nil
}

// runRiver is run -river: with once, it enqueues this period's job of each
// server not synced yet in the period, to run at once on whichever worker
// is free, and exits; otherwise this process is a worker until stopped,
// and the elected one of the workers enqueues each server once per every,
// at a fixed offset of its own in the period.
func runRiver(ctx context.Context, f *flags, ns nsFlags, cfg *config.Config, servers []config.Server, rf riverFlags, every time.Duration, once bool) error {
	approvals := make([][2]string, 0, len(rf.approve))
	for _, a := range rf.approve {
		name, fp, ok := strings.Cut(a, "=")
		srv, known := cfg.Server(name)
		if !ok || fp == "" || !known {
			return usageError("-approve %s: want SERVER=FINGERPRINT of a configured server", a)
		}
		approvals = append(approvals, [2]string{srv.Name, fp})
	}
	pool, err := openRiver(ctx, *rf.dsn)
	if err != nil {
		return err
	}
	defer pool.Close()
	s, err := newSyncerFor(ctx, f, ns, cfg, servers)
	if err != nil {
		return err
	}
	defer s.Close()
	rc := riverjobs.Config{
		Servers:  providerServers(servers),
		Registry: config.Registry(),
		Open: func(ctx context.Context, srv provider.Server, md provider.Metadata) (riverjobs.Billing, error) {
			return s.billing.Store(ctx, srv.Name, md)
		},
		OptionsFor: func(srv provider.Server) acsync.Options { return cfg.PolicyFor(srv.Name) },
		ExpectFor:  func(srv provider.Server) (nsscan.Expectation, bool) { return cfg.Expectation(srv.Name) },
		Checker:    s.checker,
		Period:     every,
		Workers:    cfg.Run.Concurrency,
		Timeout:    cfg.Run.Timeout.Or(30 * time.Minute),
		Logger:     f.logger(0),
		Now:        f.e.now,
	}
	if once {
		rc.Workers = -1
	}
	c, err := riverjobs.NewClient(ctx, pool, rc)
	if err != nil {
		return err
	}
	for _, a := range approvals {
		if err := c.Approve(ctx, a[0], a[1]); err != nil {
			return err
		}
		fmt.Fprintf(f.e.stdout, "Approved the plan %s of %s: a worker applies it now if it is still the plan.\n", a[1], a[0])
	}
	if once {
		n, err := c.EnqueueNow(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(f.e.stdout, "Enqueued %s on River; %d already had this period's job.\n", plural(n, "server"), len(servers)-n)
		return nil
	}
	if err := c.Start(ctx); err != nil {
		return err
	}
	fmt.Fprintf(f.e.stdout, "Working River jobs: each of %s once every %s. Runs are recorded in accountsync_run.\n",
		plural(len(servers), "server"), every)
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	return c.Stop(sctx)
}
