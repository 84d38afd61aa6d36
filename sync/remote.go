package sync

import (
	"context"
	"strings"

	"github.com/accountsync/accountsync/provider"
)

// The actions on the server, through the Provider's optional
// capabilities. Each checks its precondition against the key's state
// first; a capability the provider lacks fails with
// provider.ErrNotSupported.

func (x *applier) notSupported(a *Action, what string) error {
	return errorf(a, "the %s provider cannot %s: %w", x.e.Provider.Metadata().Type, what, provider.ErrNotSupported)
}

// doExport creates the account of a live service that has none, suspends
// it if the service is Suspended, records what the panel chose and mails
// the new password.
func (x *applier) doExport(ctx context.Context, a *Action, st *keyState) result {
	cur, err := current(a, st)
	if err != nil {
		return failed(a.Local.ID, err)
	}
	if !cur.Status.live() {
		return failed(cur.ID, stale(a, "%s is no longer live", cur.label()))
	}
	if len(st.remote) > 0 {
		// A crash between creating and suspending leaves the account
		// active; finish the job rather than skip it.
		if cur.Status == ServiceStatusSuspended && len(st.remote) == 1 && st.remote[0].Status == provider.StatusActive {
			s, ok := x.e.Provider.(provider.Suspender)
			if !ok {
				return failed(cur.ID, x.notSupported(a, "suspend accounts"))
			}
			if err := s.SuspendAccount(ctx, st.remote[0], "suspended in billing"); err != nil {
				return failed(cur.ID, errorf(a, "the account exists; suspending it failed: %w", err))
			}
			st.remote[0].Status = provider.StatusSuspended
			return succeeded(cur.ID, "the account was on the server already; suspended it")
		}
		return skipped(cur.ID, "the account is already on the server")
	}
	creator, ok := x.e.Provider.(provider.Creator)
	if !ok {
		return failed(cur.ID, x.notSupported(a, "create accounts"))
	}
	var suspender provider.Suspender
	if cur.Status == ServiceStatusSuspended {
		if suspender, ok = x.e.Provider.(provider.Suspender); !ok {
			return failed(cur.ID, x.notSupported(a, "suspend accounts"))
		}
	}
	if strings.TrimSpace(cur.Package) == "" {
		return failed(cur.ID, errorf(a, "service %s has no package to create the account with", cur.ID))
	}
	pw := newPassword()
	created, err := creator.CreateAccount(ctx, provider.NewAccount{
		Username: cur.Username, Domain: cur.Domain, Email: cur.ClientEmail, Password: pw, Product: cur.Package,
	})
	if err != nil {
		return failed(cur.ID, errorf(a, "create account: %w", err))
	}
	st.remote = []provider.Account{created}
	if suspender != nil {
		if err := suspender.SuspendAccount(ctx, created, "suspended in billing"); err != nil {
			return failed(cur.ID, errorf(a, "account created, but suspending it failed: %w", err))
		}
		st.remote[0].Status = provider.StatusSuspended
	}
	if err := x.recordCreated(ctx, cur, &created); err != nil {
		return failed(cur.ID, errorf(a, "account created, but recording its username and IP in billing failed: %w", err))
	}
	n := Notification{Kind: NotificationKindNewPassword, Key: a.Key, ServiceID: cur.ID, ClientID: cur.ClientID, Email: cur.ClientEmail,
		Username: created.Username, Domain: created.Domain, Password: pw}
	if err := x.e.Notifier.Notify(ctx, n); err != nil {
		return failed(cur.ID, errorf(a, "account created, but the new-password e-mail failed: %w", err))
	}
	return succeeded(cur.ID, "account created on the server")
}

// doTerminateRemote removes the account of an ended service, or of a live
// one whose nameservers were judged incorrect (and then terminates the
// service too).
func (x *applier) doTerminateRemote(ctx context.Context, a *Action, st *keyState) result {
	if a.Local == nil {
		return failed("", errorf(a, "malformed action: no billing service says to terminate"))
	}
	cur, err := current(a, st)
	if err != nil {
		return failed(a.Local.ID, err)
	}
	// Billing said the service ended, or (when it was live) the
	// nameservers were judged incorrect and billing goes with the account.
	withBilling := a.Local.Status.live()
	if !withBilling && cur.Status.open() {
		return failed(cur.ID, stale(a, "%s is open again", cur.label()))
	}
	terminateBilling := func() result {
		if withBilling && cur.Status.live() {
			if err := x.e.Store.TerminateService(ctx, *cur); err != nil {
				return failed(cur.ID, errorf(a, "account terminated, but terminating service %s in billing failed: %w", cur.ID, err))
			}
			cur.Status = ServiceStatusTerminated
		}
		return succeeded(cur.ID, "account terminated on the server")
	}
	switch len(st.remote) {
	case 0:
		if withBilling && cur.Status.live() {
			return terminateBilling() // the account went before a crash; billing did not
		}
		return skipped(cur.ID, "the account is already gone from the server")
	case 1:
	default:
		return failed(cur.ID, stale(a, "%d accounts on the server have this key now", len(st.remote)))
	}
	term, ok := x.e.Provider.(provider.Terminator)
	if !ok {
		return failed(cur.ID, x.notSupported(a, "terminate accounts"))
	}
	if err := term.TerminateAccount(ctx, st.remote[0]); err != nil {
		return failed(cur.ID, errorf(a, "terminate account: %w", err))
	}
	st.remote = nil
	return terminateBilling()
}

// doStatusRemote suspends or unsuspends the account as billing says.
func (x *applier) doStatusRemote(ctx context.Context, a *Action, st *keyState) result {
	target := provider.StatusActive
	if a.Kind == KindSuspendRemote {
		target = provider.StatusSuspended
	}
	cur, err := current(a, st)
	if err != nil {
		return failed(a.Local.ID, err)
	}
	acct, err := one(a, st)
	if err != nil {
		return failed(cur.ID, err)
	}
	if acct.Status == target {
		return skipped(cur.ID, "the account is already "+string(target))
	}
	if cur.Status != ServiceStatus(target) {
		return failed(cur.ID, stale(a, "%s in billing now", cur.Status))
	}
	s, ok := x.e.Provider.(provider.Suspender)
	if !ok {
		return failed(cur.ID, x.notSupported(a, "suspend and unsuspend accounts"))
	}
	if target == provider.StatusSuspended {
		err = s.SuspendAccount(ctx, *acct, "suspended in billing")
	} else {
		err = s.UnsuspendAccount(ctx, *acct)
	}
	if err != nil {
		return failed(cur.ID, errorf(a, "%w", err))
	}
	acct.Status = target
	return succeeded(cur.ID, "account set "+string(target)+" on the server")
}
