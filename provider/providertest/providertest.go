package providertest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/accountsync/accountsync/provider"
)

// Options tunes [Run]. The zero value checks everything with defaults.
type Options struct {
	// Want lists accounts the provider must list. Each is found by its
	// identifier and compared on the WHMCS fields; a zero Created in Want
	// is not compared.
	Want []provider.Account
	// NewAccount returns the i-th account the capability checks create
	// (i from 1). By default: username "kittest<i>", domain
	// "kit-test-<i>.example", a strong password, and the first package the
	// provider lists (or "default").
	NewAccount func(i int) provider.NewAccount
	// Now is the clock "Created is not in the future" is judged by
	// (default time.Now), with Skew of tolerance for a server clock that
	// runs ahead (default one minute).
	Now  func() time.Time
	Skew time.Duration
	// Timeout bounds each call the kit makes (default 30 seconds), so a
	// provider that hangs fails instead of stalling the test binary.
	Timeout time.Duration
	// Concurrency is the number of simultaneous listings in the
	// concurrency check (default 8).
	Concurrency int
	// ReadOnly skips every check that changes the server, for a provider
	// pointed at a server the test must not touch.
	ReadOnly bool
}

// Run checks that the providers newProvider returns follow the contract
// written on [provider.Provider] and on each optional capability they
// implement. newProvider is called once per subtest, so checks that create,
// suspend or terminate accounts each start from a fresh server.
//
// Each rule is a named subtest; a capability the provider lacks is
// skipped with a note saying so.
func Run(t *testing.T, newProvider func(t *testing.T) provider.Provider, opts Options) {
	t.Helper()
	k := &kit{newProvider: newProvider, opts: opts}
	if k.opts.Now == nil {
		k.opts.Now = time.Now
	}
	if k.opts.Skew == 0 {
		k.opts.Skew = time.Minute
	}
	if k.opts.Timeout == 0 {
		k.opts.Timeout = 30 * time.Second
	}
	if k.opts.Concurrency == 0 {
		k.opts.Concurrency = 8
	}

	t.Run("Metadata names a type and an identifier field", k.testMetadata)
	t.Run("ListAccounts succeeds", func(t *testing.T) { k.list(t, k.newProvider(t)) })
	t.Run("ListAccounts is stable across calls", k.testStable)
	t.Run("every account has a non-empty identifier", k.testNonEmptyKeys)
	t.Run("identifiers are unique", k.testUniqueKeys)
	t.Run("every status is Active or Suspended", k.testStatuses)
	t.Run("no account was created in the future", k.testCreated)
	t.Run("accounts survive a JSON round trip", k.testJSON)
	t.Run("the expected accounts are listed", k.testWant)
	t.Run("a cancelled context returns context.Canceled", k.testCancelled)
	t.Run("an expired deadline returns context.DeadlineExceeded", k.testDeadline)
	t.Run("concurrent listings are safe and agree", k.testConcurrent)

	t.Run("Creator", func(t *testing.T) {
		t.Run("a created account appears in the listing", k.testCreate)
		t.Run("creating an account twice gives ErrExists", k.testCreateTwice)
	})
	t.Run("Terminator", func(t *testing.T) {
		t.Run("a terminated account leaves the listing", k.testTerminate)
		t.Run("terminating twice succeeds", k.testTerminateTwice)
	})
	t.Run("Suspender", func(t *testing.T) {
		t.Run("suspending twice succeeds and the listing shows Suspended", k.testSuspend)
		t.Run("unsuspending twice succeeds and the listing shows Active", k.testUnsuspend)
		t.Run("suspending a missing account gives ErrNotFound", k.testSuspendMissing)
	})
	t.Run("PackageLister", func(t *testing.T) {
		t.Run("packages have unique, non-empty names", k.testPackages)
	})
	t.Run("PasswordSetter", func(t *testing.T) {
		t.Run("setting a password succeeds and is not echoed in errors", k.testSetPassword)
	})
}

type kit struct {
	newProvider func(t *testing.T) provider.Provider
	opts        Options
}

func (k *kit) ctx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), k.opts.Timeout)
	t.Cleanup(cancel)
	return ctx
}

func (k *kit) list(t *testing.T, p provider.Provider) []provider.Account {
	t.Helper()
	accts, err := p.ListAccounts(k.ctx(t))
	if err != nil {
		t.Fatalf("ListAccounts: %v", err)
	}
	return accts
}

func keyOf(p provider.Provider, a provider.Account) string {
	return a.Identifier(p.Metadata().UniqueIdentifierField)
}

// sorted returns the accounts as sorted JSON lines, for comparison.
func sorted(t *testing.T, p provider.Provider, accts []provider.Account) []string {
	t.Helper()
	out := make([]string, 0, len(accts))
	for _, a := range accts {
		b, err := json.Marshal(a)
		if err != nil {
			t.Fatalf("json.Marshal(%s): %v", keyOf(p, a), err)
		}
		out = append(out, string(b))
	}
	slices.Sort(out)
	return out
}

func (k *kit) testMetadata(t *testing.T) {
	md := k.newProvider(t).Metadata()
	if md.Type == "" {
		t.Error("Metadata().Type is empty")
	}
	if md.UniqueIdentifierField == "" {
		t.Error("Metadata().UniqueIdentifierField is empty")
	}
	if md.DisplayName == "" {
		t.Error("Metadata().DisplayName is empty")
	}
}

func (k *kit) testStable(t *testing.T) {
	p := k.newProvider(t)
	first, second := sorted(t, p, k.list(t, p)), sorted(t, p, k.list(t, p))
	if !slices.Equal(first, second) {
		t.Errorf("two listings differ:\nfirst  %v\nsecond %v", first, second)
	}
}

func (k *kit) testNonEmptyKeys(t *testing.T) {
	p := k.newProvider(t)
	field := p.Metadata().UniqueIdentifierField
	for i, a := range k.list(t, p) {
		if strings.TrimSpace(a.Identifier(field)) == "" {
			t.Errorf("account %d (username %q) has an empty %s", i, a.Username, field)
		}
	}
}

func (k *kit) testUniqueKeys(t *testing.T) {
	p := k.newProvider(t)
	field := p.Metadata().UniqueIdentifierField
	seen := map[string]int{}
	for i, a := range k.list(t, p) {
		key := strings.ToLower(a.Identifier(field))
		if j, dup := seen[key]; dup {
			t.Errorf("accounts %d and %d share the %s %q", j, i, field, key)
		}
		seen[key] = i
	}
}

func (k *kit) testStatuses(t *testing.T) {
	p := k.newProvider(t)
	for _, a := range k.list(t, p) {
		if !a.Status.Valid() {
			t.Errorf("account %q has status %q", keyOf(p, a), a.Status)
		}
	}
}

func (k *kit) testCreated(t *testing.T) {
	p := k.newProvider(t)
	limit := k.opts.Now().Add(k.opts.Skew)
	for _, a := range k.list(t, p) {
		if a.Created.After(limit) {
			t.Errorf("account %q was created at %s, in the future", keyOf(p, a), a.Created)
		}
	}
}

func (k *kit) testJSON(t *testing.T) {
	p := k.newProvider(t)
	for _, a := range k.list(t, p) {
		data, err := json.Marshal(a)
		if err != nil {
			t.Errorf("json.Marshal(%q): %v", keyOf(p, a), err)
			continue
		}
		var back provider.Account
		if err := json.Unmarshal(data, &back); err != nil {
			t.Errorf("json.Unmarshal(%s): %v", data, err)
			continue
		}
		again, _ := json.Marshal(back)
		if string(again) != string(data) {
			t.Errorf("round trip changed the record:\n before %s\n after  %s", data, again)
		}
	}
}

func (k *kit) testWant(t *testing.T) {
	if len(k.opts.Want) == 0 {
		t.Skip("Options.Want is empty")
	}
	p := k.newProvider(t)
	got := map[string]provider.Account{}
	for _, a := range k.list(t, p) {
		got[strings.ToLower(keyOf(p, a))] = a
	}
	for _, w := range k.opts.Want {
		key := keyOf(p, w)
		g, ok := got[strings.ToLower(key)]
		if !ok {
			t.Errorf("account %q is not listed", key)
			continue
		}
		if w.Created.IsZero() {
			g.Created = time.Time{}
		}
		gj, _ := json.Marshal(g)
		wj, _ := json.Marshal(w)
		if string(gj) != string(wj) {
			t.Errorf("account %q:\n got  %s\n want %s", key, gj, wj)
		}
	}
}

// returnsWithin runs f and fails the test if it does not return in time.
func returnsWithin(t *testing.T, d time.Duration, f func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		t.Fatalf("did not return within %s of its context ending", d)
		return nil
	}
}

func (k *kit) testCancelled(t *testing.T) {
	p := k.newProvider(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	err := returnsWithin(t, 5*time.Second, func() error {
		accts, err := p.ListAccounts(ctx)
		if err == nil {
			return fmt.Errorf("ListAccounts with a cancelled context returned %d accounts and no error", len(accts))
		}
		if len(accts) != 0 {
			return fmt.Errorf("ListAccounts returned %d accounts with its error", len(accts))
		}
		if !errors.Is(err, context.Canceled) {
			return fmt.Errorf("ListAccounts error %q does not wrap context.Canceled", err)
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}
}

func (k *kit) testDeadline(t *testing.T) {
	p := k.newProvider(t)
	ctx, cancel := context.WithDeadline(t.Context(), time.Now().Add(-time.Second))
	defer cancel()
	err := returnsWithin(t, 5*time.Second, func() error {
		_, err := p.ListAccounts(ctx)
		if !errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("ListAccounts past its deadline returned %v, want context.DeadlineExceeded", err)
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}
}

func (k *kit) testConcurrent(t *testing.T) {
	p := k.newProvider(t)
	want := sorted(t, p, k.list(t, p))
	var wg sync.WaitGroup
	errs := make(chan error, k.opts.Concurrency)
	for range k.opts.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			accts, err := p.ListAccounts(k.ctx(t))
			if err != nil {
				errs <- err
				return
			}
			if got := sorted(t, p, accts); !slices.Equal(got, want) {
				errs <- fmt.Errorf("a concurrent listing differs: got %d accounts, want %d", len(got), len(want))
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// newAccount returns the i-th account to create.
func (k *kit) newAccount(t *testing.T, p provider.Provider, i int) provider.NewAccount {
	if k.opts.NewAccount != nil {
		return k.opts.NewAccount(i)
	}
	product := "default"
	if pl, ok := p.(provider.PackageLister); ok {
		if pkgs, err := pl.ListPackages(k.ctx(t)); err == nil && len(pkgs) > 0 {
			product = pkgs[0].Name
		}
	}
	return provider.NewAccount{
		Username: fmt.Sprintf("kittest%d", i),
		Domain:   fmt.Sprintf("kit-test-%d.example", i),
		Email:    fmt.Sprintf("kit%d@example.net", i),
		Password: fmt.Sprintf("Kit-Passw0rd!%d-q7z", i),
		Product:  product,
	}
}

func (k *kit) skipMutations(t *testing.T) {
	if k.opts.ReadOnly {
		t.Skip("Options.ReadOnly is set")
	}
}

// find returns the listed account with key.
func (k *kit) find(t *testing.T, p provider.Provider, key string) (provider.Account, bool) {
	t.Helper()
	for _, a := range k.list(t, p) {
		if strings.EqualFold(keyOf(p, a), key) {
			return a, true
		}
	}
	return provider.Account{}, false
}

// subject returns an account to act on: a new one when the provider can
// create, else the first listed.
func (k *kit) subject(t *testing.T, p provider.Provider) provider.Account {
	t.Helper()
	if c, ok := p.(provider.Creator); ok {
		a, err := c.CreateAccount(k.ctx(t), k.newAccount(t, p, 1))
		if err != nil {
			t.Fatalf("CreateAccount: %v", err)
		}
		return a
	}
	accts := k.list(t, p)
	if len(accts) == 0 {
		t.Skip("the provider cannot create accounts and lists none to act on")
	}
	return accts[0]
}

func (k *kit) testCreate(t *testing.T) {
	k.skipMutations(t)
	p := k.newProvider(t)
	c, ok := p.(provider.Creator)
	if !ok {
		t.Skip("the provider does not implement provider.Creator")
	}
	n := k.newAccount(t, p, 1)
	created, err := c.CreateAccount(k.ctx(t), n)
	if err != nil {
		t.Fatalf("CreateAccount(%s): %v", n, err)
	}
	key := keyOf(p, created)
	if key == "" {
		t.Fatalf("CreateAccount returned an account with an empty %s: %+v", p.Metadata().UniqueIdentifierField, created)
	}
	listed, ok := k.find(t, p, key)
	if !ok {
		t.Fatalf("the created account %q is not listed", key)
	}
	if listed.Status != provider.StatusActive {
		t.Errorf("the created account is %q, want Active", listed.Status)
	}
	if !strings.EqualFold(listed.Username, n.Username) && n.Username != "" && listed.Username != "" {
		t.Errorf("the created account's username is %q, want %q", listed.Username, n.Username)
	}
}

func (k *kit) testCreateTwice(t *testing.T) {
	k.skipMutations(t)
	p := k.newProvider(t)
	c, ok := p.(provider.Creator)
	if !ok {
		t.Skip("the provider does not implement provider.Creator")
	}
	n := k.newAccount(t, p, 1)
	if _, err := c.CreateAccount(k.ctx(t), n); err != nil {
		t.Fatalf("CreateAccount: %v", err)
	}
	before := len(k.list(t, p))
	_, err := c.CreateAccount(k.ctx(t), n)
	if !errors.Is(err, provider.ErrExists) {
		t.Fatalf("creating %s again gave %v, want an error wrapping provider.ErrExists", n, err)
	}
	if n.Password != "" && strings.Contains(err.Error(), n.Password) {
		t.Errorf("the error %q contains the password", err)
	}
	if after := len(k.list(t, p)); after != before {
		t.Errorf("the failed create changed the listing from %d to %d accounts", before, after)
	}
}

func (k *kit) testTerminate(t *testing.T) {
	k.skipMutations(t)
	p := k.newProvider(t)
	term, ok := p.(provider.Terminator)
	if !ok {
		t.Skip("the provider does not implement provider.Terminator")
	}
	a := k.subject(t, p)
	if err := term.TerminateAccount(k.ctx(t), a); err != nil {
		t.Fatalf("TerminateAccount(%q): %v", keyOf(p, a), err)
	}
	if _, ok := k.find(t, p, keyOf(p, a)); ok {
		t.Errorf("the terminated account %q is still listed", keyOf(p, a))
	}
}

func (k *kit) testTerminateTwice(t *testing.T) {
	k.skipMutations(t)
	p := k.newProvider(t)
	term, ok := p.(provider.Terminator)
	if !ok {
		t.Skip("the provider does not implement provider.Terminator")
	}
	a := k.subject(t, p)
	for i := 1; i <= 2; i++ {
		if err := term.TerminateAccount(k.ctx(t), a); err != nil {
			t.Fatalf("TerminateAccount(%q) #%d: %v", keyOf(p, a), i, err)
		}
	}
}

func (k *kit) testSuspend(t *testing.T) {
	k.skipMutations(t)
	p := k.newProvider(t)
	s, ok := p.(provider.Suspender)
	if !ok {
		t.Skip("the provider does not implement provider.Suspender")
	}
	a := k.subject(t, p)
	for i := 1; i <= 2; i++ {
		if err := s.SuspendAccount(k.ctx(t), a, "providertest"); err != nil {
			t.Fatalf("SuspendAccount(%q) #%d: %v", keyOf(p, a), i, err)
		}
	}
	if got, ok := k.find(t, p, keyOf(p, a)); !ok || got.Status != provider.StatusSuspended {
		t.Errorf("after suspending, %q is listed %t with status %q", keyOf(p, a), ok, got.Status)
	}
}

func (k *kit) testUnsuspend(t *testing.T) {
	k.skipMutations(t)
	p := k.newProvider(t)
	s, ok := p.(provider.Suspender)
	if !ok {
		t.Skip("the provider does not implement provider.Suspender")
	}
	a := k.subject(t, p)
	if err := s.SuspendAccount(k.ctx(t), a, "providertest"); err != nil {
		t.Fatalf("SuspendAccount(%q): %v", keyOf(p, a), err)
	}
	for i := 1; i <= 2; i++ {
		if err := s.UnsuspendAccount(k.ctx(t), a); err != nil {
			t.Fatalf("UnsuspendAccount(%q) #%d: %v", keyOf(p, a), i, err)
		}
	}
	if got, ok := k.find(t, p, keyOf(p, a)); !ok || got.Status != provider.StatusActive {
		t.Errorf("after unsuspending, %q is listed %t with status %q", keyOf(p, a), ok, got.Status)
	}
}

func (k *kit) testSuspendMissing(t *testing.T) {
	k.skipMutations(t)
	p := k.newProvider(t)
	s, ok := p.(provider.Suspender)
	if !ok {
		t.Skip("the provider does not implement provider.Suspender")
	}
	// Each field is made up in the form its identifier takes: a domain, a
	// username, a numeric virtual server id.
	ghost := provider.Account{Username: "kitghost", Domain: "kit-ghost.example", UniqueIdentifier: "999999999"}
	err := s.SuspendAccount(k.ctx(t), ghost, "providertest")
	if !errors.Is(err, provider.ErrNotFound) {
		t.Errorf("SuspendAccount of a missing account gave %v, want an error wrapping provider.ErrNotFound", err)
	}
}

func (k *kit) testPackages(t *testing.T) {
	p := k.newProvider(t)
	pl, ok := p.(provider.PackageLister)
	if !ok {
		t.Skip("the provider does not implement provider.PackageLister")
	}
	pkgs, err := pl.ListPackages(k.ctx(t))
	if err != nil {
		t.Fatalf("ListPackages: %v", err)
	}
	seen := map[string]bool{}
	for _, pkg := range pkgs {
		if strings.TrimSpace(pkg.Name) == "" {
			t.Error("a package has an empty name")
		}
		if seen[pkg.Name] {
			t.Errorf("package %q is listed twice", pkg.Name)
		}
		seen[pkg.Name] = true
	}
}

func (k *kit) testSetPassword(t *testing.T) {
	k.skipMutations(t)
	p := k.newProvider(t)
	ps, ok := p.(provider.PasswordSetter)
	if !ok {
		t.Skip("the provider does not implement provider.PasswordSetter")
	}
	a := k.subject(t, p)
	const pw = "N3w-Kit-Passw0rd!zz"
	if err := ps.SetPassword(k.ctx(t), a, pw); err != nil {
		if strings.Contains(err.Error(), pw) {
			t.Errorf("the error contains the password: %v", err)
		}
		t.Fatalf("SetPassword(%q): %v", keyOf(p, a), err)
	}
}
