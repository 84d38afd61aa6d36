package sync_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	gosync "sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/providertest"
	acsync "github.com/accountsync/accountsync/sync"
	"github.com/accountsync/accountsync/sync/synctest"
)

var now = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

func account(domain, user, email, pkg, ip string, st provider.Status) provider.Account {
	return provider.Account{Email: email, Username: user, Domain: domain, UniqueIdentifier: domain,
		Product: pkg, PrimaryIP: ip, Created: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC), Status: st}
}

// world is a server and a billing system that differ in every way the
// engine plans for, with nothing a person must review.
type world struct {
	fake    *providertest.Fake
	store   *synctest.Store
	known   string // client ID of known@example.net
	silver  string // product ID of package "silver"
	service map[string]string
}

func newWorld() *world {
	w := &world{store: synctest.NewStore(), service: map[string]string{}}
	w.known = w.store.AddClient("known@example.net")
	w.silver = w.store.AddProduct("silver")
	add := func(domain, user, pkg, ip string, st acsync.ServiceStatus) {
		w.service[domain] = w.store.AddService(acsync.Service{
			ClientID: w.known, ClientEmail: "known@example.net", ProductID: w.silver, Package: pkg,
			Domain: domain, Username: user, UniqueIdentifier: domain, Status: st, DedicatedIP: ip,
			BillingCycle: "Monthly",
		})
	}
	add("same.example", "same", "silver", "192.0.2.10", acsync.ServiceStatusActive)
	add("sl.example", "sl", "silver", "", acsync.ServiceStatusActive)
	add("ul.example", "ul", "silver", "", acsync.ServiceStatusSuspended)
	add("ip.example", "ip", "silver", "192.0.2.1", acsync.ServiceStatusActive)
	add("pkg.example", "pkg", "silver", "", acsync.ServiceStatusActive)
	add("ex.example", "ex", "silver", "", acsync.ServiceStatusActive)
	add("exs.example", "exs", "silver", "", acsync.ServiceStatusSuspended)
	add("cancelled.example", "ca", "silver", "", acsync.ServiceStatusCancelled)
	add("ns.example", "ns", "silver", "", acsync.ServiceStatusActive)
	add("done.example", "done", "silver", "", acsync.ServiceStatusCompleted)
	add("old.example", "old", "silver", "", acsync.ServiceStatusTerminated)
	w.fake = providertest.NewFake(
		account("same.example", "same", "known@example.net", "silver", "192.0.2.10", provider.StatusActive),
		account("sl.example", "sl", "known@example.net", "silver", "", provider.StatusSuspended),
		account("ul.example", "ul", "known@example.net", "silver", "", provider.StatusActive),
		account("ip.example", "ip", "known@example.net", "silver", "192.0.2.9", provider.StatusActive),
		account("pkg.example", "pkg", "known@example.net", "gold", "", provider.StatusActive),
		account("cancelled.example", "ca", "known@example.net", "silver", "", provider.StatusActive),
		account("ns.example", "ns", "known@example.net", "silver", "", provider.StatusActive),
		account("done.example", "done", "known@example.net", "silver", "", provider.StatusActive),
		account("imp1.example", "imp1", "Known@Example.net", "silver", "192.0.2.21", provider.StatusActive),
		account("imp2.example", "imp2", "a@new.example", "gold", "192.0.2.22", provider.StatusActive),
		account("imp3.example", "imp3", "A@NEW.example", "platinum", "", provider.StatusActive),
		account("imp4.example", "imp4", "b@new.example", "silver", "", provider.StatusSuspended),
	)
	return w
}

func (w *world) options(o acsync.Options) acsync.Options {
	o.Now = now
	o.Clients = w.store.Clients()
	o.Products = w.store.Products()
	o.TerminateRemote = true
	o.TerminateIncorrectNameservers = true
	o.Nameservers = map[string]bool{"ns.example": false, "same.example": true}
	return o
}

func (w *world) plan(t *testing.T, o acsync.Options) *acsync.Plan {
	t.Helper()
	remote, err := w.fake.ListAccounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	local, err := w.store.Services(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	p, err := acsync.Diff(remote, local, w.options(o))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (w *world) executor() *acsync.Executor {
	return &acsync.Executor{Provider: w.fake, Store: w.store, Notifier: w.store, Journal: w.store}
}

func TestApplyThenDiffIsEmpty(t *testing.T) {
	tests := []struct {
		name string
		opts acsync.Options
		want map[acsync.Kind]int
	}{
		{
			name: "the server leads and exports fill the gaps",
			opts: acsync.Options{ResetPassword: true, Emails: acsync.Emails{Welcome: true, HostingDetails: true}},
			want: map[acsync.Kind]int{acsync.KindCreateProduct: 2, acsync.KindCreateClient: 2, acsync.KindImport: 4, acsync.KindExport: 2,
				acsync.KindUpdateLocal: 2, acsync.KindSuspendLocal: 1, acsync.KindUnsuspendLocal: 1, acsync.KindTerminateRemote: 2},
		},
		{
			name: "terminations run both ways",
			opts: acsync.Options{TerminateLocal: true},
			want: map[acsync.Kind]int{acsync.KindCreateProduct: 2, acsync.KindCreateClient: 2, acsync.KindImport: 4, acsync.KindTerminateLocal: 2,
				acsync.KindUpdateLocal: 2, acsync.KindSuspendLocal: 1, acsync.KindUnsuspendLocal: 1, acsync.KindTerminateRemote: 2},
		},
		{
			name: "billing leads on status",
			opts: acsync.Options{StatusAuthority: acsync.SideLocal, Emails: acsync.Emails{Welcome: true}},
			want: map[acsync.Kind]int{acsync.KindCreateProduct: 2, acsync.KindCreateClient: 2, acsync.KindImport: 4, acsync.KindExport: 2,
				acsync.KindUpdateLocal: 2, acsync.KindSuspendRemote: 1, acsync.KindUnsuspendRemote: 1, acsync.KindTerminateRemote: 2},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld()
			p := w.plan(t, tt.opts)
			if len(p.Conflicts)+len(p.Held)+len(p.Deferred) != 0 {
				t.Fatalf("the world should plan cleanly, got %d conflicts, %d held, %d deferred", len(p.Conflicts), len(p.Held), len(p.Deferred))
			}
			var progress []int
			e := w.executor()
			e.Progress = func(done, total int) {
				if total != len(p.Actions) {
					t.Errorf("progress total %d, want %d", total, len(p.Actions))
				}
				progress = append(progress, done)
			}
			rep, err := e.Apply(context.Background(), p)
			if err != nil {
				t.Fatal(err)
			}
			if err := rep.Err(); err != nil {
				t.Fatalf("failures: %v", err)
			}
			for k, n := range tt.want {
				if rep.Succeeded[k] != n {
					t.Errorf("succeeded %s = %d, want %d (report %v)", k, rep.Succeeded[k], n, rep.Succeeded)
				}
			}
			if rep.NewClients != 2 {
				t.Errorf("NewClients = %d, want 2", rep.NewClients)
			}
			if len(progress) != len(p.Actions) || progress[len(progress)-1] != len(p.Actions) {
				t.Errorf("progress calls %v for %d actions", progress, len(p.Actions))
			}
			if n := len(w.store.Entries()); n != len(p.Actions) {
				t.Errorf("%d journal entries for %d actions", n, len(p.Actions))
			}

			again := w.plan(t, tt.opts)
			if !again.Empty() {
				var b strings.Builder
				again.WriteTable(&b)
				t.Fatalf("after Apply, Diff still plans:\n%s", b.String())
			}
		})
	}
}

func TestApplyNotifiesAndResetsPasswords(t *testing.T) {
	w := newWorld()
	p := w.plan(t, acsync.Options{ResetPassword: true, Emails: acsync.Emails{Welcome: true}})
	if _, err := w.executor().Apply(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	got := map[string][]acsync.NotificationKind{}
	for _, n := range w.store.Notifications() {
		got[n.Key] = append(got[n.Key], n.Kind)
		if n.Kind == acsync.NotificationKindNewPassword {
			pw, _ := w.fake.Password(n.Key)
			if n.Password == "" || pw != n.Password {
				t.Errorf("%s: the notified password is not the one set on the server", n.Key)
			}
			if strings.Contains(n.String(), n.Password) {
				t.Errorf("Notification.String shows the password")
			}
		}
	}
	want := map[string][]acsync.NotificationKind{
		"imp1.example": {acsync.NotificationKindNewPassword, acsync.NotificationKindWelcome},
		"imp2.example": {acsync.NotificationKindNewPassword, acsync.NotificationKindWelcome},
		"imp3.example": {acsync.NotificationKindNewPassword, acsync.NotificationKindWelcome},
		"imp4.example": {acsync.NotificationKindNewPassword, acsync.NotificationKindWelcome},
		"ex.example":   {acsync.NotificationKindNewPassword},
		"exs.example":  {acsync.NotificationKindNewPassword},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("notifications\n got %v\nwant %v", got, want)
	}
}

// After a crash halfway, applying the same plan again finishes the work
// and creates nothing twice.
func TestApplyAgainAfterACrashCreatesNothingTwice(t *testing.T) {
	w := newWorld()
	var imports []provider.Account
	for i := range 60 {
		imports = append(imports, account(fmt.Sprintf("bulk%02d.example", i), fmt.Sprintf("bulk%02d", i),
			fmt.Sprintf("owner%d@bulk.example", i%12), fmt.Sprintf("plan-%d", i%6), "", provider.StatusActive))
	}
	for _, a := range imports {
		if _, err := w.fake.CreateAccount(context.Background(), provider.NewAccount{Username: a.Username, Domain: a.Domain, Email: a.Email, Product: a.Product}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 20 {
		w.store.AddService(acsync.Service{ClientID: w.known, ClientEmail: "known@example.net", ProductID: w.silver,
			Package: "silver", Domain: fmt.Sprintf("export%02d.example", i), Username: fmt.Sprintf("export%02d", i), Status: acsync.ServiceStatusSuspended})
	}
	opts := acsync.Options{ResetPassword: true, Emails: acsync.Emails{HostingDetails: true}, Force: true}
	p := w.plan(t, opts)
	w.fake.SetDelay(time.Millisecond)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	e := w.executor()
	e.Concurrency = 4
	e.Progress = func(done, total int) {
		if done >= total/2 {
			cancel()
		}
	}
	first, err := e.Apply(ctx, p)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("first Apply: err = %v, want context.Canceled", err)
	}
	ran := 0
	for _, m := range []map[acsync.Kind]int{first.Succeeded, first.Failed, first.Skipped} {
		for _, n := range m {
			ran += n
		}
	}
	if ran >= len(p.Actions) {
		t.Fatalf("the first Apply ran all %d actions; the test needs it stopped halfway", ran)
	}

	e.Progress = nil
	second, err := e.Apply(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if err := second.Err(); err != nil {
		t.Fatalf("second Apply: %v", err)
	}
	skipped := 0
	for _, n := range second.Skipped {
		skipped += n
	}
	if skipped == 0 {
		t.Error("the second Apply skipped nothing, so it cannot have seen the first one's work")
	}

	services, _ := w.store.Services(context.Background())
	open := map[string]int{}
	for _, s := range services {
		if s.Status == acsync.ServiceStatusActive || s.Status == acsync.ServiceStatusSuspended || s.Status == acsync.ServiceStatusPending {
			open[strings.ToLower(s.Domain)]++
		}
	}
	for d, n := range open {
		if n > 1 {
			t.Errorf("%d open services for %s", n, d)
		}
	}
	if got, want := len(w.store.Clients()), 1+2+12; got != want {
		t.Errorf("%d clients, want %d", got, want)
	}
	if got, want := len(w.store.Products()), 1+2+6; got != want {
		t.Errorf("%d products, want %d", got, want)
	}
	passwords := map[string]int{}
	for _, n := range w.store.Notifications() {
		if n.Kind == acsync.NotificationKindNewPassword {
			passwords[n.Key]++
		}
	}
	for k, n := range passwords {
		if n > 1 {
			t.Errorf("%d new-password e-mails for %s", n, k)
		}
	}
	w.fake.SetDelay(0)
	if again := w.plan(t, opts); !again.Empty() {
		var b strings.Builder
		again.WriteTable(&b)
		t.Fatalf("after the second Apply, Diff still plans:\n%s", b.String())
	}
}

func TestApplyGoesOnPastFailures(t *testing.T) {
	w := newWorld()
	p := w.plan(t, acsync.Options{})
	w.fake.Fail(providertest.OpCreate, provider.ErrTransient)
	rep, err := w.executor().Apply(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Failed[acsync.KindExport] != 2 || rep.Succeeded[acsync.KindImport] != 4 || rep.Succeeded[acsync.KindTerminateRemote] != 2 {
		t.Fatalf("failed %v, succeeded %v", rep.Failed, rep.Succeeded)
	}
	err = rep.Err()
	if !errors.Is(err, provider.ErrTransient) {
		t.Errorf("Report.Err() = %v, want one wrapping ErrTransient", err)
	}
	if f := rep.Failures[0]; f.Key != "ex.example" || !strings.HasPrefix(f.Err.Error(), "sync: export ex.example: create account: ") {
		t.Errorf("first failure %s %s: %v", f.Kind, f.Key, f.Err)
	}
}

// listOnly is a provider without any optional capability.
type listOnly struct{ provider.Provider }

func TestApplyReportsMissingCapabilities(t *testing.T) {
	w := newWorld()
	p := w.plan(t, acsync.Options{StatusAuthority: acsync.SideLocal})
	e := w.executor()
	e.Provider = listOnly{w.fake}
	rep, err := e.Apply(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []acsync.Kind{acsync.KindSuspendRemote, acsync.KindUnsuspendRemote, acsync.KindExport, acsync.KindTerminateRemote} {
		if rep.Failed[k] == 0 {
			t.Errorf("%s did not fail", k)
		}
	}
	for _, f := range rep.Failures {
		if !errors.Is(f.Err, provider.ErrNotSupported) || !strings.Contains(f.Err.Error(), "the fake provider cannot ") {
			t.Errorf("%s %s: %v, want a clear ErrNotSupported", f.Kind, f.Key, f.Err)
		}
	}
	if rep.Succeeded[acsync.KindImport] != 4 || rep.Succeeded[acsync.KindUpdateLocal] != 2 {
		t.Errorf("billing-side actions should succeed: %v", rep.Succeeded)
	}
}

func TestApplyRefusesActionsWhosePremiseChanged(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		opts   acsync.Options
		kind   acsync.Kind
		key    string
		change func(w *world)
		check  func(t *testing.T, w *world)
	}{
		{
			name: "a reactivated service keeps its account",
			kind: acsync.KindTerminateRemote, key: "cancelled.example",
			change: func(w *world) {
				s, _ := w.store.Service(w.service["cancelled.example"])
				s.Status = acsync.ServiceStatusActive
				w.store.UpdateService(ctx, s, []acsync.Change{{Field: acsync.FieldStatus}})
			},
			check: func(t *testing.T, w *world) {
				if !hasAccount(w.fake, "cancelled.example") {
					t.Error("the account was terminated")
				}
			},
		},
		{
			name: "an account that came back keeps its service",
			opts: acsync.Options{TerminateLocal: true},
			kind: acsync.KindTerminateLocal, key: "ex.example",
			change: func(w *world) {
				w.fake.CreateAccount(ctx, provider.NewAccount{Username: "ex", Domain: "ex.example", Product: "silver"})
			},
			check: func(t *testing.T, w *world) {
				if s, _ := w.store.Service(w.service["ex.example"]); s.Status != acsync.ServiceStatusActive {
					t.Errorf("the service is %s", s.Status)
				}
			},
		},
		{
			name: "a field edited in billing is not overwritten",
			kind: acsync.KindUpdateLocal, key: "ip.example",
			change: func(w *world) {
				s, _ := w.store.Service(w.service["ip.example"])
				s.DedicatedIP = "198.51.100.7"
				w.store.UpdateService(ctx, s, []acsync.Change{{Field: acsync.FieldDedicatedIP}})
			},
			check: func(t *testing.T, w *world) {
				if s, _ := w.store.Service(w.service["ip.example"]); s.DedicatedIP != "198.51.100.7" {
					t.Errorf("the IP is %s", s.DedicatedIP)
				}
			},
		},
		{
			name: "a server that changed again is not copied",
			kind: acsync.KindSuspendLocal, key: "sl.example",
			change: func(w *world) {
				w.fake.UnsuspendAccount(ctx, account("sl.example", "", "", "", "", ""))
			},
			check: func(t *testing.T, w *world) {
				if s, _ := w.store.Service(w.service["sl.example"]); s.Status != acsync.ServiceStatusActive {
					t.Errorf("the service is %s", s.Status)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld()
			p := w.plan(t, tt.opts)
			tt.change(w)
			rep, err := w.executor().Apply(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			var found bool
			for _, f := range rep.Failures {
				if f.Kind == tt.kind && f.Key == tt.key {
					found = true
					if !errors.Is(f.Err, acsync.ErrStalePlan) {
						t.Errorf("%v, want ErrStalePlan", f.Err)
					}
				} else {
					t.Errorf("unexpected failure %s %s: %v", f.Kind, f.Key, f.Err)
				}
			}
			if !found {
				t.Fatalf("%s %s did not fail", tt.kind, tt.key)
			}
			tt.check(t, w)
		})
	}
}

func hasAccount(f *providertest.Fake, domain string) bool {
	for _, a := range f.Accounts() {
		if a.Domain == domain {
			return true
		}
	}
	return false
}

func TestApplyFailsWhatDependsOnAFailedCreation(t *testing.T) {
	w := newWorld()
	p := w.plan(t, acsync.Options{})
	w.store.Fault = func(op, subject string) error {
		if op == "create-product" && subject == "gold" {
			return provider.ErrTransient
		}
		return nil
	}
	rep, err := w.executor().Apply(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	failed := map[string]bool{}
	for _, f := range rep.Failures {
		failed[string(f.Kind)+" "+f.Key] = true
		if !errors.Is(f.Err, provider.ErrTransient) {
			t.Errorf("%s %s: %v does not wrap the cause", f.Kind, f.Key, f.Err)
		}
	}
	want := map[string]bool{"create-product gold": true, "import imp2.example": true, "update-local pkg.example": true}
	if fmt.Sprint(failed) != fmt.Sprint(want) {
		t.Errorf("failed %v, want %v", failed, want)
	}
	if rep.Succeeded[acsync.KindImport] != 3 {
		t.Errorf("%d imports succeeded, want 3", rep.Succeeded[acsync.KindImport])
	}
}

func TestApplyRefusesWhatItCannotDo(t *testing.T) {
	tests := []struct {
		name    string
		prepare func(w *world, e *acsync.Executor)
		want    string
	}{
		{"a plan with exports needs a Notifier", func(w *world, e *acsync.Executor) { e.Notifier = nil }, "needs a Notifier"},
		{"a plan needs a Store", func(w *world, e *acsync.Executor) { e.Store = nil }, "needs a Provider and a Store"},
		{"a failed listing stops everything", func(w *world, e *acsync.Executor) { w.fake.Fail(providertest.OpList, provider.ErrTransient) }, "list accounts"},
		{"a failed load stops everything", func(w *world, e *acsync.Executor) {
			e.Store = failingServices{w.store}
		}, "load services"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld()
			p := w.plan(t, acsync.Options{})
			e := w.executor()
			tt.prepare(w, e)
			rep, err := e.Apply(context.Background(), p)
			if err == nil || rep != nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Apply = %v, %v; want no report and an error containing %q", rep, err, tt.want)
			}
			if w.fake.Calls(providertest.OpCreate)+w.fake.Calls(providertest.OpTerminate) != 0 || len(w.store.Entries()) != 0 {
				t.Error("Apply changed something")
			}
		})
	}
}

type failingServices struct{ *synctest.Store }

func (failingServices) Services(context.Context) ([]acsync.Service, error) {
	return nil, provider.ErrTransient
}

func TestRun(t *testing.T) {
	ctx := context.Background()
	t.Run("a run lists, plans and applies, journalling every action", func(t *testing.T) {
		w := newWorld()
		rep, err := w.executor().Run(ctx, w.options(acsync.Options{}))
		if err != nil {
			t.Fatal(err)
		}
		if rep.Err() != nil || rep.Plan == nil || len(w.store.Entries()) != len(rep.Plan.Actions) {
			t.Fatalf("report %+v", rep)
		}
		if again := w.plan(t, acsync.Options{}); !again.Empty() {
			t.Error("a second plan is not empty")
		}
	})
	t.Run("a run lists each side once", func(t *testing.T) {
		w := newWorld()
		store := &countingStore{Store: w.store}
		e := &acsync.Executor{Provider: w.fake, Store: store, Notifier: w.store, Journal: w.store}
		if _, err := e.Run(ctx, w.options(acsync.Options{})); err != nil {
			t.Fatal(err)
		}
		if n := w.fake.Calls(providertest.OpList); n != 1 {
			t.Errorf("the server was listed %d times, want once", n)
		}
		if n := store.services.Load(); n != 1 {
			t.Errorf("the services were loaded %d times, want once", n)
		}
	})
	t.Run("the key field comes from the provider's metadata", func(t *testing.T) {
		fake := providertest.NewFake(account("new.example", "Jo", "jo@example.net", "silver", "", provider.StatusActive))
		fake.SetMetadata(provider.Metadata{Type: "fake", UniqueIdentifierField: "username"})
		store := synctest.NewStore()
		store.AddProduct("silver")
		e := &acsync.Executor{Provider: fake, Store: store}
		rep, err := e.Run(ctx, acsync.Options{Products: store.Products()})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Plan.KeyField != "username" || rep.Plan.Actions[len(rep.Plan.Actions)-1].Key != "jo" {
			t.Errorf("plan keyed by %q: %+v", rep.Plan.KeyField, rep.Plan.Actions)
		}
	})
	t.Run("a failed listing plans nothing", func(t *testing.T) {
		w := newWorld()
		w.fake.Fail(providertest.OpList, provider.ErrTransient)
		rep, err := w.executor().Run(ctx, w.options(acsync.Options{TerminateLocal: true, AllowEmpty: true}))
		if !errors.Is(err, provider.ErrTransient) || rep != nil {
			t.Fatalf("Run = %v, %v", rep, err)
		}
		if len(w.store.Entries()) != 0 {
			t.Error("something was applied")
		}
	})
	t.Run("an unsafe plan is refused whole", func(t *testing.T) {
		w := newWorld()
		for i := range 30 {
			w.store.AddService(acsync.Service{Domain: fmt.Sprintf("gone%d.example", i), Package: "silver", Status: acsync.ServiceStatusActive})
		}
		rep, err := w.executor().Run(ctx, w.options(acsync.Options{TerminateLocal: true}))
		var unsafe *acsync.UnsafePlanError
		if !errors.As(err, &unsafe) || rep != nil || unsafe.Class != "terminations" {
			t.Fatalf("Run = %v, %v", rep, err)
		}
		if w.fake.Calls(providertest.OpTerminate) != 0 || len(w.store.Entries()) != 0 {
			t.Error("something was applied")
		}
	})
	t.Run("an approved fingerprint applies exactly the reviewed plan", func(t *testing.T) {
		w := newWorld()
		reviewed := w.plan(t, acsync.Options{})
		w.store.AddService(acsync.Service{Domain: "late.example", Package: "silver", Status: acsync.ServiceStatusActive})
		_, err := w.executor().Run(ctx, w.options(acsync.Options{ExpectFingerprint: reviewed.Fingerprint}))
		if !errors.Is(err, acsync.ErrStalePlan) {
			t.Fatalf("err = %v, want ErrStalePlan", err)
		}
	})
	t.Run("a plan reviewed as JSON is applied when the world still gives it", func(t *testing.T) {
		w := newWorld()
		e := w.executor()
		l, err := e.List(ctx)
		if err != nil {
			t.Fatal(err)
		}
		reviewed, err := e.Plan(ctx, l, w.options(acsync.Options{}))
		if err != nil {
			t.Fatal(err)
		}
		saved, _ := json.Marshal(reviewed)
		var back acsync.Plan
		if err := json.Unmarshal(saved, &back); err != nil {
			t.Fatal(err)
		}
		rep, err := e.Run(ctx, w.options(acsync.Options{ExpectFingerprint: back.Fingerprint}))
		if err != nil {
			t.Fatal(err)
		}
		if rep.Err() != nil || rep.Plan.Fingerprint != back.Fingerprint || len(w.store.Entries()) != len(back.Actions) {
			t.Fatalf("report %+v", rep)
		}
	})
}

// countingStore counts the listings of the services.
type countingStore struct {
	*synctest.Store
	services atomic.Int32
}

func (s *countingStore) Services(ctx context.Context) ([]acsync.Service, error) {
	s.services.Add(1)
	return s.Store.Services(ctx)
}

func TestPlanAsksTheStoreOnlyAboutTheClientsItNeeds(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name  string
		batch bool
	}{
		{"a store is asked one address at a time", false},
		{"a store that finds many addresses at once is asked once", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld()
			for i := range 50 {
				w.store.AddClient(fmt.Sprintf("bystander%d@example.org", i))
			}
			store := &findingStore{Store: w.store, batch: tt.batch}
			var s acsync.Store = store
			if tt.batch {
				s = batchFindingStore{store}
			}
			e := &acsync.Executor{Provider: w.fake, Store: s, Notifier: w.store, Journal: w.store}
			l, err := e.List(ctx)
			if err != nil {
				t.Fatal(err)
			}
			opts := w.options(acsync.Options{})
			opts.Clients = nil // the store is asked instead
			p, err := e.Plan(ctx, l, opts)
			if err != nil {
				t.Fatal(err)
			}
			// The imports need known@example.net (which exists),
			// a@new.example and b@new.example (which do not).
			want := []string{"a@new.example", "b@new.example", "known@example.net"}
			if got := store.asked(); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("asked about %v, want %v", got, want)
			}
			if tt.batch != (store.calls.Load() == 1) {
				t.Errorf("%d calls to the store", store.calls.Load())
			}
			if p.Counts[acsync.KindCreateClient] != 2 {
				t.Errorf("%d create-client actions, want 2 (known@example.net exists)", p.Counts[acsync.KindCreateClient])
			}
			for _, a := range p.Actions {
				if a.Kind == acsync.KindImport && a.Key == "imp1.example" && a.Local.ClientID != w.known {
					t.Errorf("imp1.example imports for client %q, want %q", a.Local.ClientID, w.known)
				}
			}
		})
	}
	t.Run("a run in sync asks about no one", func(t *testing.T) {
		w := newWorld()
		if _, err := w.executor().Run(ctx, w.options(acsync.Options{})); err != nil {
			t.Fatal(err)
		}
		store := &findingStore{Store: w.store}
		e := &acsync.Executor{Provider: w.fake, Store: store, Notifier: w.store, Journal: w.store}
		rep, err := e.Run(ctx, w.options(acsync.Options{}))
		if err != nil || !rep.Plan.Empty() {
			t.Fatalf("Run = %v, %v", rep, err)
		}
		if got := store.asked(); len(got) != 0 {
			t.Errorf("asked about %v", got)
		}
	})
}

// findingStore records the addresses it is asked about.
type findingStore struct {
	*synctest.Store
	batch bool
	calls atomic.Int32
	mu    gosync.Mutex
	seen  []string
}

func (s *findingStore) FindClientByEmail(ctx context.Context, email string) (string, error) {
	s.calls.Add(1)
	s.note(email)
	return s.Store.FindClientByEmail(ctx, email)
}

func (s *findingStore) note(emails ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seen = append(s.seen, emails...)
}

func (s *findingStore) asked() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := slices.Clone(s.seen)
	slices.Sort(out)
	return out
}

// batchFindingStore is a findingStore that implements sync.ClientFinder.
type batchFindingStore struct{ *findingStore }

func (s batchFindingStore) FindClientsByEmail(ctx context.Context, emails []string) (map[string]string, error) {
	s.calls.Add(1)
	s.note(emails...)
	out := map[string]string{}
	for _, e := range emails {
		if id, err := s.Store.FindClientByEmail(ctx, e); err == nil {
			out[e] = id
		}
	}
	return out, nil
}

func TestApplyingAFinishedPlanAgainChangesNothing(t *testing.T) {
	w := newWorld()
	w.fake.AddPackage(provider.Package{Name: "gold"})
	w.fake.CreateAccount(context.Background(), provider.NewAccount{Domain: "review.example", Username: "rv", Product: "gold"}) // no e-mail: review
	p := w.plan(t, acsync.Options{ResetPassword: true})
	e := w.executor()
	if _, err := e.Apply(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	services, _ := w.store.Services(context.Background())
	accounts := w.fake.Accounts()
	notes := len(w.store.Notifications())

	rep, err := e.Apply(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Err() != nil {
		t.Fatalf("failures: %v", rep.Err())
	}
	for k, n := range rep.Succeeded {
		if k != acsync.KindCreateProduct { // the store finds the product it made
			t.Errorf("%d %s succeeded again", n, k)
		}
	}
	if rep.NewClients != 0 {
		t.Errorf("%d clients created again", rep.NewClients)
	}
	again, _ := w.store.Services(context.Background())
	if fmt.Sprint(again) != fmt.Sprint(services) || fmt.Sprint(w.fake.Accounts()) != fmt.Sprint(accounts) {
		t.Error("the second Apply changed the services or the accounts")
	}
	if len(w.store.Notifications()) != notes {
		t.Error("the second Apply sent e-mails")
	}
	var reviews int
	for _, e := range w.store.Entries() {
		if e.Kind == acsync.KindReview {
			reviews++
			if e.Outcome != acsync.OutcomeSkipped || !strings.HasPrefix(e.Message, "needs review: ") {
				t.Errorf("review entry %+v", e)
			}
		}
	}
	if reviews != 2 {
		t.Errorf("%d review entries over two runs, want 2", reviews)
	}
}

func TestReportJSON(t *testing.T) {
	w := newWorld()
	p := w.plan(t, acsync.Options{})
	w.fake.Fail(providertest.OpCreate, provider.ErrTransient)
	rep, err := w.executor().Apply(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var back acsync.Report
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Failures) != 2 || back.Failures[0].Err.Error() != rep.Failures[0].Err.Error() ||
		back.Failed[acsync.KindExport] != 2 || back.Plan.Fingerprint != p.Fingerprint || !back.Started.Equal(rep.Started) {
		t.Errorf("report read back as %s", data)
	}
	if !strings.Contains(string(data), `"error":"sync: export ex.example: create account: fake: create account: transient failure"`) {
		t.Errorf("failure not rendered as its message: %s", data)
	}
}

func TestApplyWorksFromThePlansListingOnce(t *testing.T) {
	ctx := context.Background()
	w := newWorld()
	e := w.executor()
	l, err := e.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.Plan(ctx, l, w.options(acsync.Options{}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Apply(ctx, p); err != nil {
		t.Fatal(err)
	}
	if n := w.fake.Calls(providertest.OpList); n != 1 {
		t.Fatalf("the server was listed %d times for one plan and one Apply, want once", n)
	}
	rep, err := e.Apply(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if n := w.fake.Calls(providertest.OpList); n != 2 {
		t.Errorf("a second Apply of the plan listed %d times in all, want a fresh listing", n)
	}
	if rep.Err() != nil || rep.NewClients != 0 || rep.Succeeded[acsync.KindImport] != 0 {
		t.Errorf("the second Apply did work again: %+v", rep)
	}
}

// batchingStore is a synctest.Store that implements sync.Batcher and
// logs its batches beside the journal entries.
type batchingStore struct {
	*synctest.Store
	failCommit error
	mu         gosync.Mutex
	open       bool
	events     []string // "begin", "commit", "write outside a batch", or kind+" "+key
}

func (s *batchingStore) BeginBatch(context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.open = true
	s.events = append(s.events, "begin")
	return nil
}

func (s *batchingStore) CommitBatch(context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.open = false
	if s.failCommit != nil {
		s.events = append(s.events, "failed commit")
		return s.failCommit
	}
	s.events = append(s.events, "commit")
	return nil
}

func (s *batchingStore) Record(ctx context.Context, e acsync.Entry) error {
	s.mu.Lock()
	if !s.open {
		s.events = append(s.events, "write outside a batch")
	}
	s.events = append(s.events, string(e.Kind)+" "+e.Key)
	s.mu.Unlock()
	return s.Store.Record(ctx, e)
}

func TestApplyCommitsBatchesBetweenActions(t *testing.T) {
	ctx := context.Background()
	w := newWorld()
	store := &batchingStore{Store: w.store}
	e := &acsync.Executor{Provider: w.fake, Store: store, Notifier: store, Journal: store, Concurrency: 1}
	p := w.plan(t, acsync.Options{StatusAuthority: acsync.SideLocal})
	rep, err := e.Apply(ctx, p)
	if err != nil || rep.Err() != nil {
		t.Fatalf("Apply = %v, %v", err, rep.Err())
	}
	ev := store.events
	if ev[0] != "begin" || ev[len(ev)-1] != "commit" {
		t.Errorf("events run from %q to %q, want begin to commit", ev[0], ev[len(ev)-1])
	}
	remote := map[acsync.Kind]bool{acsync.KindExport: true, acsync.KindTerminateRemote: true,
		acsync.KindSuspendRemote: true, acsync.KindUnsuspendRemote: true}
	commits := 0
	for i, x := range ev {
		switch {
		case x == "write outside a batch":
			t.Errorf("a journal entry was written outside a batch: %v", ev)
		case x == "commit":
			commits++
		case x == "begin":
		default:
			kind, _, _ := strings.Cut(x, " ")
			if remote[acsync.Kind(kind)] && ev[i+1] != "commit" {
				t.Errorf("%s is not followed by a commit: %v", x, ev)
			}
		}
	}
	if commits < 2 {
		t.Errorf("%d commits for a plan with remote actions: %v", commits, ev)
	}
	if again := w.plan(t, acsync.Options{StatusAuthority: acsync.SideLocal}); !again.Empty() {
		t.Error("after Apply, Diff still plans")
	}

	t.Run("a failed commit stops the run with an error", func(t *testing.T) {
		w := newWorld()
		store := &batchingStore{Store: w.store, failCommit: errors.New("disk full")}
		e := &acsync.Executor{Provider: w.fake, Store: store, Notifier: store, Journal: store, Concurrency: 1}
		p := w.plan(t, acsync.Options{})
		rep, err := e.Apply(ctx, p)
		if err == nil || !strings.Contains(err.Error(), "write to billing: disk full") || rep == nil {
			t.Fatalf("Apply = %v, %v; want the report and the commit's error", rep, err)
		}
		done := 0
		for _, m := range []map[acsync.Kind]int{rep.Succeeded, rep.Failed, rep.Skipped} {
			for _, n := range m {
				done += n
			}
		}
		if done >= len(p.Actions) {
			t.Errorf("the run went on after the failed commit: %d of %d actions", done, len(p.Actions))
		}
	})
}
