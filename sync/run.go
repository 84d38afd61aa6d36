package sync

import (
	"context"
	"errors"
	"fmt"
	"slices"
	gosync "sync"
	"time"

	"github.com/accountsync/accountsync/provider"
	"golang.org/x/sync/errgroup"
)

// Listing is what one sync reads: every account on the server and every
// service of the server in billing, each complete. [Executor.List] reads
// it; [Executor.Plan] plans from it, and the plan's first Apply works from
// it, so that one sync lists each side once.
type Listing struct {
	Remote []provider.Account
	Local  []Service
}

// source is the listing a plan was made from, handed to the plan's first
// Apply and then let go, so that a second Apply (after an interruption,
// say) lists afresh and a kept plan does not keep the listing alive.
type source struct {
	mu      gosync.Mutex
	listing *Listing
}

func (s *source) take() *Listing {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.listing
	s.listing = nil
	return l
}

// List reads both sides: the server's accounts through the Provider, then
// the services through the Store. It returns an error, and no listing,
// when either fails: a sync never works from part of a side.
func (e *Executor) List(ctx context.Context) (*Listing, error) {
	if e.Provider == nil || e.Store == nil {
		return nil, errors.New("sync: list: the executor needs a Provider and a Store")
	}
	return e.list(ctx, "sync: ")
}

// list reads both sides, prefixing errors with prefix.
func (e *Executor) list(ctx context.Context, prefix string) (*Listing, error) {
	remote, err := e.Provider.ListAccounts(ctx)
	if err != nil {
		return nil, fmt.Errorf("%slist accounts: %w", prefix, err)
	}
	local, err := e.Store.Services(ctx)
	if err != nil {
		return nil, fmt.Errorf("%sload services: %w", prefix, err)
	}
	return &Listing{Remote: remote, Local: local}, nil
}

// Plan plans a sync from l with [Diff], asking the Store first about the
// clients the plan needs: the e-mail addresses of the imports this run
// does that Options.Clients lacks, and no others, so that a run costs in
// proportion to the accounts it imports and not to the size of billing.
// A Store that implements [ClientFinder] is asked once; any other is asked
// with FindClientByEmail, one address at a time, at most Concurrency at
// once.
//
// Options.KeyField defaults to the Provider's
// Metadata().UniqueIdentifierField, and Options.Now to the current time.
// Errors are Diff's (such as an [*UnsafePlanError] or [ErrStalePlan]) or
// the Store's.
//
// The plan remembers l: its first [Executor.Apply] checks the actions
// against l instead of listing again.
func (e *Executor) Plan(ctx context.Context, l *Listing, opts Options) (*Plan, error) {
	if e.Provider == nil || e.Store == nil {
		return nil, errors.New("sync: plan: the executor needs a Provider and a Store")
	}
	if l == nil {
		return nil, errors.New("sync: plan: no listing")
	}
	if opts.KeyField == "" {
		opts.KeyField = e.Provider.Metadata().UniqueIdentifierField
	}
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}

	// The plan names the addresses it lacks as CreateClient actions. When
	// the store knows some of them, plan again with them: the second plan
	// keeps the same actions (clients are not counted against MaxActions)
	// and only loses those CreateClient actions.
	d, p, err := diff(l.Remote, l.Local, opts)
	if err != nil {
		return nil, err
	}
	var emails []string
	for i := range p.Actions {
		if p.Actions[i].Kind == KindCreateClient {
			emails = append(emails, p.Actions[i].Key)
		}
	}
	if len(emails) > 0 {
		found, err := e.findClients(ctx, emails)
		if err != nil {
			return nil, err
		}
		if len(found) > 0 {
			clients := make(map[string]string, len(opts.Clients)+len(found))
			for k, v := range opts.Clients {
				clients[k] = v
			}
			for k, v := range found {
				clients[k] = v
			}
			opts.Clients = clients
			if d, p, err = diff(l.Remote, l.Local, opts); err != nil {
				return nil, err
			}
		}
	}
	if err := d.judge(p); err != nil {
		return nil, err
	}
	p.source = &source{listing: l}
	return p, nil
}

// findClients returns the client ID of each address that has a client.
func (e *Executor) findClients(ctx context.Context, emails []string) (map[string]string, error) {
	if f, ok := e.Store.(ClientFinder); ok {
		found, err := f.FindClientsByEmail(ctx, slices.Clone(emails))
		if err != nil {
			return nil, fmt.Errorf("sync: plan: find clients: %w", err)
		}
		out := make(map[string]string, len(found))
		for email, id := range found {
			if id != "" {
				out[normalizeEmail(email)] = id
			}
		}
		return out, nil
	}
	var mu gosync.Mutex
	out := make(map[string]string)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(e.concurrency())
	for _, email := range emails {
		g.Go(func() error {
			id, err := e.Store.FindClientByEmail(gctx, email)
			if errors.Is(err, provider.ErrNotFound) || (err == nil && id == "") {
				return nil
			}
			if err != nil {
				return fmt.Errorf("sync: plan: find client %s: %w", email, err)
			}
			mu.Lock()
			out[email] = id
			mu.Unlock()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return out, nil
}

// Run is one whole sync in one call: [Executor.List], [Executor.Plan] with
// opts, and [Executor.Apply], each side listed once. Errors from the
// listing or from planning (such as an [*UnsafePlanError]) are returned
// with a nil report, and nothing is changed; otherwise Run returns what
// Apply returns, and the report's Plan holds the SeenMissing to pass to
// the next run.
//
// To apply a plan reviewed earlier (say, saved as JSON), set
// Options.ExpectFingerprint to its fingerprint: Run then applies only if
// the fresh listings give that same plan, and fails with [ErrStalePlan]
// otherwise.
func (e *Executor) Run(ctx context.Context, opts Options) (*Report, error) {
	l, err := e.List(ctx)
	if err != nil {
		return nil, err
	}
	p, err := e.Plan(ctx, l, opts)
	if err != nil {
		return nil, err
	}
	return e.Apply(ctx, p)
}
