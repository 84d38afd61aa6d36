package providertest_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/providertest"
)

var seed = []provider.Account{
	{Email: "a@example.com", Username: "alpha", Domain: "alpha.example", UniqueIdentifier: "alpha.example", Product: "Gold", PrimaryIP: "192.0.2.1", Created: time.Date(2021, 5, 1, 10, 0, 0, 0, time.UTC), Status: provider.StatusActive},
	{Email: "b@example.com", Username: "bravo", Domain: "bravo.example", UniqueIdentifier: "bravo.example", Product: "Silver", PrimaryIP: "192.0.2.2", Created: time.Date(2022, 6, 2, 11, 0, 0, 0, time.UTC), Status: provider.StatusSuspended},
}

func TestFakePassesRun(t *testing.T) {
	providertest.Run(t, func(t *testing.T) provider.Provider {
		return providertest.NewFake(seed...)
	}, providertest.Options{Want: seed})
}

func TestFakeFaults(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name  string
		setup func(f *providertest.Fake)
		ctx   func() (context.Context, context.CancelFunc)
		want  error
	}{
		{name: "the next listing fails once", setup: func(f *providertest.Fake) { f.FailNext(providertest.OpList, boom) }, want: boom},
		{name: "a listing fails after its first page and returns nothing", setup: func(f *providertest.Fake) { f.SetPageSize(1); f.FailListAfter(1, boom) }, want: boom},
		{name: "a delayed listing gives up when its context ends", setup: func(f *providertest.Fake) { f.SetDelay(time.Hour) },
			ctx: func() (context.Context, context.CancelFunc) {
				return context.WithTimeout(context.Background(), 10*time.Millisecond)
			},
			want: context.DeadlineExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := providertest.NewFake(seed...)
			tt.setup(f)
			ctx, cancel := context.WithCancel(t.Context())
			if tt.ctx != nil {
				ctx, cancel = tt.ctx()
			}
			defer cancel()
			accts, err := f.ListAccounts(ctx)
			if !errors.Is(err, tt.want) || accts != nil {
				t.Fatalf("ListAccounts = %d accounts, %v; want none and %v", len(accts), err, tt.want)
			}
		})
	}
	t.Run("a failed operation keeps failing until cleared", func(t *testing.T) {
		f := providertest.NewFake(seed...)
		f.Fail(providertest.OpSuspend, provider.ErrTransient)
		for i := 0; i < 2; i++ {
			if err := f.SuspendAccount(t.Context(), seed[0], ""); !errors.Is(err, provider.ErrTransient) {
				t.Fatalf("SuspendAccount #%d = %v", i, err)
			}
		}
		f.Fail(providertest.OpSuspend, nil)
		if err := f.SuspendAccount(t.Context(), seed[0], ""); err != nil {
			t.Fatal(err)
		}
		if n := f.Calls(providertest.OpSuspend); n != 3 {
			t.Errorf("Calls = %d, want 3", n)
		}
	})
	t.Run("the next failure happens once", func(t *testing.T) {
		f := providertest.NewFake(seed...)
		f.FailNext(providertest.OpList, boom)
		if _, err := f.ListAccounts(t.Context()); !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if accts, err := f.ListAccounts(t.Context()); err != nil || len(accts) != 2 {
			t.Fatalf("second listing = %d, %v", len(accts), err)
		}
	})
}

// The kit is only worth trusting if it fails providers that break the
// contract. Each broken provider runs the kit in a child test process,
// which must fail the subtest for the rule it breaks.
func TestRunCatchesBrokenProviders(t *testing.T) {
	if os.Getenv("PROVIDERTEST_BROKEN") != "" {
		t.Skip("in the child process")
	}
	tests := []struct {
		kind        string
		failingTest string
	}{
		{kind: "duplicate-keys", failingTest: "identifiers_are_unique"},
		{kind: "empty-key", failingTest: "every_account_has_a_non-empty_identifier"},
		{kind: "bad-status", failingTest: "every_status_is_Active_or_Suspended"},
		{kind: "future", failingTest: "no_account_was_created_in_the_future"},
		{kind: "ignores-context", failingTest: "a_cancelled_context_returns_context.Canceled"},
		{kind: "unstable", failingTest: "ListAccounts_is_stable_across_calls"},
		{kind: "terminate-not-idempotent", failingTest: "Terminator/terminating_twice_succeeds"},
	}
	for _, tt := range tests {
		t.Run("a provider with "+tt.kind+" fails "+tt.failingTest, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestBrokenProviderChild$", "-test.v")
			cmd.Env = append(os.Environ(), "PROVIDERTEST_BROKEN="+tt.kind)
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("the kit passed a provider with %s:\n%s", tt.kind, out)
			}
			if !strings.Contains(string(out), "--- FAIL: TestBrokenProviderChild/"+tt.failingTest) {
				t.Errorf("subtest %s did not fail:\n%s", tt.failingTest, out)
			}
		})
	}
}

func TestBrokenProviderChild(t *testing.T) {
	kind := os.Getenv("PROVIDERTEST_BROKEN")
	if kind == "" {
		t.Skip("run by TestRunCatchesBrokenProviders")
	}
	providertest.Run(t, func(t *testing.T) provider.Provider {
		return &broken{Fake: providertest.NewFake(seed...), kind: kind}
	}, providertest.Options{})
}

// broken is a Fake that breaks one rule.
type broken struct {
	*providertest.Fake
	kind  string
	calls atomic.Int32
}

func (b *broken) ListAccounts(ctx context.Context) ([]provider.Account, error) {
	if b.kind == "ignores-context" {
		ctx = context.Background()
	}
	accts, err := b.Fake.ListAccounts(ctx)
	if err != nil || len(accts) == 0 {
		return accts, err
	}
	switch b.kind {
	case "duplicate-keys":
		accts = append(accts, accts[0])
	case "empty-key":
		accts[0].Domain = ""
	case "bad-status":
		accts[0].Status = "Terminated"
	case "future":
		accts[0].Created = time.Now().Add(48 * time.Hour)
	case "unstable":
		if b.calls.Add(1)%2 == 0 {
			accts = accts[1:]
		}
	}
	return accts, nil
}

func (b *broken) TerminateAccount(ctx context.Context, a provider.Account) error {
	if b.kind == "terminate-not-idempotent" {
		for _, x := range b.Fake.Accounts() {
			if x.Domain == a.Domain {
				return b.Fake.TerminateAccount(ctx, a)
			}
		}
		return provider.ErrNotFound
	}
	return b.Fake.TerminateAccount(ctx, a)
}
