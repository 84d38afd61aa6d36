package riverjobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/riverqueue/river"

	"github.com/accountsync/accountsync/internal/fleet"
	"github.com/accountsync/accountsync/internal/httpx"
	"github.com/accountsync/accountsync/provider"
	acsync "github.com/accountsync/accountsync/sync"
)

// errLockLost is the cause of a run stopped because its session, and with
// it the server's lock, went away.
var errLockLost = errors.New("riverjobs: lost the database session holding the server's lock")

// watchInterval is how often a run checks that it still holds its locks
// (a variable for the tests).
var watchInterval = 10 * time.Second

// syncWorker works the sync jobs of a [Client].
type syncWorker struct {
	river.WorkerDefaults[SyncArgs]
	c *Client
}

// Timeout bounds a run.
func (w *syncWorker) Timeout(*river.Job[SyncArgs]) time.Duration { return w.c.cfg.timeout() }

// Work syncs the job's server: it takes the server's lock and a slot of
// its panel type (or snoozes), records the run, runs the fleet step and
// records how it ended.
func (w *syncWorker) Work(ctx context.Context, job *river.Job[SyncArgs]) error {
	c := w.c
	s, ok := c.servers[job.Args.Server]
	if !ok {
		return river.JobCancel(fmt.Errorf("riverjobs: server %q is not in the fleet", job.Args.Server))
	}
	sess, err := acquireSession(ctx, c.locks)
	if err != nil {
		return fmt.Errorf("riverjobs: server %s: %w", s.Name, err)
	}
	defer sess.release()
	if ok, err := sess.tryLock(ctx, serverKey(s.Name)); err != nil {
		return fmt.Errorf("riverjobs: server %s: lock: %w", s.Name, err)
	} else if !ok {
		c.log.Debug("riverjobs: server busy, snoozing", "server", s.Name)
		return river.JobSnooze(c.snooze())
	}
	if limit := c.cfg.PanelLimits[s.Type]; limit > 0 {
		if ok, err := sess.trySlot(ctx, s.Type, limit); err != nil {
			return fmt.Errorf("riverjobs: server %s: panel slot: %w", s.Name, err)
		} else if !ok {
			c.log.Debug("riverjobs: panel type at its limit, snoozing", "server", s.Name, "type", s.Type)
			return river.JobSnooze(c.snooze())
		}
	}

	run := &Run{JobID: job.ID, Attempt: job.Attempt, Worker: c.id, Server: s.Name, PanelType: s.Type,
		Outcome: OutcomeRunning, Started: c.now()}
	if err := startRun(ctx, sess.conn, run); err != nil {
		return err
	}
	runCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stop := sess.watch(watchInterval, func(err error) { cancel(fmt.Errorf("%w: %v", errLockLost, err)) })
	res := c.job(s, job.Args).Sync(runCtx, s)
	stop()
	if cause := context.Cause(runCtx); errors.Is(cause, errLockLost) && res.Err != nil {
		res.Err = fmt.Errorf("%w (%v)", cause, res.Err)
	}

	ret := c.finish(run, s, res)
	// Record even when the run's context is done: that is when a record
	// matters most.
	fctx, fcancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer fcancel()
	if err := finishRun(fctx, sess.conn, run); err != nil {
		// The session may be what failed (a lost lock): try another
		// connection.
		if err := finishRun(fctx, c.locks, run); err != nil {
			c.log.Error("riverjobs: run not recorded", "server", s.Name, "error", err)
		}
	}
	return ret
}

// job returns the fleet step of one run.
func (c *Client) job(s provider.Server, args SyncArgs) *fleet.Job {
	opts := c.cfg.Options
	if c.cfg.OptionsFor != nil {
		opts = c.cfg.OptionsFor(s)
	}
	if args.Approve != "" {
		// A person approved this plan over the limits; apply it only
		// if it is still the plan.
		opts.Force = true
		opts.ExpectFingerprint = args.Approve
	}
	return &fleet.Job{
		Registry: c.cfg.Registry,
		Open: func(ctx context.Context, s provider.Server, md provider.Metadata) (fleet.Billing, error) {
			return c.cfg.Open(ctx, s, md)
		},
		Options:           opts,
		ActionConcurrency: c.cfg.ActionConcurrency,
		Checker:           c.cfg.Checker,
		Expect:            c.cfg.Expect,
		ExpectFor:         c.cfg.ExpectFor,
		History: func(_ context.Context, s provider.Server) (fleet.History, error) {
			return history{c.pool, s.Name}, nil
		},
		Logger: c.log,
		Now:    c.cfg.Now,
	}
}

// runReport is the JSON of a run's report column.
type runReport struct {
	Report      *reportSummary  `json:"report,omitempty"`
	Refused     *refusal        `json:"refused,omitempty"`
	Plan        *acsync.Plan    `json:"plan,omitempty"`
	Nameservers *nameserverNote `json:"nameservers,omitempty"`
}

// reportSummary is an acsync.Report whose plan leaves out the actions
// carried out: the counts say how many, the journal (acsync.Journal)
// holds each of them, and a first import's list would make every report
// a megabyte. What a person must act on stays: failures, reviews, held
// actions and conflicts.
type reportSummary struct {
	Started    time.Time           `json:"started"`
	Finished   time.Time           `json:"finished"`
	Succeeded  map[acsync.Kind]int `json:"succeeded"`
	Failed     map[acsync.Kind]int `json:"failed"`
	Skipped    map[acsync.Kind]int `json:"skipped"`
	NewClients int                 `json:"newClients"`
	Failures   []acsync.Failure    `json:"failures"`
	Plan       *planSummary        `json:"plan,omitempty"`
}

type planSummary struct {
	Fingerprint string              `json:"fingerprint"`
	KeyField    string              `json:"keyField"`
	InSync      int                 `json:"inSync"`
	Counts      map[acsync.Kind]int `json:"counts"`
	Reviews     []acsync.Action     `json:"reviews"`
	Held        []acsync.Action     `json:"held"`
	Conflicts   []acsync.Conflict   `json:"conflicts"`
	Deferred    int                 `json:"deferred"`
	Imports     string              `json:"imports,omitempty"`
}

func summarize(r *acsync.Report) *reportSummary {
	if r == nil {
		return nil
	}
	s := &reportSummary{Started: r.Started, Finished: r.Finished, Succeeded: r.Succeeded, Failed: r.Failed,
		Skipped: r.Skipped, NewClients: r.NewClients, Failures: r.Failures}
	if p := r.Plan; p != nil {
		s.Plan = &planSummary{Fingerprint: p.Fingerprint, KeyField: p.KeyField, InSync: p.InSync, Counts: p.Counts,
			Reviews: []acsync.Action{}, Held: p.Held, Conflicts: p.Conflicts, Deferred: len(p.Deferred), Imports: p.Imports}
		for _, a := range p.Actions {
			if a.Kind == acsync.KindReview {
				s.Plan.Reviews = append(s.Plan.Reviews, a)
			}
		}
	}
	return s
}

// refusal is an acsync.UnsafePlanError without its plan.
type refusal struct {
	Class       string  `json:"class"`
	Count       int     `json:"count"`
	Population  int     `json:"population"`
	MaxFraction float64 `json:"maxFraction,omitempty"`
	MaxCount    int     `json:"maxCount,omitempty"`
	Detail      string  `json:"detail,omitempty"`
}

type nameserverNote struct {
	Checked   int      `json:"checked"`
	Incorrect []string `json:"incorrect"`
	Unchecked []string `json:"unchecked"`
}

// finish fills in the run from the fleet step's result and returns what
// the worker returns to River: nil, the error to retry, or a
// cancellation for a refusal.
func (c *Client) finish(run *Run, s provider.Server, res fleet.Result) error {
	redact := httpx.NewRedactor([]string{s.Password, s.AccessHash})
	run.Finished = res.Finished
	if run.Finished.IsZero() {
		run.Finished = c.now()
	}
	run.Accounts, run.Services = res.Accounts, res.Services
	rep := runReport{Report: summarize(res.Report)}
	if res.NSChecked > 0 {
		ns := &nameserverNote{Checked: res.NSChecked, Incorrect: []string{}, Unchecked: []string{}}
		for _, r := range res.Incorrect {
			ns.Incorrect = append(ns.Incorrect, r.Input)
		}
		for _, r := range res.NSErrors {
			ns.Unchecked = append(ns.Unchecked, r.Input)
		}
		rep.Nameservers = ns
	}
	if r := res.Report; r != nil {
		if r.Plan != nil {
			run.Actions = len(r.Plan.Actions)
		}
		run.Succeeded, run.Failed, run.Skipped = sum(r.Succeeded), sum(r.Failed), sum(r.Skipped)
		run.NewClients = r.NewClients
	} else if res.Plan != nil {
		run.Actions = len(res.Plan.Actions)
	}

	var ret error
	var unsafe *acsync.UnsafePlanError
	switch {
	case res.Err == nil && res.Report != nil && res.Report.Err() != nil:
		run.Outcome = OutcomePartial
		run.Error = redact.String(res.Report.Err().Error())
	case res.Err == nil:
		run.Outcome = OutcomeSucceeded
	case errors.As(res.Err, &unsafe):
		run.Outcome = OutcomeHeld
		run.Error = redact.String(res.Err.Error())
		rep.Refused = &refusal{Class: unsafe.Class, Count: unsafe.Count, Population: unsafe.Population,
			MaxFraction: unsafe.MaxFraction, MaxCount: unsafe.MaxCount, Detail: unsafe.Detail}
		rep.Plan = unsafe.Plan
		ret = river.JobCancel(errors.New(run.Error))
	case errors.Is(res.Err, acsync.ErrStalePlan):
		run.Outcome = OutcomeStale
		run.Error = redact.String(res.Err.Error())
		ret = river.JobCancel(errors.New(run.Error))
	case errors.Is(res.Err, provider.ErrUnauthorized) || errors.Is(res.Err, provider.ErrNotSupported):
		// Waiting will not mend refused credentials or a server type
		// without a provider: a person must, and the next period tries
		// again.
		run.Outcome = OutcomeFailed
		run.Error = redact.String(res.Err.Error())
		ret = river.JobCancel(errors.New(run.Error))
	default:
		run.Outcome = OutcomeFailed
		run.Error = redact.String(res.Err.Error())
		ret = errors.New(run.Error)
	}
	if data, err := json.Marshal(rep); err != nil {
		c.log.Error("riverjobs: report not encoded", "server", s.Name, "error", err)
	} else if data = []byte(redact.String(string(data))); json.Valid(data) {
		run.Report = data
	} else {
		// A secret that looks like JSON syntax broke the text: keep the
		// counts and the error, not the report.
		run.Report = json.RawMessage(`{"withheld":"the report held a secret that could not be removed cleanly"}`)
	}
	c.log.Info("riverjobs: run finished", "server", s.Name, "outcome", run.Outcome,
		"actions", run.Actions, "failed", run.Failed)
	return ret
}

func sum(m map[acsync.Kind]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// snooze returns how long a busy job waits: BusySnooze and a random part
// of as much again.
func (c *Client) snooze() time.Duration {
	d := c.cfg.busySnooze()
	return d + rand.N(d)
}
