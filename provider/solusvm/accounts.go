package solusvm

import (
	"context"

	"golang.org/x/sync/errgroup"

	"github.com/accountsync/accountsync/provider"
)

// ListAccounts returns every virtual server on the panel, or an error and
// none.
//
// SolusVM 1: node-idlist for each virtualization type, client-list once,
// node-virtualservers for each node, then vserver-infoall for each server
// (its state and addresses, which the node listing lacks and no call
// answers in bulk), Concurrency calls at a time. A listing of N servers on
// M nodes makes N + M + len(Config.VirtTypes) + 1 calls. A node or server
// call that fails fails the listing.
//
// SolusVM 2: GET /servers?page=1, then the other pages Concurrency at a
// time.
//
// Every answer must hold what its call exists for (see the package
// documentation); one that does not fails the listing. Read only;
// retried on transport errors, 429 and 5xx.
func (c *Client) ListAccounts(ctx context.Context) ([]provider.Account, error) {
	if c.version == 2 {
		return c.listV2(ctx)
	}
	return c.listV1(ctx)
}

// CreateAccount creates a virtual server and returns it as ListAccounts
// shows it. Not idempotent, and not retried once the request may have
// reached the panel.
//
// SolusVM 1: client-list; when the client exists, node-idlist and
// node-virtualservers to refuse (provider.ErrExists) a second server with
// the same hostname for that client; otherwise client-create; then
// vserver-create. NewAccount: Domain is the hostname, Username the SolusVM
// client, Password both the client's password and the root password,
// Product the plan; Extra (over Config.CreateDefaults) carries type
// (default "kvm"), node or nodegroup, template, ips (default "1"),
// firstname, lastname and the custom* resource overrides.
//
// SolusVM 2: GET /plans to resolve Product to a plan id, GET /users (or
// POST /users) for the user with Email, then POST /servers with Domain as
// the name. Extra (over Config.CreateDefaults) carries the ids location,
// os or application, project and additional_ip_count. A name already taken
// gives provider.ErrExists.
func (c *Client) CreateAccount(ctx context.Context, n provider.NewAccount) (provider.Account, error) {
	if c.version == 2 {
		return c.createV2(ctx, n)
	}
	return c.createV1(ctx, n)
}

// TerminateAccount removes the virtual server a.UniqueIdentifier names.
// SolusVM 1 calls vserver-terminate (deleteclient=false); SolusVM 2 calls
// DELETE /servers/{id}. Idempotent: a server that is already gone is
// success. When the call fails, the client asks whether the server still
// exists (vserver-checkexists; GET /servers/{id}) and succeeds only if
// it does not.
func (c *Client) TerminateAccount(ctx context.Context, a provider.Account) error {
	if c.version == 2 {
		return c.terminateV2(ctx, a)
	}
	return c.terminateV1(ctx, a)
}

// SuspendAccount suspends the virtual server a.UniqueIdentifier names.
// SolusVM has no place for a reason, so reason is not sent. SolusVM 1
// reads vserver-status and calls vserver-suspend unless the server is
// already "disabled"; SolusVM 2 reads GET /servers/{id} and calls POST
// /servers/{id}/suspend unless is_suspended. A state the client cannot
// read is an error, and nothing is sent. When the suspend call fails, the
// state is read again and a suspended server is success. Idempotent; a
// missing server gives provider.ErrNotFound.
func (c *Client) SuspendAccount(ctx context.Context, a provider.Account, reason string) error {
	if c.version == 2 {
		return c.setSuspendedV2(ctx, a, true)
	}
	return c.setSuspendedV1(ctx, a, true)
}

// UnsuspendAccount makes the virtual server active again: vserver-status
// then vserver-unsuspend (SolusVM 1), or GET /servers/{id} then POST
// /servers/{id}/resume (SolusVM 2), each only when the server is
// suspended, and with the same state check after a failure as
// SuspendAccount. Idempotent; a missing server gives provider.ErrNotFound.
func (c *Client) UnsuspendAccount(ctx context.Context, a provider.Account) error {
	if c.version == 2 {
		return c.setSuspendedV2(ctx, a, false)
	}
	return c.setSuspendedV1(ctx, a, false)
}

// ListPackages returns the plans. SolusVM 1 calls listplans for each
// virtualization type (plans are names only; Extra["types"] lists the
// types offering each); SolusVM 2 reads every page of GET /plans
// (Extra: id, disk, ram, vcpu). Read only.
func (c *Client) ListPackages(ctx context.Context) ([]provider.Package, error) {
	if c.version == 2 {
		return c.packagesV2(ctx)
	}
	return c.packagesV1(ctx)
}

// forEach runs fn for i in [0, n), at most Concurrency at a time. The
// first error stops the rest (their context is cancelled) and is returned;
// errors that follow it are the cancellation's doing and are dropped.
func (c *Client) forEach(ctx context.Context, op string, n int, fn func(ctx context.Context, i int) error) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(c.cfg.Concurrency)
	for i := range n {
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error { return fn(gctx, i) })
	}
	if err := g.Wait(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		// The caller's context ended between two calls.
		return &provider.APIError{Type: typeName, Op: op, Err: err}
	}
	return nil
}
