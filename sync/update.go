package sync

import (
	"context"

	"github.com/accountsync/accountsync/provider"
)

// Writing the server's field values into billing, by the rules of
// fields.go that Diff planned with.

// doUpdate copies the server's values of the planned fields onto the
// service. A field is written only while the server still has the
// planned value and billing still has the old one (or already the new);
// a package change moves the service to the package's product.
func (x *applier) doUpdate(ctx context.Context, a *Action, st *keyState) result {
	cur, err := current(a, st)
	if err != nil {
		return failed(a.Local.ID, err)
	}
	if !cur.Status.live() {
		return failed(cur.ID, stale(a, "%s is no longer live", cur.label()))
	}
	acct, err := one(a, st)
	if err != nil {
		return failed(cur.ID, err)
	}
	upd := *cur
	var todo []Change
	for _, c := range a.Changes {
		r := rule(&x.fields, c.Field)
		if r == nil {
			return failed(cur.ID, errorf(a, "malformed action: unknown field %q", c.Field))
		}
		if server := r.server(acct); !r.same(server, c.New) {
			return failed(cur.ID, stale(a, "the server's %s is now %q, not %q", c.Field, server, c.New))
		}
		now := *r.billing(cur)
		if r.same(now, c.New) {
			continue
		}
		if !r.same(now, c.Old) {
			return failed(cur.ID, stale(a, "billing's %s is now %q, not %q", c.Field, now, c.Old))
		}
		*r.billing(&upd) = c.New
		todo = append(todo, Change{Field: c.Field, Old: now, New: c.New})
		if c.Field == FieldPackage {
			pid, err := x.product(a, c.New)
			if err != nil {
				return failed(cur.ID, err)
			}
			if pid != cur.ProductID {
				upd.ProductID = pid
				todo = append(todo, Change{Field: FieldProductID, Old: cur.ProductID, New: pid})
			}
		}
	}
	if len(todo) == 0 {
		return skipped(cur.ID, "already up to date")
	}
	if err := x.e.Store.UpdateService(ctx, upd, todo); err != nil {
		return failed(cur.ID, errorf(a, "update service %s: %w", cur.ID, err))
	}
	*cur = upd
	return succeeded(cur.ID, "service "+cur.ID+" updated")
}

// recordCreated writes into billing the username and IP the panel chose
// for an account it created, so that the next run sees no drift.
func (x *applier) recordCreated(ctx context.Context, cur *Service, created *provider.Account) error {
	upd, changes := *cur, []Change(nil)
	for _, f := range []Field{FieldUsername, FieldDedicatedIP} {
		r := rule(&x.fields, f)
		if c, ok := r.drift(cur, created); ok {
			changes = append(changes, c)
			*r.billing(&upd) = c.New
		}
	}
	if len(changes) == 0 {
		return nil
	}
	if err := x.e.Store.UpdateService(ctx, upd, changes); err != nil {
		return err
	}
	*cur = upd
	return nil
}
