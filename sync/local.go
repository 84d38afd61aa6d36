package sync

import (
	"context"
	"errors"

	"github.com/accountsync/accountsync/provider"
)

// The actions on the billing side, through the Store. Each checks its
// precondition against the key's state first, so that an action whose
// effect is in place is skipped and one whose premise changed fails with
// ErrStalePlan.

func (x *applier) createProduct(ctx context.Context, a *Action) result {
	id, err := x.e.Store.CreateProduct(ctx, NewProduct{Package: a.Key})
	if err == nil && id == "" {
		err = errors.New("the store returned no product ID")
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if err != nil {
		err = errorf(a, "%w", err)
		x.failedDep["product:"+a.Key] = err
		return failed("", err)
	}
	x.products[a.Key] = id
	return succeeded("", "product "+id+" for package "+a.Key)
}

func (x *applier) createClient(ctx context.Context, a *Action, acct provider.Account) result {
	id, created, err := x.findOrCreateClient(ctx, a, acct)
	x.mu.Lock()
	defer x.mu.Unlock()
	if err != nil {
		x.failedDep["client:"+a.Key] = err
		return failed("", err)
	}
	x.clients[a.Key] = id
	if !created {
		return skipped("", "client "+id+" exists")
	}
	x.report.NewClients++
	return succeeded("", "client "+id+" created")
}

// findOrCreateClient returns the client of a CreateClient action, created
// now or found. A plan that still holds the listing it was made from was
// made moments ago by Executor.Plan, which asked the store about this
// very address: then the client is created straight away (the store
// answers ErrExists if it appeared since). Any other plan may be old or
// applied before, so the store is asked first.
func (x *applier) findOrCreateClient(ctx context.Context, a *Action, acct provider.Account) (id string, created bool, err error) {
	s := x.e.Store
	if !x.fresh {
		id, err := s.FindClientByEmail(ctx, a.Key)
		if err == nil && id != "" {
			return id, false, nil
		}
		if err != nil && !errors.Is(err, provider.ErrNotFound) {
			return "", false, errorf(a, "find client: %w", err)
		}
	}
	id, err = s.CreateClient(ctx, NewClient{Email: a.Key, Account: acct})
	if errors.Is(err, provider.ErrExists) {
		if id, err = s.FindClientByEmail(ctx, a.Key); err == nil && id != "" {
			return id, false, nil
		}
	}
	if err == nil && id == "" {
		err = errors.New("the store returned no client ID")
	}
	if err != nil {
		return "", false, errorf(a, "%w", err)
	}
	return id, true, nil
}

// product returns the product for an import or package change: the plan's,
// or the one a CreateProduct action of this run made.
func (x *applier) product(a *Action, pkg string) (string, error) {
	if a.ProductID != "" {
		return a.ProductID, nil
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if id := x.products[pkg]; id != "" {
		return id, nil
	}
	if err := x.failedDep["product:"+pkg]; err != nil {
		return "", errorf(a, "no product for package %q: %w", pkg, err)
	}
	return "", errorf(a, "no product for package %q, and the plan does not create one", pkg)
}

// client returns the client of an import: the plan's, the one a
// CreateClient action of this run made, or one the store finds now.
func (x *applier) client(ctx context.Context, a *Action) (string, error) {
	if a.Local.ClientID != "" {
		return a.Local.ClientID, nil
	}
	email := normalizeEmail(a.Local.ClientEmail)
	x.mu.Lock()
	id, failedErr := x.clients[email], x.failedDep["client:"+email]
	x.mu.Unlock()
	if id != "" {
		return id, nil
	}
	if failedErr != nil {
		return "", errorf(a, "no client for %s: %w", email, failedErr)
	}
	id, err := x.e.Store.FindClientByEmail(ctx, email)
	if err != nil || id == "" {
		return "", errorf(a, "no client for %s, and the plan does not create one: %w", email, err)
	}
	return id, nil
}

// doImport creates the billing service of an account found only on the
// server, then resets its password and sends the e-mails the plan asks
// for.
func (x *applier) doImport(ctx context.Context, a *Action, st *keyState) result {
	acct, err := one(a, st)
	if err != nil {
		return failed("", err)
	}
	for _, s := range st.local {
		if s.Status.open() {
			return skipped(s.ID, "already in billing as service "+s.ID)
		}
	}
	if len(st.local) > 0 {
		return failed("", stale(a, "%s now has this key", st.local[0].label()))
	}
	var setter provider.PasswordSetter
	if a.ResetPassword {
		var ok bool
		if setter, ok = x.e.Provider.(provider.PasswordSetter); !ok {
			return failed("", x.notSupported(a, "set passwords"))
		}
	}
	svc := *a.Local
	svc.ID = ""
	if svc.ProductID, err = x.product(a, svc.Package); err != nil {
		return failed("", err)
	}
	if svc.ClientID, err = x.client(ctx, a); err != nil {
		return failed("", err)
	}
	id, err := x.e.Store.CreateService(ctx, svc)
	if err == nil && id == "" {
		err = errors.New("the store returned no service ID")
	}
	if err != nil {
		return failed("", errorf(a, "create service: %w", err))
	}
	svc.ID = id
	st.local = append(st.local, &svc)
	note := Notification{Key: a.Key, ServiceID: id, ClientID: svc.ClientID, Email: svc.ClientEmail, Username: acct.Username, Domain: acct.Domain}
	if err := x.welcome(ctx, a, setter, acct, note); err != nil {
		return failed(id, err)
	}
	return succeeded(id, "service "+id+" created")
}

// doTerminateLocal sets a live service Terminated whose account is gone.
func (x *applier) doTerminateLocal(ctx context.Context, a *Action, st *keyState) result {
	cur, err := current(a, st)
	if err != nil {
		return failed(a.Local.ID, err)
	}
	if !cur.Status.open() {
		return skipped(cur.ID, "already "+string(cur.Status))
	}
	if !cur.Status.live() {
		return failed(cur.ID, stale(a, "%s is no longer live", cur.label()))
	}
	if len(st.remote) > 0 {
		return failed(cur.ID, stale(a, "the account is back on the server"))
	}
	if err := x.e.Store.TerminateService(ctx, *cur); err != nil {
		return failed(cur.ID, errorf(a, "terminate service %s: %w", cur.ID, err))
	}
	cur.Status = ServiceStatusTerminated
	return succeeded(cur.ID, "service "+cur.ID+" terminated in billing")
}

// doStatusLocal copies the server's Active or Suspended onto the service.
func (x *applier) doStatusLocal(ctx context.Context, a *Action, st *keyState) result {
	target := ServiceStatusActive
	if a.Kind == KindSuspendLocal {
		target = ServiceStatusSuspended
	}
	cur, err := current(a, st)
	if err != nil {
		return failed(a.Local.ID, err)
	}
	if cur.Status == target {
		return skipped(cur.ID, "already "+string(target))
	}
	if !cur.Status.live() {
		return failed(cur.ID, stale(a, "%s is no longer live", cur.label()))
	}
	acct, err := one(a, st)
	if err != nil {
		return failed(cur.ID, err)
	}
	if ServiceStatus(acct.Status) != target {
		return failed(cur.ID, stale(a, "the account is %s on the server now", acct.Status))
	}
	upd := *cur
	upd.Status = target
	if err := x.e.Store.UpdateService(ctx, upd, []Change{{Field: FieldStatus, Old: string(cur.Status), New: string(target)}}); err != nil {
		return failed(cur.ID, errorf(a, "update service %s: %w", cur.ID, err))
	}
	*cur = upd
	return succeeded(cur.ID, "service "+cur.ID+" set "+string(target))
}
