package riverjobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/accountsync/accountsync/nsscan"
	"github.com/accountsync/accountsync/provider"
	acsync "github.com/accountsync/accountsync/sync"
)

// Defaults of the zero [Config].
const (
	// DefaultPeriod is how often each server is synced.
	DefaultPeriod = time.Hour
	// DefaultQueue is the River queue the jobs go to.
	DefaultQueue = "accountsync"
	// DefaultWorkers is how many servers one process syncs at once.
	DefaultWorkers = 4
	// DefaultTimeout bounds one server's sync.
	DefaultTimeout = 30 * time.Minute
	// DefaultBusySnooze is how long a job waits when its server is being
	// synced by another job or its panel type has no free slot; a random
	// part of as much again is added, so that waiting jobs do not return
	// together.
	DefaultBusySnooze = 30 * time.Second
)

// Billing is the billing side of one server: the engine's Store, Notifier
// and Journal, and the product of each package. sqlstore.Store is one, and
// so is the whmcs store. When it also has the methods SeenMissing and
// SaveSeenMissing (as sqlstore.Store does), the hysteresis history
// (Options.ConfirmRuns) is kept in it; otherwise in the table
// accountsync_seen_missing of the jobs' database, where every worker finds
// it.
type Billing interface {
	acsync.Store
	acsync.Notifier
	acsync.Journal
	// Products returns the product ID of each package, for
	// Options.Products.
	Products(ctx context.Context) (map[string]string, error)
}

// Config is what a [Client] syncs, with what policy, and how its jobs are
// scheduled. Zero values mean the documented defaults.
type Config struct {
	// Servers is the fleet. Jobs name their server by Server.Name, and
	// credentials stay here, out of the job rows; a job whose server is no
	// longer listed is cancelled. Every process sharing the database
	// should have the same list.
	Servers []provider.Server
	// Registry makes each server's provider.
	Registry provider.Registry
	// Open returns the billing side of a server (md is its provider's
	// metadata). It is called once per run.
	Open func(ctx context.Context, s provider.Server, md provider.Metadata) (Billing, error)
	// Options is the policy of every server: mode, switches, MaxActions,
	// ConfirmRuns, Limits, billing settings. KeyField, Now, Products,
	// SeenMissing and Nameservers are set per server.
	Options acsync.Options
	// OptionsFor, when set, returns a server's own policy instead of
	// Options (for per-server overrides).
	OptionsFor func(s provider.Server) acsync.Options
	// ActionConcurrency is each run's Executor.Concurrency.
	ActionConcurrency int
	// Checker, when set, judges the nameservers of the accounts' domains
	// against Expect (on servers keyed by domain).
	Checker *nsscan.Checker
	Expect  nsscan.Expectation
	// ExpectFor, when set, returns a server's own expectation instead of
	// Expect; false skips the check on that server.
	ExpectFor func(s provider.Server) (nsscan.Expectation, bool)

	// Period is how often each server is synced (DefaultPeriod when 0).
	// Jobs are unique per server and period.
	Period time.Duration
	// NoPeriodicJobs leaves enqueueing to the caller ([Client.Enqueue]):
	// River's leader then schedules nothing.
	NoPeriodicJobs bool
	// Queue is the River queue (DefaultQueue when empty).
	Queue string
	// Workers is how many jobs this process works at once
	// (DefaultWorkers when 0). A negative value makes a client that
	// enqueues but works nothing.
	Workers int
	// PanelLimits bounds, per panel type (provider.Server.Type), how many
	// servers are synced at once by all the processes sharing the
	// database. Types not listed are bounded by Workers only.
	PanelLimits map[string]int
	// Timeout bounds one run (DefaultTimeout when 0).
	Timeout time.Duration
	// RescueAfter is how long a job may stay running before River takes
	// its worker for dead and runs it again (River's
	// RescueStuckJobsAfter; Timeout plus ten minutes when 0). The server
	// lock keeps a rescued job from running beside one that is merely
	// slow.
	RescueAfter time.Duration
	// MaxAttempts is how often a failing run is tried before its job is
	// discarded (River's default, 25, when 0).
	MaxAttempts int
	// RetryPolicy spaces the retries (River's default, attempt^4 seconds
	// with jitter, when nil).
	RetryPolicy river.ClientRetryPolicy
	// BusySnooze is how long a job waits for a busy server or panel type
	// (DefaultBusySnooze when 0).
	BusySnooze time.Duration
	// ID names this client in River and in the run table; each client
	// needs its own (River makes one up from the host name and the time
	// when empty).
	ID string
	// Logger gets River's lines and a line per run; nil discards.
	Logger *slog.Logger
	// Now is the clock of the runs (time.Now when nil).
	Now func() time.Time
}

func (c *Config) period() time.Duration {
	if c.Period > 0 {
		return c.Period
	}
	return DefaultPeriod
}

func (c *Config) queue() string {
	if c.Queue != "" {
		return c.Queue
	}
	return DefaultQueue
}

func (c *Config) workers() int {
	if c.Workers != 0 {
		return c.Workers
	}
	return DefaultWorkers
}

func (c *Config) timeout() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout
	}
	return DefaultTimeout
}

func (c *Config) rescueAfter() time.Duration {
	if c.RescueAfter > 0 {
		return max(c.RescueAfter, c.timeout())
	}
	return c.timeout() + 10*time.Minute
}

func (c *Config) busySnooze() time.Duration {
	if c.BusySnooze > 0 {
		return c.BusySnooze
	}
	return DefaultBusySnooze
}

func (c *Config) logger() *slog.Logger {
	if c.Logger != nil {
		return c.Logger
	}
	return slog.New(slog.DiscardHandler)
}
