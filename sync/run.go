package sync

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/accountsync/accountsync/provider"
)

// Run is one whole sync: it lists the server's accounts, loads the billing
// services, plans with [Diff] and applies the plan with e, whose Provider
// and Store are set to p and s. When e has no Notifier or Journal and s
// implements [Notifier] or [Journal], s is used.
//
// Options.KeyField defaults to p's Metadata().UniqueIdentifierField, and
// Options.Now to the current time. A failed listing plans and changes
// nothing. Errors from Diff (such as an [*UnsafePlanError]) are returned
// with a nil report; otherwise Run returns what [Executor.Apply] returns,
// and the report's Plan holds the SeenMissing to pass to the next run.
//
// The listings Diff used are the ones the executor checks preconditions
// against; to apply a plan reviewed earlier, set Options.ExpectFingerprint
// to its fingerprint.
func Run(ctx context.Context, p provider.Provider, s Store, opts Options, e Executor) (*Report, error) {
	if p == nil || s == nil {
		return nil, errors.New("sync: run: a Provider and a Store are required")
	}
	remote, err := p.ListAccounts(ctx)
	if err != nil {
		return nil, fmt.Errorf("sync: run: list accounts: %w", err)
	}
	local, err := s.Services(ctx)
	if err != nil {
		return nil, fmt.Errorf("sync: run: load services: %w", err)
	}
	if opts.KeyField == "" {
		opts.KeyField = p.Metadata().UniqueIdentifierField
	}
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	plan, err := Diff(remote, local, opts)
	if err != nil {
		return nil, err
	}
	e.Provider, e.Store = p, s
	if n, ok := s.(Notifier); ok && e.Notifier == nil {
		e.Notifier = n
	}
	if j, ok := s.(Journal); ok && e.Journal == nil {
		e.Journal = j
	}
	if err := e.check(plan); err != nil {
		return nil, err
	}
	return e.apply(ctx, plan, remote, local)
}
