package sync

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	gosync "sync"
	"sync/atomic"
	"time"

	"github.com/accountsync/accountsync/provider"
)

// applier is one run of Apply: the scheduler that orders the plan's
// actions, runs them, and records how each ended.
type applier struct {
	e       *Executor
	plan    *Plan
	log     *slog.Logger
	journal Journal
	fields  [4]fieldRule
	batch   *batch
	fresh   bool // the listings are the plan's own, from Executor.Plan

	mu        gosync.Mutex // guards the fields below and the report
	report    *Report
	products  map[string]string // package -> product ID, from CreateProduct
	clients   map[string]string // e-mail -> client ID, from CreateClient
	failedDep map[string]error  // "product:"+package or "client:"+e-mail -> why
	done      int

	progress gosync.Mutex // serialises Progress calls and guards reported
	reported int
}

// result is how one action ended.
type result struct {
	outcome   Outcome
	serviceID string // the billing service the action concerns, if any
	message   string // what happened, for the log and the journal
	err       error  // why it failed, when outcome is OutcomeFailed
}

func succeeded(serviceID, message string) result {
	return result{outcome: OutcomeSucceeded, serviceID: serviceID, message: message}
}

func skipped(serviceID, message string) result {
	return result{outcome: OutcomeSkipped, serviceID: serviceID, message: message}
}

func failed(serviceID string, err error) result {
	return result{outcome: OutcomeFailed, serviceID: serviceID, message: err.Error(), err: err}
}

// apply runs the plan against the listing l: reviews are recorded, then
// the CreateProduct actions run, then the CreateClient actions, then the
// rest grouped by key, the keys Concurrency at a time and the actions of
// one key in plan order.
func (e *Executor) apply(ctx context.Context, p *Plan, l *Listing, fresh bool) (*Report, error) {
	x := &applier{
		e: e, plan: p, log: e.Logger, journal: e.Journal, fields: fieldRules(newNormalizer("domain")),
		batch: newBatch(e.Store), fresh: fresh, report: newReport(p),
		products: map[string]string{}, clients: map[string]string{}, failedDep: map[string]error{},
	}
	if x.log == nil {
		x.log = slog.New(slog.DiscardHandler)
	}
	x.report.Started = time.Now()
	defer func() { x.report.Finished = time.Now() }()

	var reviews, products, clients []*Action
	groups := map[string][]*Action{}
	var order []string
	for i := range p.Actions {
		a := &p.Actions[i]
		switch a.Kind {
		case KindReview:
			reviews = append(reviews, a)
		case KindCreateProduct:
			products = append(products, a)
		case KindCreateClient:
			clients = append(clients, a)
		default:
			if _, ok := groups[a.Key]; !ok {
				order = append(order, a.Key)
			}
			groups[a.Key] = append(groups[a.Key], a)
		}
	}
	states := keyStates(l, p.KeyField, groups)
	firstAccount := map[string]provider.Account{} // e-mail -> account of the first import needing it
	for i := range p.Actions {
		if c, ok := p.Actions[i].needsClient(); ok && p.Actions[i].Remote != nil {
			if _, seen := firstAccount[c]; !seen {
				firstAccount[c] = *p.Actions[i].Remote
			}
		}
	}

	if err := x.batch.begin(ctx); err != nil {
		return nil, fmt.Errorf("sync: apply: begin a batch: %w", err)
	}
	// A failed commit stops the run: what follows would be lost the same way.
	actx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	run := func(a *Action, act func() result) {
		err := x.batch.do(actx, func() bool {
			r := act()
			x.finish(actx, a, r)
			return r.outcome != OutcomeSkipped && a.changesServer()
		})
		if err != nil {
			stop(err)
		}
	}
	for _, a := range reviews {
		run(a, func() result { return skipped(serviceID(a), "needs review: "+a.Reason) })
	}
	x.each(actx, len(products), func(i int) {
		run(products[i], func() result { return x.createProduct(actx, products[i]) })
	})
	x.each(actx, len(clients), func(i int) {
		a := clients[i]
		run(a, func() result { return x.createClient(actx, a, firstAccount[a.Key]) })
	})
	x.each(actx, len(order), func(i int) {
		st := states[order[i]]
		for _, a := range groups[order[i]] {
			if actx.Err() != nil {
				return
			}
			run(a, func() result { return x.do(actx, a, st) })
		}
	})
	berr := x.batch.commit(ctx, false)

	x.mu.Lock()
	defer x.mu.Unlock()
	sortFailures(x.report.Failures, p)
	if berr != nil {
		return x.report, fmt.Errorf("sync: apply: stopped after %d of %d actions: write to billing: %w (the actions since the last commit are not in billing; the next run does them again)",
			x.done, len(p.Actions), berr)
	}
	if err := ctx.Err(); err != nil {
		return x.report, fmt.Errorf("sync: apply: stopped after %d of %d actions: %w", x.done, len(p.Actions), err)
	}
	return x.report, nil
}

// each runs fn(0..n-1) on at most Concurrency goroutines, and starts no
// more once ctx is done. The goroutines live for the whole list rather
// than one per item: a store's calls can grow a goroutine's stack deep
// (SQLite in Go does), and growing a fresh one per action cost a third of
// an import's time.
func (x *applier) each(ctx context.Context, n int, fn func(i int)) {
	var next atomic.Int64
	var wg gosync.WaitGroup
	for range min(x.e.concurrency(), n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				fn(i)
			}
		}()
	}
	wg.Wait()
}

// do runs one action of a key against the key's state.
func (x *applier) do(ctx context.Context, a *Action, st *keyState) result {
	if a.Local == nil && a.Kind != KindTerminateRemote {
		return failed("", errorf(a, "malformed action: no service"))
	}
	switch a.Kind {
	case KindImport:
		return x.doImport(ctx, a, st)
	case KindExport:
		return x.doExport(ctx, a, st)
	case KindTerminateLocal:
		return x.doTerminateLocal(ctx, a, st)
	case KindTerminateRemote:
		return x.doTerminateRemote(ctx, a, st)
	case KindSuspendLocal, KindUnsuspendLocal:
		return x.doStatusLocal(ctx, a, st)
	case KindSuspendRemote, KindUnsuspendRemote:
		return x.doStatusRemote(ctx, a, st)
	case KindUpdateLocal:
		return x.doUpdate(ctx, a, st)
	}
	return failed("", errorf(a, "cannot be applied"))
}

// finish records how an action ended in the report, the journal, the log
// and the progress callback.
func (x *applier) finish(ctx context.Context, a *Action, r result) {
	x.mu.Lock()
	switch r.outcome {
	case OutcomeSucceeded:
		x.report.Succeeded[a.Kind]++
	case OutcomeFailed:
		x.report.Failed[a.Kind]++
		x.report.Failures = append(x.report.Failures, Failure{Kind: a.Kind, Key: a.Key, ServiceID: r.serviceID, Err: r.err})
	case OutcomeSkipped:
		if a.Kind != KindReview {
			x.report.Skipped[a.Kind]++
		}
	}
	x.done++
	x.mu.Unlock()

	attrs := []any{"kind", a.Kind, "key", a.Key, "service", r.serviceID, "outcome", r.outcome}
	switch r.outcome {
	case OutcomeFailed:
		x.log.LogAttrs(ctx, slog.LevelWarn, "sync: action failed", slog.Any("kind", a.Kind), slog.String("key", a.Key),
			slog.String("service", r.serviceID), slog.String("error", r.message))
	case OutcomeSkipped:
		x.log.Debug("sync: action skipped: "+r.message, attrs...)
	default:
		x.log.Info("sync: "+r.message, attrs...)
	}
	if x.journal != nil {
		jctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		err := x.journal.Record(jctx, Entry{Time: time.Now(), Kind: a.Kind, Key: a.Key, ServiceID: r.serviceID, Outcome: r.outcome, Message: r.message})
		cancel()
		if err != nil {
			x.log.Error("sync: journal: record failed", "kind", a.Kind, "key", a.Key, "error", err.Error())
		}
	}
	if x.e.Progress != nil {
		x.progress.Lock()
		x.reported++
		x.e.Progress(x.reported, len(x.plan.Actions))
		x.progress.Unlock()
	}
}

func serviceID(a *Action) string {
	if a.Local != nil {
		return a.Local.ID
	}
	return ""
}

// sortFailures puts failures in plan order.
func sortFailures(fs []Failure, p *Plan) {
	pos := make(map[[2]string]int, len(p.Actions))
	for i := range p.Actions {
		k := [2]string{string(p.Actions[i].Kind), p.Actions[i].Key}
		if _, ok := pos[k]; !ok {
			pos[k] = i
		}
	}
	slices.SortStableFunc(fs, func(a, b Failure) int {
		return pos[[2]string{string(a.Kind), a.Key}] - pos[[2]string{string(b.Kind), b.Key}]
	})
}

// keyState is what the listings say about one key, kept current as the
// key's actions run: every action checks its precondition against it.
type keyState struct {
	remote []provider.Account
	local  []*Service
}

// keyStates indexes the listing for the keys of the plan only.
func keyStates(l *Listing, keyField string, groups map[string][]*Action) map[string]*keyState {
	states := make(map[string]*keyState, len(groups))
	if len(groups) == 0 {
		return states
	}
	for k := range groups {
		states[k] = &keyState{}
	}
	if keyField == "" {
		keyField = "domain"
	}
	norm := newNormalizer(keyField)
	for _, a := range l.Remote {
		if k, err := norm.key(a.Identifier(keyField)); err == nil {
			if st := states[k]; st != nil {
				st.remote = append(st.remote, a)
			}
		}
	}
	for i := range l.Local {
		if k, err := norm.key(l.Local[i].Identifier(keyField)); err == nil {
			if st := states[k]; st != nil {
				s := l.Local[i]
				st.local = append(st.local, &s)
			}
		}
	}
	return states
}

// one returns the single account of the key, or why there is not one.
func one(a *Action, st *keyState) (*provider.Account, error) {
	switch len(st.remote) {
	case 1:
		return &st.remote[0], nil
	case 0:
		return nil, stale(a, "the account is no longer on the server")
	}
	return nil, stale(a, "%d accounts on the server have this key now", len(st.remote))
}

// current returns the service of the action as the store has it now.
func current(a *Action, st *keyState) (*Service, error) {
	var found *Service
	for _, s := range st.local {
		if s.ID == a.Local.ID {
			if found != nil {
				return nil, stale(a, "two services have ID %s now", s.ID)
			}
			found = s
		}
	}
	if found == nil {
		return nil, stale(a, "service %s is gone from billing or has another key", a.Local.ID)
	}
	return found, nil
}

// errorf prefixes an action's errors: "sync: import example.com: ...".
func errorf(a *Action, format string, args ...any) error {
	return fmt.Errorf("sync: %s %s: "+format, append([]any{a.Kind, a.Key}, args...)...)
}

// stale is the error of an action whose premise no longer holds.
func stale(a *Action, format string, args ...any) error {
	return fmt.Errorf("sync: %s %s: %w: %s", a.Kind, a.Key, ErrStalePlan, fmt.Sprintf(format, args...))
}
