package sync

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	gosync "sync"
	"sync/atomic"
	"time"

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
// also the Notifier or the Journal is set as those too.
type Executor struct {
	Provider provider.Provider
	Store    Store
	// Notifier sends the e-mails of imports and exports. It is required
	// for plans with exports, password resets or e-mails.
	Notifier Notifier
	// Journal, if set, gets one entry per action.
	Journal Journal
	// Concurrency bounds how many keys are worked on at once; the actions
	// of one key always run one after another, in plan order.
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

// keyState is what the listings say about one key, kept current as the
// key's actions run.
type keyState struct {
	remote []provider.Account
	local  []*Service
}

func (st *keyState) service(id string) *Service {
	for _, s := range st.local {
		if s.ID == id {
			return s
		}
	}
	return nil
}

// applier is one run of Apply.
type applier struct {
	e       *Executor
	plan    *Plan
	log     *slog.Logger
	dom     normalizer
	journal Journal

	mu        gosync.Mutex // guards the fields below and the report
	report    *Report
	products  map[string]string // package -> product ID, from CreateProduct
	clients   map[string]string // e-mail -> client ID, from CreateClient
	failedDep map[string]error  // "product:"+package or "client:"+e-mail -> why
	done      int

	progress gosync.Mutex // serialises Progress calls and guards reported
	reported int

	batch *batch
	fresh bool // the listings are the plan's own, from Executor.Plan
}

func (e *Executor) apply(ctx context.Context, p *Plan, l *Listing, fresh bool) (*Report, error) {
	x := &applier{
		fresh: fresh,
		e:     e, plan: p, log: e.Logger, dom: newNormalizer("domain"), journal: e.Journal,
		report:   newReport(p),
		products: map[string]string{}, clients: map[string]string{}, failedDep: map[string]error{},
		batch: newBatch(e.Store),
	}
	if x.log == nil {
		x.log = slog.New(slog.DiscardHandler)
	}
	x.report.Started = time.Now()
	defer func() { x.report.Finished = time.Now() }()

	keyField := p.KeyField
	if keyField == "" {
		keyField = "domain"
	}
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

	// Index the listings, for the keys of the plan only.
	states := make(map[string]*keyState, len(groups))
	for k := range groups {
		states[k] = &keyState{}
	}
	if len(states) > 0 {
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
	}
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
	run := func(a *Action, act func() (Outcome, string, string, error)) {
		err := x.batch.do(actx, func() bool {
			out, id, msg, err := act()
			x.finish(actx, a, out, id, msg, err)
			return out != OutcomeSkipped && a.changesServer()
		})
		if err != nil {
			stop(err)
		}
	}
	for _, a := range reviews {
		run(a, func() (Outcome, string, string, error) {
			return OutcomeSkipped, serviceID(a), "needs review: " + a.Reason, nil
		})
	}
	x.each(actx, len(products), func(i int) {
		a := products[i]
		run(a, func() (Outcome, string, string, error) { return x.createProduct(actx, a) })
	})
	x.each(actx, len(clients), func(i int) {
		a := clients[i]
		run(a, func() (Outcome, string, string, error) { return x.createClient(actx, a, firstAccount[a.Key]) })
	})
	x.each(actx, len(order), func(i int) {
		st := states[order[i]]
		for _, a := range groups[order[i]] {
			if actx.Err() != nil {
				return
			}
			run(a, func() (Outcome, string, string, error) { return x.do(actx, a, st) })
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
// (SQLite in Go does), and growing a fresh one per action cost a tenth of
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

func (e *Executor) concurrency() int {
	if e.Concurrency <= 0 {
		return DefaultConcurrency
	}
	return e.Concurrency
}

// finish records an action's outcome in the report, the journal, the log
// and the progress callback.
func (x *applier) finish(ctx context.Context, a *Action, out Outcome, serviceID, msg string, err error) {
	if err != nil {
		out, msg = OutcomeFailed, err.Error()
	}
	x.mu.Lock()
	switch out {
	case OutcomeSucceeded:
		x.report.Succeeded[a.Kind]++
	case OutcomeFailed:
		x.report.Failed[a.Kind]++
		x.report.Failures = append(x.report.Failures, Failure{Kind: a.Kind, Key: a.Key, ServiceID: serviceID, Err: err})
	case OutcomeSkipped:
		if a.Kind != KindReview {
			x.report.Skipped[a.Kind]++
		}
	}
	x.done++
	x.mu.Unlock()

	attrs := []any{"kind", a.Kind, "key", a.Key, "service", serviceID, "outcome", out}
	switch out {
	case OutcomeFailed:
		x.log.LogAttrs(ctx, slog.LevelWarn, "sync: action failed", slog.Any("kind", a.Kind), slog.String("key", a.Key),
			slog.String("service", serviceID), slog.String("error", msg))
	case OutcomeSkipped:
		x.log.Debug("sync: action skipped: "+msg, attrs...)
	default:
		x.log.Info("sync: "+msg, attrs...)
	}
	if x.journal != nil {
		jctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		jerr := x.journal.Record(jctx, Entry{Time: time.Now(), Kind: a.Kind, Key: a.Key, ServiceID: serviceID, Outcome: out, Message: msg})
		cancel()
		if jerr != nil {
			x.log.Error("sync: journal: record failed", "kind", a.Kind, "key", a.Key, "error", jerr.Error())
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

// errorf prefixes an action's errors: "sync: import example.com: ...".
func errorf(a *Action, format string, args ...any) error {
	return fmt.Errorf("sync: %s %s: "+format, append([]any{a.Kind, a.Key}, args...)...)
}

func stale(a *Action, format string, args ...any) error {
	return fmt.Errorf("sync: %s %s: %w: %s", a.Kind, a.Key, ErrStalePlan, fmt.Sprintf(format, args...))
}

func (x *applier) notSupported(a *Action, what string) error {
	return errorf(a, "the %s provider cannot %s: %w", x.e.Provider.Metadata().Type, what, provider.ErrNotSupported)
}

func (x *applier) createProduct(ctx context.Context, a *Action) (Outcome, string, string, error) {
	id, err := x.e.Store.CreateProduct(ctx, NewProduct{Package: a.Key})
	if err == nil && id == "" {
		err = errors.New("the store returned no product ID")
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if err != nil {
		err = errorf(a, "%w", err)
		x.failedDep["product:"+a.Key] = err
		return OutcomeFailed, "", "", err
	}
	x.products[a.Key] = id
	return OutcomeSucceeded, "", "product " + id + " for package " + a.Key, nil
}

func (x *applier) createClient(ctx context.Context, a *Action, acct provider.Account) (Outcome, string, string, error) {
	out, id, err := x.findOrCreateClient(ctx, a, acct)
	x.mu.Lock()
	defer x.mu.Unlock()
	if err != nil {
		x.failedDep["client:"+a.Key] = err
		return OutcomeFailed, "", "", err
	}
	x.clients[a.Key] = id
	if out == OutcomeSucceeded {
		x.report.NewClients++
		return out, "", "client " + id + " created", nil
	}
	return out, "", "client " + id + " exists", nil
}

// findOrCreateClient returns the client of a CreateClient action, created
// now or found. A plan that still holds the listing it was made from was
// made moments ago by Executor.Plan, which asked the store about this
// very address: then the client is created straight away (the store
// answers ErrExists if it appeared since). Any other plan may be old or
// applied before, so the store is asked first.
func (x *applier) findOrCreateClient(ctx context.Context, a *Action, acct provider.Account) (Outcome, string, error) {
	s := x.e.Store
	if !x.fresh {
		id, err := s.FindClientByEmail(ctx, a.Key)
		if err == nil && id != "" {
			return OutcomeSkipped, id, nil
		}
		if err != nil && !errors.Is(err, provider.ErrNotFound) {
			return "", "", errorf(a, "find client: %w", err)
		}
	}
	id, err := s.CreateClient(ctx, NewClient{Email: a.Key, Account: acct})
	if errors.Is(err, provider.ErrExists) {
		if id, err = s.FindClientByEmail(ctx, a.Key); err == nil && id != "" {
			return OutcomeSkipped, id, nil
		}
	}
	if err == nil && id == "" {
		err = errors.New("the store returned no client ID")
	}
	if err != nil {
		return "", "", errorf(a, "%w", err)
	}
	return OutcomeSucceeded, id, nil
}

// product returns the product for an import or package change.
func (x *applier) product(ctx context.Context, a *Action, pkg string) (string, error) {
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

// client returns the client of an import.
func (x *applier) client(ctx context.Context, a *Action) (string, error) {
	if a.Local.ClientID != "" {
		return a.Local.ClientID, nil
	}
	email := normalizeEmail(a.Local.ClientEmail)
	x.mu.Lock()
	id, failed := x.clients[email], x.failedDep["client:"+email]
	x.mu.Unlock()
	if id != "" {
		return id, nil
	}
	if failed != nil {
		return "", errorf(a, "no client for %s: %w", email, failed)
	}
	id, err := x.e.Store.FindClientByEmail(ctx, email)
	if err != nil || id == "" {
		return "", errorf(a, "no client for %s, and the plan does not create one: %w", email, err)
	}
	return id, nil
}

func (x *applier) notify(ctx context.Context, n Notification) error {
	return x.e.Notifier.Notify(ctx, n)
}

// do runs one action against the current state of its key.
func (x *applier) do(ctx context.Context, a *Action, st *keyState) (Outcome, string, string, error) {
	if a.Local == nil && a.Kind != KindTerminateRemote {
		return "", "", "", errorf(a, "malformed action: no service")
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
	return "", "", "", errorf(a, "cannot be applied")
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
	if s := st.service(a.Local.ID); s != nil {
		return s, nil
	}
	return nil, stale(a, "service %s is gone from billing or has another key", a.Local.ID)
}

func (x *applier) doImport(ctx context.Context, a *Action, st *keyState) (Outcome, string, string, error) {
	acct, err := one(a, st)
	if err != nil {
		return "", "", "", err
	}
	for _, s := range st.local {
		if s.Status.open() {
			return OutcomeSkipped, s.ID, "already in billing as service " + s.ID, nil
		}
	}
	if len(st.local) > 0 {
		return "", "", "", stale(a, "%s now has this key", st.local[0].label())
	}
	var setter provider.PasswordSetter
	if a.ResetPassword {
		var ok bool
		if setter, ok = x.e.Provider.(provider.PasswordSetter); !ok {
			return "", "", "", x.notSupported(a, "set passwords")
		}
	}
	svc := *a.Local
	svc.ID = ""
	if svc.ProductID, err = x.product(ctx, a, svc.Package); err != nil {
		return "", "", "", err
	}
	if svc.ClientID, err = x.client(ctx, a); err != nil {
		return "", "", "", err
	}
	id, err := x.e.Store.CreateService(ctx, svc)
	if err == nil && id == "" {
		err = errors.New("the store returned no service ID")
	}
	if err != nil {
		return "", "", "", errorf(a, "create service: %w", err)
	}
	svc.ID = id
	st.local = append(st.local, &svc)
	note := Notification{Key: a.Key, ServiceID: id, ClientID: svc.ClientID, Email: svc.ClientEmail, Username: acct.Username, Domain: acct.Domain}
	if setter != nil {
		pw := newPassword()
		if err := setter.SetPassword(ctx, *acct, pw); err != nil {
			return "", id, "", errorf(a, "service %s created, but setting the new password failed: %w", id, err)
		}
		n := note
		n.Kind, n.Password = NotificationKindNewPassword, pw
		if err := x.notify(ctx, n); err != nil {
			return "", id, "", errorf(a, "service %s created and password reset, but the new-password e-mail failed: %w", id, err)
		}
	}
	for _, k := range []NotificationKind{NotificationKindWelcome, NotificationKindHostingDetails} {
		if (k == NotificationKindWelcome && a.Emails.Welcome) || (k == NotificationKindHostingDetails && a.Emails.HostingDetails) {
			n := note
			n.Kind = k
			if err := x.notify(ctx, n); err != nil {
				return "", id, "", errorf(a, "service %s created, but the %s e-mail failed: %w", id, k, err)
			}
		}
	}
	return OutcomeSucceeded, id, "service " + id + " created", nil
}

func (x *applier) doExport(ctx context.Context, a *Action, st *keyState) (Outcome, string, string, error) {
	cur, err := current(a, st)
	if err != nil {
		return "", a.Local.ID, "", err
	}
	if !cur.Status.live() {
		return "", cur.ID, "", stale(a, "%s is no longer live", cur.label())
	}
	if len(st.remote) > 0 {
		// A crash between creating and suspending leaves the account
		// active; finish the job rather than skip it.
		if cur.Status == ServiceStatusSuspended && len(st.remote) == 1 && st.remote[0].Status == provider.StatusActive {
			s, ok := x.e.Provider.(provider.Suspender)
			if !ok {
				return "", cur.ID, "", x.notSupported(a, "suspend accounts")
			}
			if err := s.SuspendAccount(ctx, st.remote[0], "suspended in billing"); err != nil {
				return "", cur.ID, "", errorf(a, "the account exists; suspending it failed: %w", err)
			}
			st.remote[0].Status = provider.StatusSuspended
			return OutcomeSucceeded, cur.ID, "the account was on the server already; suspended it", nil
		}
		return OutcomeSkipped, cur.ID, "the account is already on the server", nil
	}
	creator, ok := x.e.Provider.(provider.Creator)
	if !ok {
		return "", cur.ID, "", x.notSupported(a, "create accounts")
	}
	var suspender provider.Suspender
	if cur.Status == ServiceStatusSuspended {
		if suspender, ok = x.e.Provider.(provider.Suspender); !ok {
			return "", cur.ID, "", x.notSupported(a, "suspend accounts")
		}
	}
	if strings.TrimSpace(cur.Package) == "" {
		return "", cur.ID, "", errorf(a, "service %s has no package to create the account with", cur.ID)
	}
	pw := newPassword()
	created, err := creator.CreateAccount(ctx, provider.NewAccount{
		Username: cur.Username, Domain: cur.Domain, Email: cur.ClientEmail, Password: pw, Product: cur.Package,
	})
	if err != nil {
		return "", cur.ID, "", errorf(a, "create account: %w", err)
	}
	st.remote = []provider.Account{created}
	if suspender != nil {
		if err := suspender.SuspendAccount(ctx, created, "suspended in billing"); err != nil {
			return "", cur.ID, "", errorf(a, "account created, but suspending it failed: %w", err)
		}
		st.remote[0].Status = provider.StatusSuspended
	}
	// Record what the panel chose, so the next run sees no drift.
	upd, changes := *cur, []Change(nil)
	if u := strings.TrimSpace(created.Username); u != "" && !strings.EqualFold(u, strings.TrimSpace(cur.Username)) {
		changes = append(changes, Change{Field: FieldUsername, Old: cur.Username, New: u})
		upd.Username = u
	}
	if ip := strings.TrimSpace(created.PrimaryIP); ip != "" && !sameIP(ip, cur.DedicatedIP) {
		changes = append(changes, Change{Field: FieldDedicatedIP, Old: cur.DedicatedIP, New: ip})
		upd.DedicatedIP = ip
	}
	if len(changes) > 0 {
		if err := x.e.Store.UpdateService(ctx, upd, changes); err != nil {
			return "", cur.ID, "", errorf(a, "account created, but recording its username and IP in billing failed: %w", err)
		}
		*cur = upd
	}
	n := Notification{Kind: NotificationKindNewPassword, Key: a.Key, ServiceID: cur.ID, ClientID: cur.ClientID, Email: cur.ClientEmail,
		Username: created.Username, Domain: created.Domain, Password: pw}
	if err := x.notify(ctx, n); err != nil {
		return "", cur.ID, "", errorf(a, "account created, but the new-password e-mail failed: %w", err)
	}
	return OutcomeSucceeded, cur.ID, "account created on the server", nil
}

func (x *applier) doTerminateLocal(ctx context.Context, a *Action, st *keyState) (Outcome, string, string, error) {
	cur, err := current(a, st)
	if err != nil {
		return "", a.Local.ID, "", err
	}
	if !cur.Status.open() {
		return OutcomeSkipped, cur.ID, "already " + string(cur.Status), nil
	}
	if !cur.Status.live() {
		return "", cur.ID, "", stale(a, "%s is no longer live", cur.label())
	}
	if len(st.remote) > 0 {
		return "", cur.ID, "", stale(a, "the account is back on the server")
	}
	if err := x.e.Store.TerminateService(ctx, *cur); err != nil {
		return "", cur.ID, "", errorf(a, "terminate service %s: %w", cur.ID, err)
	}
	cur.Status = ServiceStatusTerminated
	return OutcomeSucceeded, cur.ID, "service " + cur.ID + " terminated in billing", nil
}

func (x *applier) doTerminateRemote(ctx context.Context, a *Action, st *keyState) (Outcome, string, string, error) {
	if a.Local == nil {
		return "", "", "", errorf(a, "malformed action: no billing service says to terminate")
	}
	cur, err := current(a, st)
	if err != nil {
		return "", a.Local.ID, "", err
	}
	// Billing said the service ended, or (when it was live) the
	// nameservers were judged incorrect and billing goes with the account.
	withBilling := a.Local.Status.live()
	if !withBilling && cur.Status.open() {
		return "", cur.ID, "", stale(a, "%s is open again", cur.label())
	}
	terminateBilling := func() (Outcome, string, string, error) {
		if withBilling && cur.Status.live() {
			if err := x.e.Store.TerminateService(ctx, *cur); err != nil {
				return "", cur.ID, "", errorf(a, "account terminated, but terminating service %s in billing failed: %w", cur.ID, err)
			}
			cur.Status = ServiceStatusTerminated
		}
		return OutcomeSucceeded, cur.ID, "account terminated on the server", nil
	}
	switch len(st.remote) {
	case 0:
		if withBilling && cur.Status.live() {
			return terminateBilling() // the account went before a crash; billing did not
		}
		return OutcomeSkipped, cur.ID, "the account is already gone from the server", nil
	case 1:
	default:
		return "", cur.ID, "", stale(a, "%d accounts on the server have this key now", len(st.remote))
	}
	term, ok := x.e.Provider.(provider.Terminator)
	if !ok {
		return "", cur.ID, "", x.notSupported(a, "terminate accounts")
	}
	if err := term.TerminateAccount(ctx, st.remote[0]); err != nil {
		return "", cur.ID, "", errorf(a, "terminate account: %w", err)
	}
	st.remote = nil
	return terminateBilling()
}

func (x *applier) doStatusLocal(ctx context.Context, a *Action, st *keyState) (Outcome, string, string, error) {
	target := ServiceStatusActive
	if a.Kind == KindSuspendLocal {
		target = ServiceStatusSuspended
	}
	cur, err := current(a, st)
	if err != nil {
		return "", a.Local.ID, "", err
	}
	if cur.Status == target {
		return OutcomeSkipped, cur.ID, "already " + string(target), nil
	}
	if !cur.Status.live() {
		return "", cur.ID, "", stale(a, "%s is no longer live", cur.label())
	}
	acct, err := one(a, st)
	if err != nil {
		return "", cur.ID, "", err
	}
	if ServiceStatus(acct.Status) != target {
		return "", cur.ID, "", stale(a, "the account is %s on the server now", acct.Status)
	}
	upd := *cur
	upd.Status = target
	if err := x.e.Store.UpdateService(ctx, upd, []Change{{Field: FieldStatus, Old: string(cur.Status), New: string(target)}}); err != nil {
		return "", cur.ID, "", errorf(a, "update service %s: %w", cur.ID, err)
	}
	*cur = upd
	return OutcomeSucceeded, cur.ID, "service " + cur.ID + " set " + string(target), nil
}

func (x *applier) doStatusRemote(ctx context.Context, a *Action, st *keyState) (Outcome, string, string, error) {
	target := provider.StatusActive
	if a.Kind == KindSuspendRemote {
		target = provider.StatusSuspended
	}
	cur, err := current(a, st)
	if err != nil {
		return "", a.Local.ID, "", err
	}
	acct, err := one(a, st)
	if err != nil {
		return "", cur.ID, "", err
	}
	if acct.Status == target {
		return OutcomeSkipped, cur.ID, "the account is already " + string(target), nil
	}
	if cur.Status != ServiceStatus(target) {
		return "", cur.ID, "", stale(a, "%s in billing now", cur.Status)
	}
	s, ok := x.e.Provider.(provider.Suspender)
	if !ok {
		return "", cur.ID, "", x.notSupported(a, "suspend and unsuspend accounts")
	}
	if target == provider.StatusSuspended {
		err = s.SuspendAccount(ctx, *acct, "suspended in billing")
	} else {
		err = s.UnsuspendAccount(ctx, *acct)
	}
	if err != nil {
		return "", cur.ID, "", errorf(a, "%w", err)
	}
	acct.Status = target
	return OutcomeSucceeded, cur.ID, "account set " + string(target) + " on the server", nil
}

func (x *applier) doUpdate(ctx context.Context, a *Action, st *keyState) (Outcome, string, string, error) {
	cur, err := current(a, st)
	if err != nil {
		return "", a.Local.ID, "", err
	}
	if !cur.Status.live() {
		return "", cur.ID, "", stale(a, "%s is no longer live", cur.label())
	}
	acct, err := one(a, st)
	if err != nil {
		return "", cur.ID, "", err
	}
	upd := *cur
	var todo []Change
	for _, c := range a.Changes {
		now, ok := field(cur, c.Field)
		if !ok {
			return "", cur.ID, "", errorf(a, "malformed action: unknown field %q", c.Field)
		}
		if server := accountField(acct, c.Field); !x.same(c.Field, server, c.New) {
			return "", cur.ID, "", stale(a, "the server's %s is now %q, not %q", c.Field, server, c.New)
		}
		if x.same(c.Field, now, c.New) {
			continue
		}
		if !x.same(c.Field, now, c.Old) {
			return "", cur.ID, "", stale(a, "billing's %s is now %q, not %q", c.Field, now, c.Old)
		}
		setField(&upd, c.Field, c.New)
		todo = append(todo, Change{Field: c.Field, Old: now, New: c.New})
		if c.Field == FieldPackage {
			pid, err := x.product(ctx, a, c.New)
			if err != nil {
				return "", cur.ID, "", err
			}
			if pid != cur.ProductID {
				upd.ProductID = pid
				todo = append(todo, Change{Field: FieldProductID, Old: cur.ProductID, New: pid})
			}
		}
	}
	if len(todo) == 0 {
		return OutcomeSkipped, cur.ID, "already up to date", nil
	}
	if err := x.e.Store.UpdateService(ctx, upd, todo); err != nil {
		return "", cur.ID, "", errorf(a, "update service %s: %w", cur.ID, err)
	}
	*cur = upd
	return OutcomeSucceeded, cur.ID, "service " + cur.ID + " updated", nil
}

func field(s *Service, name string) (string, bool) {
	switch name {
	case FieldPackage:
		return s.Package, true
	case FieldDomain:
		return s.Domain, true
	case FieldUsername:
		return s.Username, true
	case FieldDedicatedIP:
		return s.DedicatedIP, true
	}
	return "", false
}

func setField(s *Service, name, v string) {
	switch name {
	case FieldPackage:
		s.Package = v
	case FieldDomain:
		s.Domain = v
	case FieldUsername:
		s.Username = v
	case FieldDedicatedIP:
		s.DedicatedIP = v
	}
}

func accountField(a *provider.Account, name string) string {
	switch name {
	case FieldPackage:
		return a.Product
	case FieldDomain:
		return a.Domain
	case FieldUsername:
		return a.Username
	case FieldDedicatedIP:
		return a.PrimaryIP
	}
	return ""
}

// same compares field values the way Diff does.
func (x *applier) same(name, a, b string) bool {
	switch name {
	case FieldDomain:
		return sameKey(x.dom, a, b)
	case FieldDedicatedIP:
		return sameIP(a, b)
	}
	return strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b))
}

// newPassword returns 20 random letters and digits, with at least one
// lower-case letter, one upper-case letter and one digit, from an alphabet
// without look-alikes.
func newPassword() string {
	const (
		lower  = "abcdefghijkmnopqrstuvwxyz"
		upper  = "ABCDEFGHJKLMNPQRSTUVWXYZ"
		digits = "23456789"
		all    = lower + upper + digits
	)
	for {
		b := make([]byte, 20)
		raw := make([]byte, 64)
		rand.Read(raw) // never fails
		n := 0
		for _, r := range raw {
			if int(r) < 256-256%len(all) && n < len(b) {
				b[n] = all[int(r)%len(all)]
				n++
			}
		}
		if n == len(b) && strings.ContainsAny(string(b), lower) && strings.ContainsAny(string(b), upper) && strings.ContainsAny(string(b), digits) {
			return string(b)
		}
	}
}
