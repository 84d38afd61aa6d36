package providertest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/accountsync/accountsync/provider"
)

// Operation names, as used by [Fake.Fail], [Fake.FailNext] and
// [Fake.Calls]. They match the Op of the errors the fake returns.
const (
	OpList        = "list accounts"
	OpCreate      = "create account"
	OpTerminate   = "terminate account"
	OpSuspend     = "suspend account"
	OpUnsuspend   = "unsuspend account"
	OpListPackage = "list packages"
	OpSetPassword = "set password"
)

// Fake is an in-memory [provider.Provider] with every optional capability
// and knobs to inject faults. It is the reference implementation of the
// contract: it passes [Run], and tests of code that uses providers (such
// as the sync engine) run against it. Accounts are keyed by the identifier
// its Metadata names ("domain" unless changed with [Fake.SetMetadata]).
//
// A Fake is safe for concurrent use.
type Fake struct {
	mu        sync.Mutex
	md        provider.Metadata
	accounts  []provider.Account // in creation order
	passwords map[string]string
	packages  []provider.Package
	now       func() time.Time

	pageSize  int
	failPages int // fail the listing after this many pages; <0: never
	pageErr   error
	delay     time.Duration
	failNext  map[string]error
	failAll   map[string]error
	calls     map[string]int
}

// NewFake returns a Fake holding copies of accounts. Its packages are the
// distinct products of those accounts plus "default".
func NewFake(accounts ...provider.Account) *Fake {
	f := &Fake{
		md: provider.Metadata{
			Type: "fake", DisplayName: "Fake server", UniqueIdentifierField: "domain",
			UniqueIdentifierDisplayName: "Domain", ProductField: "configoption1",
		},
		passwords: map[string]string{},
		now:       func() time.Time { return time.Now().UTC().Truncate(time.Second) },
		pageSize:  100,
		failPages: -1,
		failNext:  map[string]error{},
		failAll:   map[string]error{},
		calls:     map[string]int{},
	}
	names := map[string]bool{"default": true}
	f.packages = append(f.packages, provider.Package{Name: "default"})
	for _, a := range accounts {
		f.accounts = append(f.accounts, cloneAccount(a))
		if a.Product != "" && !names[a.Product] {
			names[a.Product] = true
			f.packages = append(f.packages, provider.Package{Name: a.Product})
		}
	}
	return f
}

// SetMetadata replaces what Metadata returns, for instance to key accounts
// by username.
func (f *Fake) SetMetadata(md provider.Metadata) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.md = md
}

// SetClock sets the clock that stamps created accounts (default: now, UTC,
// whole seconds).
func (f *Fake) SetClock(now func() time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = now
}

// SetDelay makes every call wait d first, or until its context ends.
func (f *Fake) SetDelay(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.delay = d
}

// FailNext makes the next call of op fail with err, once.
func (f *Fake) FailNext(op string, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failNext[op] = err
}

// Fail makes every call of op fail with err until Fail(op, nil).
func (f *Fake) Fail(op string, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err == nil {
		delete(f.failAll, op)
		return
	}
	f.failAll[op] = err
}

// FailListAfter makes listings fail with err after reading pages pages of
// the page size (100 accounts unless set with SetPageSize), the way a
// paginated panel fails halfway. The listing returns the error and no
// accounts. A negative pages turns this off.
func (f *Fake) FailListAfter(pages int, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failPages, f.pageErr = pages, err
}

// SetPageSize sets the page size FailListAfter counts in.
func (f *Fake) SetPageSize(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pageSize = max(1, n)
}

// Calls returns how many times op was called, failed calls included.
func (f *Fake) Calls(op string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[op]
}

// Accounts returns a copy of the accounts the fake holds, sorted by
// identifier, without consulting the fault knobs.
func (f *Fake) Accounts() []provider.Account {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]provider.Account, 0, len(f.accounts))
	for _, a := range f.accounts {
		out = append(out, cloneAccount(a))
	}
	field := f.md.UniqueIdentifierField
	slices.SortFunc(out, func(a, b provider.Account) int { return strings.Compare(a.Identifier(field), b.Identifier(field)) })
	return out
}

// Password returns the password last set for the account with key, for
// tests of code that creates accounts or resets passwords.
func (f *Fake) Password(key string) (string, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.passwords[key]
	return p, ok
}

// AddPackage adds a package to what ListPackages returns.
func (f *Fake) AddPackage(p provider.Package) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.packages = append(f.packages, p)
}

// Metadata returns the fake's metadata (type "fake", keyed by domain,
// unless changed).
func (f *Fake) Metadata() provider.Metadata {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.md
}

// begin counts the call, waits the delay and returns an injected fault.
// It is called without the lock held.
func (f *Fake) begin(ctx context.Context, op string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("fake: %s: %w", op, err)
	}
	f.mu.Lock()
	f.calls[op]++
	delay := f.delay
	err, once := f.failNext[op]
	if once {
		delete(f.failNext, op)
	} else {
		err = f.failAll[op]
	}
	f.mu.Unlock()
	if delay > 0 {
		t := time.NewTimer(delay)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return fmt.Errorf("fake: %s: %w", op, ctx.Err())
		case <-t.C:
		}
	}
	if err != nil {
		return fmt.Errorf("fake: %s: %w", op, err)
	}
	return nil
}

// ListAccounts returns every account, in creation order, or an injected
// error and no accounts.
func (f *Fake) ListAccounts(ctx context.Context) ([]provider.Account, error) {
	if err := f.begin(ctx, OpList); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []provider.Account
	for page := 0; page*f.pageSize < len(f.accounts) || page == 0; page++ {
		if f.failPages >= 0 && page >= f.failPages {
			// The pages read so far are dropped: never a partial list.
			return nil, fmt.Errorf("fake: %s: page %d: %w", OpList, page+1, f.pageErr)
		}
		end := min(len(f.accounts), (page+1)*f.pageSize)
		for _, a := range f.accounts[page*f.pageSize : end] {
			out = append(out, cloneAccount(a))
		}
	}
	return out, nil
}

// index returns the position of the account with key, or -1.
func (f *Fake) index(key string) int {
	field := f.md.UniqueIdentifierField
	for i, a := range f.accounts {
		if strings.EqualFold(a.Identifier(field), key) {
			return i
		}
	}
	return -1
}

// CreateAccount adds an active account. A duplicate key (or, on a fake
// keyed by domain, a duplicate username) is an error wrapping
// provider.ErrExists.
func (f *Fake) CreateAccount(ctx context.Context, n provider.NewAccount) (provider.Account, error) {
	if err := f.begin(ctx, OpCreate); err != nil {
		return provider.Account{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	a := provider.Account{
		Email: n.Email, Username: n.Username, Domain: n.Domain, Product: n.Product,
		Created: f.now(), Status: provider.StatusActive, Extra: cloneMap(n.Extra),
	}
	a.UniqueIdentifier = n.Domain
	if id := n.Extra["uniqueIdentifier"]; id != "" {
		a.UniqueIdentifier = id
	}
	key := a.Identifier(f.md.UniqueIdentifierField)
	if key == "" {
		return provider.Account{}, fmt.Errorf("fake: %s: empty %s", OpCreate, f.md.UniqueIdentifierField)
	}
	if f.index(key) >= 0 {
		return provider.Account{}, fmt.Errorf("fake: %s %q: %w", OpCreate, key, provider.ErrExists)
	}
	for _, b := range f.accounts {
		if n.Username != "" && strings.EqualFold(b.Username, n.Username) {
			return provider.Account{}, fmt.Errorf("fake: %s: username %q: %w", OpCreate, n.Username, provider.ErrExists)
		}
	}
	f.accounts = append(f.accounts, a)
	f.passwords[key] = n.Password
	return cloneAccount(a), nil
}

// TerminateAccount removes the account; an absent one is not an error.
func (f *Fake) TerminateAccount(ctx context.Context, a provider.Account) error {
	if err := f.begin(ctx, OpTerminate); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	key := a.Identifier(f.md.UniqueIdentifierField)
	if i := f.index(key); i >= 0 {
		f.accounts = slices.Delete(f.accounts, i, i+1)
		delete(f.passwords, key)
	}
	return nil
}

// SuspendAccount marks the account suspended; a suspended one stays so.
func (f *Fake) SuspendAccount(ctx context.Context, a provider.Account, reason string) error {
	return f.setStatus(ctx, OpSuspend, a, provider.StatusSuspended)
}

// UnsuspendAccount marks the account active; an active one stays so.
func (f *Fake) UnsuspendAccount(ctx context.Context, a provider.Account) error {
	return f.setStatus(ctx, OpUnsuspend, a, provider.StatusActive)
}

func (f *Fake) setStatus(ctx context.Context, op string, a provider.Account, s provider.Status) error {
	if err := f.begin(ctx, op); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	key := a.Identifier(f.md.UniqueIdentifierField)
	i := f.index(key)
	if i < 0 {
		return fmt.Errorf("fake: %s %q: %w", op, key, provider.ErrNotFound)
	}
	f.accounts[i].Status = s
	return nil
}

// ListPackages returns the packages.
func (f *Fake) ListPackages(ctx context.Context) ([]provider.Package, error) {
	if err := f.begin(ctx, OpListPackage); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]provider.Package, len(f.packages))
	for i, p := range f.packages {
		out[i] = provider.Package{Name: p.Name, Extra: cloneMap(p.Extra)}
	}
	return out, nil
}

// SetPassword records the password; see [Fake.Password].
func (f *Fake) SetPassword(ctx context.Context, a provider.Account, password string) error {
	if err := f.begin(ctx, OpSetPassword); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	key := a.Identifier(f.md.UniqueIdentifierField)
	if f.index(key) < 0 {
		return fmt.Errorf("fake: %s %q: %w", OpSetPassword, key, provider.ErrNotFound)
	}
	f.passwords[key] = password
	return nil
}

func cloneAccount(a provider.Account) provider.Account {
	a.Extra = cloneMap(a.Extra)
	return a
}

func cloneMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

var (
	_ provider.Provider       = (*Fake)(nil)
	_ provider.Creator        = (*Fake)(nil)
	_ provider.Terminator     = (*Fake)(nil)
	_ provider.Suspender      = (*Fake)(nil)
	_ provider.PackageLister  = (*Fake)(nil)
	_ provider.PasswordSetter = (*Fake)(nil)
)
