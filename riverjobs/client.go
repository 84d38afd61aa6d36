package riverjobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/accountsync/accountsync/provider"
)

// Client enqueues and works the sync jobs of a fleet. Start it in every
// worker process; all of them share one database, and River elects one
// of them to enqueue the periodic jobs.
type Client struct {
	cfg     Config
	pool    *pgxpool.Pool
	servers map[string]provider.Server
	river   *river.Client[pgx.Tx]
	// locks holds the sessions of running jobs' advisory locks: a pool of
	// its own, so that jobs holding connections never starve River of
	// the caller's pool.
	locks *pgxpool.Pool
	id    string
	log   *slog.Logger
}

// NewClient returns a client over pool, which must reach a database
// migrated with [Migrate]. It opens a second pool with the same settings,
// of at most Workers+2 connections, for the locks of running jobs. It
// checks the config and connects nothing else until [Client.Start].
func NewClient(ctx context.Context, pool *pgxpool.Pool, cfg Config) (*Client, error) {
	if pool == nil {
		return nil, errors.New("riverjobs: new client: nil pool")
	}
	if cfg.Open == nil || cfg.Registry == nil {
		return nil, errors.New("riverjobs: new client: Config.Registry and Config.Open are required")
	}
	c := &Client{cfg: cfg, pool: pool, servers: make(map[string]provider.Server, len(cfg.Servers)), log: cfg.logger()}
	for _, s := range cfg.Servers {
		if s.Name == "" {
			return nil, errors.New("riverjobs: new client: a server without a name")
		}
		if _, dup := c.servers[s.Name]; dup {
			return nil, fmt.Errorf("riverjobs: new client: two servers named %q", s.Name)
		}
		c.servers[s.Name] = s
	}
	for typ, n := range cfg.PanelLimits {
		if n < 0 {
			return nil, fmt.Errorf("riverjobs: new client: panel limit of %q is negative", typ)
		}
	}
	rc := &river.Config{
		ID:                   cfg.ID,
		JobTimeout:           cfg.timeout(),
		RescueStuckJobsAfter: cfg.rescueAfter(),
		MaxAttempts:          cfg.MaxAttempts,
		RetryPolicy:          cfg.RetryPolicy,
		Logger:               c.log,
	}
	if workers := cfg.workers(); workers > 0 {
		rc.Queues = map[string]river.QueueConfig{cfg.queue(): {MaxWorkers: workers}}
		rc.Workers = river.NewWorkers()
		if err := river.AddWorkerSafely(rc.Workers, &syncWorker{c: c}); err != nil {
			return nil, fmt.Errorf("riverjobs: new client: %w", err)
		}
		if !cfg.NoPeriodicJobs {
			rc.PeriodicJobs = c.periodicJobs()
		}
		lc := pool.Config().Copy()
		lc.MaxConns = int32(workers + 2)
		lc.MinConns = 0
		locks, err := pgxpool.NewWithConfig(ctx, lc)
		if err != nil {
			return nil, fmt.Errorf("riverjobs: new client: %w", err)
		}
		c.locks = locks
	}
	rcl, err := river.NewClient(riverpgxv5.New(pool), rc)
	if err != nil {
		c.close()
		return nil, fmt.Errorf("riverjobs: new client: %w", err)
	}
	c.river = rcl
	c.id = rcl.ID() // River's own, from the host name and time, when cfg.ID is empty
	return c, nil
}

// periodicJobs returns a periodic job per server at its slot in each
// period. RunOnStart makes a new leader enqueue each server's nearest
// slot at once: a server whose slot passed moments ago is caught up, and
// one whose period is already done is skipped as a duplicate.
func (c *Client) periodicJobs() []*river.PeriodicJob {
	jobs := make([]*river.PeriodicJob, 0, len(c.cfg.Servers))
	for _, s := range c.cfg.Servers {
		sched := ScheduleOf(s.Name, c.cfg.period())
		jobs = append(jobs, river.NewPeriodicJob(sched, func() (river.JobArgs, *river.InsertOpts) {
			now := time.Now()
			return SyncArgs{Server: s.Name}, c.cfg.periodOpts(sched.Nearest(now), now)
		}, &river.PeriodicJobOpts{RunOnStart: true}))
	}
	return jobs
}

// Start starts working jobs (and, on the elected leader, enqueueing the
// periodic ones). It returns once started; jobs run until [Client.Stop].
// Running jobs inherit ctx: cancelling it stops the client at once and
// cancels them (their runs are recorded, and the jobs run again later).
// For a graceful stop on a signal, pass a context that outlives the
// signal, such as context.WithoutCancel(ctx), and call Stop.
func (c *Client) Start(ctx context.Context) error {
	if c.locks == nil {
		return errors.New("riverjobs: start: this client has no workers (Config.Workers < 0)")
	}
	if err := c.river.Start(ctx); err != nil {
		return fmt.Errorf("riverjobs: start: %w", err)
	}
	return nil
}

// Stop waits for the running jobs to finish, or until ctx is done, and
// then closes the client's lock pool. Jobs not finished when ctx ends are
// cancelled and run again later by a worker.
func (c *Client) Stop(ctx context.Context) error {
	defer c.close()
	if c.locks == nil {
		return nil
	}
	err := c.river.Stop(ctx)
	if err != nil && ctx.Err() != nil {
		sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		err = c.river.StopAndCancel(sctx)
	}
	if err != nil {
		return fmt.Errorf("riverjobs: stop: %w", err)
	}
	return nil
}

func (c *Client) close() {
	if c.locks != nil {
		c.locks.Close()
	}
}

// River returns the River client, for subscriptions, listing jobs and
// River's other tools.
func (c *Client) River() *river.Client[pgx.Tx] { return c.river }

// Enqueue enqueues the job of each named server (every server in the
// fleet when none are named) for the period holding at, scheduled at the
// server's slot in it. A slot that has passed is due at once (for a past
// period, once River's scheduler makes it available, within seconds). A
// server that
// already has that period's job is skipped, whichever process enqueued
// it. It returns how many jobs were new.
func (c *Client) Enqueue(ctx context.Context, at time.Time, servers ...string) (int, error) {
	now := time.Now()
	return c.enqueue(ctx, servers, func(name string) *river.InsertOpts {
		return c.cfg.periodOpts(ScheduleOf(name, c.cfg.period()).slot(at), now)
	})
}

// enqueue inserts the jobs of servers (all when none) with their options.
func (c *Client) enqueue(ctx context.Context, servers []string, opts func(server string) *river.InsertOpts) (int, error) {
	if len(servers) == 0 {
		for _, s := range c.cfg.Servers {
			servers = append(servers, s.Name)
		}
	}
	params := make([]river.InsertManyParams, 0, len(servers))
	for _, name := range servers {
		if _, ok := c.servers[name]; !ok {
			return 0, fmt.Errorf("riverjobs: enqueue: server %q is not in the fleet", name)
		}
		params = append(params, river.InsertManyParams{Args: SyncArgs{Server: name}, InsertOpts: opts(name)})
	}
	if len(params) == 0 {
		return 0, nil
	}
	res, err := c.river.InsertMany(ctx, params)
	if err != nil {
		return 0, fmt.Errorf("riverjobs: enqueue: %w", err)
	}
	n := 0
	for _, r := range res {
		if !r.UniqueSkippedAsDuplicate {
			n++
		}
	}
	return n, nil
}

// EnqueueNow enqueues the current period's job of each named server (every
// server in the fleet when none are named) to run at once rather than at
// its slot: a manual or cron-driven sync that still keeps to one run per
// server and period. It returns how many jobs were new.
func (c *Client) EnqueueNow(ctx context.Context, servers ...string) (int, error) {
	now := time.Now()
	return c.enqueue(ctx, servers, func(string) *river.InsertOpts { return c.cfg.periodOpts(now, now) })
}

// Approve enqueues a run of the server that applies the plan with this
// fingerprint (Plan.Fingerprint, as in the report of the held run) even
// over the safety limits, at once. If the plan made now differs, nothing
// is changed and the run is recorded as [OutcomeStale]. Approving one
// fingerprint twice enqueues one run.
func (c *Client) Approve(ctx context.Context, server, fingerprint string) error {
	if _, ok := c.servers[server]; !ok {
		return fmt.Errorf("riverjobs: approve: server %q is not in the fleet", server)
	}
	if fingerprint == "" {
		return errors.New("riverjobs: approve: empty fingerprint")
	}
	_, err := c.river.Insert(ctx, SyncArgs{Server: server, Approve: fingerprint}, &river.InsertOpts{
		Queue:       c.cfg.queue(),
		MaxAttempts: c.cfg.MaxAttempts,
		UniqueOpts:  river.UniqueOpts{ByArgs: true, ByState: uniqueStates()},
	})
	if err != nil {
		return fmt.Errorf("riverjobs: approve: %w", err)
	}
	return nil
}

// Migrate brings the database up to River's newest schema and creates the
// run table and the history table. It is safe to run again, and from several processes at once:
// they take turns under an advisory lock. The pool needs two connections.
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("riverjobs: migrate: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, lockKey("migrate")); err != nil {
		return fmt.Errorf("riverjobs: migrate: lock: %w", err)
	}
	defer func() {
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if _, err := conn.Exec(uctx, `SELECT pg_advisory_unlock($1)`, lockKey("migrate")); err != nil {
			conn.Conn().Close(uctx)
		}
	}()
	m, err := rivermigrate.New(riverpgxv5.New(pool), nil)
	if err != nil {
		return fmt.Errorf("riverjobs: migrate: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("riverjobs: migrate: river: %w", err)
	}
	if _, err := conn.Exec(ctx, runTable+historyTable); err != nil {
		return fmt.Errorf("riverjobs: migrate: tables: %w", err)
	}
	return nil
}

func (c *Client) now() time.Time {
	if c.cfg.Now != nil {
		return c.cfg.Now()
	}
	return time.Now()
}
