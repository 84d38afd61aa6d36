// Command riverbench measures the fleet sync on River. It starts F fake
// cPanel servers (provider/cpanel/cpaneltest) of A accounts each on
// loopback, a PostgreSQL cluster of its own (internal/pgtest; or uses
// -dsn), and for each worker count in -workers a fresh River database and
// a fresh SQLite billing store (sqlstore). It enqueues one job per server
// and times the workers through them twice: the first import of every
// server, then a period with everything in sync. Each worker is a River
// client with its own connection pool, as a worker process would be; they
// run in this one process so that they share the fakes and the billing
// store. For each run it prints the wall time, jobs and accounts per
// second, and the sizes of the PostgreSQL database and the billing file.
//
//	go run ./riverjobs/internal/riverbench -servers 1000 -accounts 1000 -workers 1,2
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/accountsync/accountsync/internal/bench/fakefleet"
	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/cpanel"
	"github.com/accountsync/accountsync/riverjobs"
	"github.com/accountsync/accountsync/riverjobs/pgtest"
	"github.com/accountsync/accountsync/sqlstore"
)

type options struct {
	servers, accounts int
	workers           []int
	concurrency       int
	dsn               string
}

func main() {
	var o options
	var workers string
	flag.IntVar(&o.servers, "servers", 1000, "fake cPanel servers")
	flag.IntVar(&o.accounts, "accounts", 1000, "accounts per server")
	flag.StringVar(&workers, "workers", "1,2", "worker counts to measure, in order")
	flag.IntVar(&o.concurrency, "concurrency", riverjobs.DefaultWorkers, "jobs each worker runs at once")
	flag.StringVar(&o.dsn, "dsn", "", "a PostgreSQL server to create the benchmark databases on (default: start a cluster in a temporary directory)")
	flag.Parse()
	for _, w := range strings.Split(workers, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(w))
		if err != nil || n < 1 {
			fmt.Fprintf(os.Stderr, "riverbench: -workers: %q is not a positive count\n", w)
			os.Exit(2)
		}
		o.workers = append(o.workers, n)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "riverbench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) error {
	if o.servers < 1 || o.accounts < 1 || o.concurrency < 1 {
		return errors.New("-servers, -accounts and -concurrency must be at least 1")
	}
	if o.dsn == "" {
		c, err := pgtest.StartCluster(ctx)
		if err != nil {
			return err
		}
		defer c.Stop()
		o.dsn = c.DSN
	}
	var pgVersion string
	if err := withConn(ctx, o.dsn, func(conn *pgx.Conn) error {
		return conn.QueryRow(ctx, `SHOW server_version`).Scan(&pgVersion)
	}); err != nil {
		return err
	}
	fmt.Printf("riverbench: %d servers x %d accounts = %d accounts; %d jobs at once per worker; PostgreSQL %s; GOMAXPROCS %d\n",
		o.servers, o.accounts, o.servers*o.accounts, o.concurrency, pgVersion, runtime.GOMAXPROCS(0))
	start := time.Now()
	servers, stopFakes := fakefleet.Start(o.servers, o.accounts, 1)
	defer stopFakes()
	fmt.Printf("started the fakes in %s\n\n", time.Since(start).Round(time.Millisecond))

	tw := tabwriter.NewWriter(os.Stdout, 0, 8, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "workers\trun\twall\tjobs/s\taccounts/s\tactions\tfailed jobs\tPostgreSQL DB\truns+jobs\tbilling DB\t")
	defer tw.Flush()
	for _, w := range o.workers {
		if err := measureWorkers(ctx, o, w, servers, tw); err != nil {
			return err
		}
	}
	return nil
}

// measureWorkers runs both periods through w workers on fresh databases.
func measureWorkers(ctx context.Context, o options, w int, servers []provider.Server, tw *tabwriter.Writer) error {
	name := fmt.Sprintf("riverbench_%d_%d", w, time.Now().UnixNano())
	if err := withConn(ctx, o.dsn, func(conn *pgx.Conn) error {
		_, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
		return err
	}); err != nil {
		return err
	}
	defer withConn(context.Background(), o.dsn, func(conn *pgx.Conn) error {
		_, err := conn.Exec(context.Background(), "DROP DATABASE "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
		return err
	})
	cfg, err := pgxpool.ParseConfig(o.dsn)
	if err != nil {
		return err
	}
	cfg.ConnConfig.Database = name
	cfg.MaxConns = int32(o.concurrency + 4)
	admin, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer admin.Close()
	if err := riverjobs.Migrate(ctx, admin); err != nil {
		return err
	}

	dir, err := os.MkdirTemp("", "riverbench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	billingPath := filepath.Join(dir, "billing.db")
	db, err := sqlstore.Open(ctx, billingPath)
	if err != nil {
		return err
	}
	defer db.Close()

	rc := riverjobs.Config{
		Servers:        servers,
		Registry:       provider.Registry{"cpanel": provider.FactoryOf(cpanel.FromServer)},
		NoPeriodicJobs: true,
		Workers:        o.concurrency,
		Open: func(ctx context.Context, s provider.Server, md provider.Metadata) (riverjobs.Billing, error) {
			return db.Server(ctx, s.Name, s.Type, md.UniqueIdentifierField)
		},
		Logger: slog.New(slog.DiscardHandler),
	}
	clients := make([]*riverjobs.Client, w)
	for i := range clients {
		pool, err := pgxpool.NewWithConfig(ctx, cfg.Copy())
		if err != nil {
			return err
		}
		defer pool.Close()
		c := rc
		c.ID = fmt.Sprintf("worker-%d", i+1)
		if clients[i], err = riverjobs.NewClient(ctx, pool, c); err != nil {
			return err
		}
	}
	for i, c := range clients {
		if err := c.Start(ctx); err != nil {
			return err
		}
		defer func() {
			sctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			if err := clients[i].Stop(sctx); err != nil {
				fmt.Fprintln(os.Stderr, "riverbench: stop:", err)
			}
		}()
	}

	// Two past periods, so that every server's slot is due at once.
	now := time.Now()
	for i, label := range []string{"first import", "in sync"} {
		at := now.Add(time.Duration(i-3) * riverjobs.DefaultPeriod)
		var before int
		if err := admin.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE finalized_at IS NOT NULL`).Scan(&before); err != nil {
			return err
		}
		t0 := time.Now()
		if _, err := clients[0].Enqueue(ctx, at); err != nil {
			return err
		}
		for {
			var done int
			if err := admin.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE finalized_at IS NOT NULL`).Scan(&done); err != nil {
				return err
			}
			if done-before >= o.servers {
				break
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(100 * time.Millisecond):
			}
		}
		// From the first run's start to the last one's end: the jobs of a
		// past period wait up to River's scheduler interval (5 s) to be
		// made available, which is no part of the workers' speed.
		var actions, failedJobs int
		var pgSize, tables int64
		var first, last time.Time
		if err := admin.QueryRow(ctx, `
			SELECT coalesce(sum(actions), 0), count(*) FILTER (WHERE outcome NOT IN ('succeeded', 'partial')),
			       pg_database_size(current_database()),
			       pg_total_relation_size('accountsync_run') + pg_total_relation_size('river_job'),
			       min(started), max(finished)
			  FROM accountsync_run WHERE started >= $1`, t0).Scan(&actions, &failedJobs, &pgSize, &tables, &first, &last); err != nil {
			return err
		}
		wall := last.Sub(first)
		if failedJobs > 0 {
			var msg string
			admin.QueryRow(ctx, `SELECT server || ': ' || error FROM accountsync_run WHERE started >= $1 AND outcome NOT IN ('succeeded', 'partial') LIMIT 1`, t0).Scan(&msg)
			fmt.Fprintf(os.Stderr, "%s, %d workers: first failure: %s\n", label, w, msg)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%.1f\t%.0f\t%d\t%d\t%s\t%s\t%s\t\n", w, label, wall.Round(10*time.Millisecond),
			float64(o.servers)/wall.Seconds(), float64(o.servers*o.accounts)/wall.Seconds(), actions, failedJobs,
			mib(pgSize), mib(tables), mib(fileSize(billingPath)))
	}
	return nil
}

func withConn(ctx context.Context, dsn string, fn func(*pgx.Conn) error) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	return fn(conn)
}

// fileSize is the size of a SQLite database with its write-ahead log.
func fileSize(path string) int64 {
	var n int64
	for _, p := range []string{path, path + "-wal"} {
		if fi, err := os.Stat(p); err == nil {
			n += fi.Size()
		}
	}
	return n
}

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
