// Package fleet is the scheduled sync of many servers: the step
// accountsync run takes on every tick, and that a queue worker runs too. For each server it lists the server and its billing side once,
// judges the accounts' nameservers if asked, plans within the policy,
// applies, and keeps the hysteresis history for the next run.
//
// One server's failure, timeout or panic is its own [Result] and never
// stops the others.
package fleet

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/accountsync/accountsync/nsscan"
	"github.com/accountsync/accountsync/provider"
	acsync "github.com/accountsync/accountsync/sync"
)

// DefaultConcurrency is how many servers a [Job] syncs at once when
// Concurrency is 0.
const DefaultConcurrency = 4

// Billing is the billing side of one server as a [Job] needs it: the
// engine's Store, Notifier and Journal, the products packages map to, and
// the hysteresis history. sqlstore.Store is one.
type Billing interface {
	acsync.Store
	acsync.Notifier
	acsync.Journal
	// Products returns the product ID of each package, for
	// Options.Products.
	Products(ctx context.Context) (map[string]string, error)
}

// History keeps Plan.SeenMissing from one run to the next.
type History interface {
	SeenMissing(ctx context.Context) (map[string]int, error)
	SaveSeenMissing(ctx context.Context, seen map[string]int) error
}

// Job is the policy of a scheduled sync and what it syncs with.
type Job struct {
	// Registry makes each server's provider.
	Registry provider.Registry
	// Open returns the billing side of a server (md is its provider's
	// metadata). When it also implements [History], the job keeps
	// SeenMissing in it.
	Open func(ctx context.Context, s provider.Server, md provider.Metadata) (Billing, error)
	// Options is the policy of every server: switches, MaxActions,
	// ConfirmRuns, Limits, billing settings. The job sets KeyField, Now,
	// SeenMissing and Nameservers per server, and Products to the
	// billing side's map with Options.Products laid over it.
	Options acsync.Options
	// Concurrency is how many servers are synced at once
	// (DefaultConcurrency when 0).
	Concurrency int
	// ActionConcurrency is each server's Executor.Concurrency.
	ActionConcurrency int
	// Timeout bounds one server's sync; 0 means none.
	Timeout time.Duration
	// Checker, when set, judges the nameservers of the accounts' domains
	// against Expect (on servers keyed by domain), and the verdicts go to
	// Options.Nameservers.
	Checker *nsscan.Checker
	Expect  nsscan.Expectation
	// Logger gets a line per server and the executor's lines; nil
	// discards.
	Logger *slog.Logger
	// Now is the clock (time.Now when nil).
	Now func() time.Time

	// OptionsFor, when set, returns the policy of one server instead of
	// Options (a configuration with per-server overrides).
	OptionsFor func(s provider.Server) acsync.Options
	// ExpectFor, when set, returns the nameserver expectation of one
	// server instead of Expect; false skips the check for that server.
	ExpectFor func(s provider.Server) (nsscan.Expectation, bool)
	// History, when set, keeps the hysteresis history of servers whose
	// billing side does not implement [History] itself.
	History func(ctx context.Context, s provider.Server) (History, error)
	// Journal, when set, gets a copy of every entry of a server's sync
	// log besides the billing side's own (a local log to report from).
	Journal func(s provider.Server) acsync.Journal
	// DryRun plans and applies nothing: the result has the plan and no
	// report, and the history is not advanced.
	DryRun bool
	// Progress, when set, is each server's Executor.Progress.
	Progress func(s provider.Server, done, total int)
}

// Result is what one run did on one server.
type Result struct {
	Name, Type string
	Started    time.Time
	Finished   time.Time
	// Report is nil when the run failed before applying (a listing
	// failed, or the plan was unsafe) and in a dry run.
	Report *acsync.Report
	Err    error
	// Plan is the plan made (nil when the run failed before planning).
	Plan *acsync.Plan
	// Accounts and Services count the server's accounts and its
	// services in billing, as listed.
	Accounts, Services int
	// NSChecked counts the domains checked; Incorrect holds those judged
	// incorrect and NSErrors those that could not be judged, each sorted
	// by domain.
	NSChecked int
	Incorrect []nsscan.Result
	NSErrors  []nsscan.Result
}

// Run syncs every server once, Concurrency at a time, and returns a
// result per server in the order given. When ctx is done, servers not
// yet started get its error.
func (j *Job) Run(ctx context.Context, servers []provider.Server) []Result {
	results := make([]Result, len(servers))
	n := j.Concurrency
	if n <= 0 {
		n = DefaultConcurrency
	}
	var g errgroup.Group
	g.SetLimit(n)
	for i, s := range servers {
		g.Go(func() error {
			if err := ctx.Err(); err != nil {
				results[i] = Result{Name: s.Name, Type: s.Type, Err: err}
				return nil
			}
			results[i] = j.Sync(ctx, s)
			return nil
		})
	}
	g.Wait()
	return results
}

// Sync syncs one server: list both sides once, judge the nameservers,
// plan, apply, and save the history. A panic becomes the result's error.
func (j *Job) Sync(ctx context.Context, s provider.Server) (res Result) {
	now := j.now()
	res = Result{Name: s.Name, Type: s.Type, Started: now()}
	log := j.logger().With("server", s.Name)
	defer func() {
		if v := recover(); v != nil {
			res.Err = fmt.Errorf("fleet: server %s: panic: %v", s.Name, v)
		}
		res.Finished = now()
		if res.Err != nil {
			log.Error("fleet: server failed", "error", res.Err)
		} else if res.Report != nil {
			log.Info("fleet: server synced", "actions", len(res.Report.Plan.Actions),
				"failed", len(res.Report.Failures), "nsIncorrect", len(res.Incorrect))
		} else if res.Plan != nil {
			log.Info("fleet: server planned", "actions", len(res.Plan.Actions), "nsIncorrect", len(res.Incorrect))
		}
	}()
	if j.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, j.Timeout)
		defer cancel()
	}
	s.Logger = log
	p, err := j.Registry.New(s)
	if err != nil {
		res.Err = err
		return res
	}
	md := p.Metadata()
	b, err := j.Open(ctx, s, md)
	if err != nil {
		res.Err = err
		return res
	}
	var journal acsync.Journal = b
	if j.Journal != nil {
		journal = teeJournal{b, j.Journal(s)}
	}
	e := &acsync.Executor{Provider: p, Store: b, Notifier: b, Journal: journal, Concurrency: j.ActionConcurrency, Logger: log}
	if j.Progress != nil {
		e.Progress = func(done, total int) { j.Progress(s, done, total) }
	}
	listing, err := e.List(ctx)
	if err != nil {
		res.Err = err
		return res
	}
	res.Accounts, res.Services = len(listing.Remote), len(listing.Local)

	opts := j.Options
	if j.OptionsFor != nil {
		opts = j.OptionsFor(s)
	}
	opts.KeyField = md.UniqueIdentifierField
	opts.Now = now()
	products, err := b.Products(ctx)
	if err != nil {
		res.Err = err
		return res
	}
	// The policy's own product map wins over what billing reports.
	if products == nil {
		products = make(map[string]string, len(opts.Products))
	}
	for pkg, id := range opts.Products {
		products[pkg] = id
	}
	opts.Products = products
	history, _ := b.(History)
	if history == nil && j.History != nil {
		if history, err = j.History(ctx, s); err != nil {
			res.Err = err
			return res
		}
	}
	if history != nil {
		if opts.SeenMissing, err = history.SeenMissing(ctx); err != nil {
			res.Err = err
			return res
		}
	}
	expect, check := j.Expect, true
	if j.ExpectFor != nil {
		expect, check = j.ExpectFor(s)
	}
	if j.Checker != nil && check && md.UniqueIdentifierField == "domain" {
		opts.Nameservers = j.checkNameservers(ctx, listing.Remote, expect, &res)
	}

	plan, err := e.Plan(ctx, listing, opts)
	if err != nil {
		res.Err = err // an unsafe plan changes nothing; the error says why
		return res
	}
	res.Plan = plan
	if j.DryRun {
		return res
	}
	res.Report, res.Err = e.Apply(ctx, plan)
	if history != nil && res.Report != nil {
		// The run saw what it saw even if it was stopped: keep counting.
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		if err := history.SaveSeenMissing(sctx, plan.SeenMissing); err != nil && res.Err == nil {
			res.Err = err
		}
	}
	return res
}

// checkNameservers judges the accounts' domains. Only Correct and
// Incorrect become verdicts: a domain that could not be checked is left
// unjudged, so a DNS outage never counts against anyone.
func (j *Job) checkNameservers(ctx context.Context, accounts []provider.Account, expect nsscan.Expectation, res *Result) map[string]bool {
	domains := make([]string, 0, len(accounts))
	for _, a := range accounts {
		if a.Domain != "" {
			domains = append(domains, a.Domain)
		}
	}
	verdicts := make(map[string]bool, len(domains))
	for r := range j.Checker.CheckAll(ctx, domains, expect) {
		res.NSChecked++
		switch r.Status {
		case nsscan.StatusCorrect:
			verdicts[r.Input] = true
		case nsscan.StatusIncorrect:
			verdicts[r.Input] = false
			res.Incorrect = append(res.Incorrect, r)
		default:
			res.NSErrors = append(res.NSErrors, r)
		}
	}
	// CheckAll streams in completion order; reports want a stable one.
	byInput := func(a, b nsscan.Result) int { return strings.Compare(a.Input, b.Input) }
	slices.SortFunc(res.Incorrect, byInput)
	slices.SortFunc(res.NSErrors, byInput)
	return verdicts
}

func (j *Job) now() func() time.Time {
	if j.Now != nil {
		return j.Now
	}
	return time.Now
}

func (j *Job) logger() *slog.Logger {
	if j.Logger != nil {
		return j.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// teeJournal records each entry in the billing side's journal and in a
// second one. A failure of either is the entry's failure, which the
// executor logs without failing the action.
type teeJournal struct{ a, b acsync.Journal }

func (t teeJournal) Record(ctx context.Context, e acsync.Entry) error {
	errA := t.a.Record(ctx, e)
	errB := t.b.Record(ctx, e)
	return errors.Join(errA, errB)
}
