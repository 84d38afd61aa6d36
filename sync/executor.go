package sync

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/accountsync/accountsync/provider"
)

// DefaultConcurrency is how many keys an [Executor] works on at once when
// Concurrency is 0.
const DefaultConcurrency = 4

// Executor syncs one server with its billing side: [Executor.List] reads
// both, [Executor.Plan] plans, [Executor.Apply] carries the plan out
// (remote kinds through the Provider and its optional capabilities, local
// kinds through the Store), and [Executor.Run] does all three.
//
// Provider and Store are required. The zero value of every other field is
// usable: no notifier (then plans that must deliver a password are
// refused), no journal, DefaultConcurrency, no progress callback, no
// logging. Nothing is filled in behind the caller's back: a Store that is
// also the Notifier or the Journal serves as such only when set in those
// fields too.
type Executor struct {
	Provider provider.Provider
	Store    Store
	// Notifier sends the e-mails of imports and exports. It is required
	// for plans with exports, password resets or e-mails.
	Notifier Notifier
	// Journal, if set, gets one entry per action.
	Journal Journal
	// Concurrency bounds how many keys Apply works on at once (the
	// actions of one key always run one after another, in plan order), and
	// how many addresses Plan asks a Store without ClientFinder about at
	// once.
	Concurrency int
	// Progress, if set, is called after each action with the number done
	// (1, 2, 3, ...) and the number in the plan. Calls do not overlap.
	Progress func(done, total int)
	// Logger, if set, gets a line per action; never a password.
	Logger *slog.Logger
}

// Apply carries out the plan's Actions: first the CreateProduct actions,
// then the CreateClient actions, then the rest, grouped by key, several
// keys at once (Concurrency). It re-checks every action's precondition
// against the listings before acting:
//
//   - an action whose effect is already in place is skipped, so applying a
//     plan a second time, say after a crash halfway, creates nothing twice;
//   - an action whose premise no longer holds (the service was reactivated,
//     the account came back, a field changed again) fails with
//     [ErrStalePlan] and changes nothing;
//   - a remote action the provider has no capability for fails with
//     [provider.ErrNotSupported].
//
// The listings are those the plan was made from when it came from
// [Executor.Plan] and this is its first Apply, so that a sync lists each
// side once. Otherwise (a plan from [Diff], read back from JSON, or
// applied before) Apply lists both sides afresh first. To apply a plan
// reviewed earlier exactly as it was reviewed, plan again with
// Options.ExpectFingerprint instead (see [Executor.Run]).
//
// A failed action is recorded in the [Report] and the others go on; an
// action waiting for a product or client whose creation failed fails too.
// Reviews are not acted on. A Store that implements [Batcher] gets its
// writes grouped.
//
// Apply returns an error, and changes nothing, when the plan is nil, the
// executor lacks what the plan needs, or a listing fails. When ctx is done
// it stops starting actions and returns the report so far with an error
// wrapping ctx.Err(). Otherwise the error is nil and failures are in the
// report (see [Report.Err]).
func (e *Executor) Apply(ctx context.Context, p *Plan) (*Report, error) {
	if err := e.check(p); err != nil {
		return nil, err
	}
	l := p.source.take()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("sync: apply: %w", err)
	}
	fresh := l != nil
	if l == nil && actionable(p) {
		var err error
		if l, err = e.list(ctx, "sync: apply: "); err != nil {
			return nil, err
		}
	}
	if l == nil {
		l = &Listing{}
	}
	return e.apply(ctx, p, l, fresh)
}

func actionable(p *Plan) bool {
	for i := range p.Actions {
		if p.Actions[i].Kind != KindReview {
			return true
		}
	}
	return false
}

// check refuses a plan the executor cannot carry out at all.
func (e *Executor) check(p *Plan) error {
	if p == nil {
		return errors.New("sync: apply: nil plan")
	}
	notify := ""
	for i := range p.Actions {
		a := &p.Actions[i]
		if !a.Kind.Valid() {
			return fmt.Errorf("sync: apply: unknown action kind %q", a.Kind)
		}
		switch {
		case a.Kind == KindExport:
			notify = "exports send the new password"
		case a.Kind == KindImport && a.ResetPassword:
			notify = "imports reset passwords"
		case a.Kind == KindImport && (a.Emails.Welcome || a.Emails.HostingDetails):
			notify = "imports send e-mails"
		}
	}
	if !actionable(p) {
		return nil
	}
	if e.Provider == nil || e.Store == nil {
		return errors.New("sync: apply: the executor needs a Provider and a Store")
	}
	if notify != "" && e.Notifier == nil {
		return fmt.Errorf("sync: apply: the executor needs a Notifier: %s", notify)
	}
	return nil
}

func (e *Executor) concurrency() int {
	if e.Concurrency <= 0 {
		return DefaultConcurrency
	}
	return e.Concurrency
}
