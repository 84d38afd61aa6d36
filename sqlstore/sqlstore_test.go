package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/providertest"
	"github.com/accountsync/accountsync/sqlstore"
	acsync "github.com/accountsync/accountsync/sync"
)

func openStore(t *testing.T, keyField string) (*sqlstore.DB, *sqlstore.Store) {
	t.Helper()
	db, err := sqlstore.Open(t.Context(), filepath.Join(t.TempDir(), "billing.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s, err := db.Server(t.Context(), "web1", "cpanel", keyField)
	if err != nil {
		t.Fatal(err)
	}
	return db, s
}

func count(t *testing.T, db *sqlstore.DB, table string) int {
	t.Helper()
	var n int
	if err := db.SQL().QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestStoreRecords(t *testing.T) {
	ctx := context.Background()
	_, s := openStore(t, "domain")
	client, err := s.CreateClient(ctx, acsync.NewClient{Email: "Jo@Example.com", Account: provider.Account{Username: "jo"}})
	if err != nil {
		t.Fatal(err)
	}
	product, err := s.CreateProduct(ctx, acsync.NewProduct{Package: "Gold"})
	if err != nil {
		t.Fatal(err)
	}
	reg := time.Date(2023, 4, 5, 0, 0, 0, 0, time.UTC)
	id, err := s.CreateService(ctx, acsync.Service{ClientID: client, ProductID: product, Domain: "jo.example", Username: "jo",
		Status: acsync.ServiceStatusActive, DedicatedIP: "192.0.2.5", RegDate: reg, BillingCycle: "Monthly"})
	if err != nil {
		t.Fatal(err)
	}

	t.Run("a created service is listed with its client's e-mail and its product's package", func(t *testing.T) {
		svcs, err := s.Services(ctx)
		if err != nil || len(svcs) != 1 {
			t.Fatalf("Services = %v, %v", svcs, err)
		}
		got := svcs[0]
		want := acsync.Service{ID: id, ClientID: client, ClientEmail: "Jo@Example.com", ProductID: product, Package: "Gold",
			Domain: "jo.example", Username: "jo", Status: acsync.ServiceStatusActive, DedicatedIP: "192.0.2.5", RegDate: reg, BillingCycle: "Monthly"}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("got  %+v\nwant %+v", got, want)
		}
	})
	t.Run("a second client with the same e-mail in another case exists already", func(t *testing.T) {
		_, err := s.CreateClient(ctx, acsync.NewClient{Email: "jo@example.COM"})
		if !errors.Is(err, provider.ErrExists) {
			t.Fatalf("err = %v, want ErrExists", err)
		}
		if got, err := s.FindClientByEmail(ctx, "JO@example.com"); err != nil || got != client {
			t.Fatalf("FindClientByEmail = %q, %v", got, err)
		}
	})
	t.Run("an unknown e-mail is not found", func(t *testing.T) {
		if _, err := s.FindClientByEmail(ctx, "nobody@example.com"); !errors.Is(err, provider.ErrNotFound) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("asking for a package's product again returns the same product", func(t *testing.T) {
		var wg sync.WaitGroup
		ids := make([]string, 8)
		for i := range ids {
			wg.Add(1)
			go func() { defer wg.Done(); ids[i], _ = s.CreateProduct(ctx, acsync.NewProduct{Package: "Gold"}) }()
		}
		wg.Wait()
		for _, got := range ids {
			if got != product {
				t.Fatalf("CreateProduct gave %v, want %s every time", ids, product)
			}
		}
	})
	t.Run("updates and terminations change only what they name", func(t *testing.T) {
		svc := acsync.Service{ID: id, Status: acsync.ServiceStatusSuspended, DedicatedIP: "192.0.2.9", Domain: "ignored.example"}
		err := s.UpdateService(ctx, svc, []acsync.Change{{Field: acsync.FieldStatus, Old: "Active", New: "Suspended"}, {Field: acsync.FieldDedicatedIP, Old: "192.0.2.5", New: "192.0.2.9"}})
		if err != nil {
			t.Fatal(err)
		}
		svcs, _ := s.Services(ctx)
		if svcs[0].Status != acsync.ServiceStatusSuspended || svcs[0].DedicatedIP != "192.0.2.9" || svcs[0].Domain != "jo.example" {
			t.Errorf("after update: %+v", svcs[0])
		}
		if err := s.TerminateService(ctx, svcs[0]); err != nil {
			t.Fatal(err)
		}
		svcs, _ = s.Services(ctx)
		if svcs[0].Status != acsync.ServiceStatusTerminated {
			t.Errorf("after terminate: %+v", svcs[0])
		}
		if err := s.UpdateService(ctx, acsync.Service{ID: "999"}, []acsync.Change{{Field: acsync.FieldDomain}}); !errors.Is(err, provider.ErrNotFound) {
			t.Errorf("update of a missing service = %v", err)
		}
	})
	t.Run("the hysteresis history is saved and read back", func(t *testing.T) {
		if err := s.SaveSeenMissing(ctx, map[string]int{"a.example": 2, "b.example": 1}); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveSeenMissing(ctx, map[string]int{"a.example": 3}); err != nil {
			t.Fatal(err)
		}
		got, err := s.SeenMissing(ctx)
		if err != nil || len(got) != 1 || got["a.example"] != 3 {
			t.Fatalf("SeenMissing = %v, %v", got, err)
		}
	})
}

func TestStoreCustomFieldIdentifier(t *testing.T) {
	ctx := context.Background()
	_, s := openStore(t, "customfield.vserverid")
	client, _ := s.CreateClient(ctx, acsync.NewClient{Email: "vm@example.com"})
	product, _ := s.CreateProduct(ctx, acsync.NewProduct{Package: "VPS-2G"})
	if _, err := s.CreateService(ctx, acsync.Service{ClientID: client, ProductID: product, Domain: "vm1.example", UniqueIdentifier: "101", Status: acsync.ServiceStatusActive}); err != nil {
		t.Fatal(err)
	}
	svcs, err := s.Services(ctx)
	if err != nil || len(svcs) != 1 || svcs[0].UniqueIdentifier != "101" {
		t.Fatalf("Services = %+v, %v; want the identifier from the custom field", svcs, err)
	}
}

func TestServersAreSeparate(t *testing.T) {
	ctx := context.Background()
	db, web1 := openStore(t, "domain")
	web2, err := db.Server(ctx, "web2", "cpanel", "domain")
	if err != nil {
		t.Fatal(err)
	}
	client, _ := web1.CreateClient(ctx, acsync.NewClient{Email: "x@example.com"})
	product, _ := web1.CreateProduct(ctx, acsync.NewProduct{Package: "Gold"})
	web1.CreateService(ctx, acsync.Service{ClientID: client, ProductID: product, Domain: "x.example", Status: acsync.ServiceStatusActive})
	if svcs, _ := web2.Services(ctx); len(svcs) != 0 {
		t.Errorf("web2 sees web1's services: %+v", svcs)
	}
	if got, _ := web2.FindClientByEmail(ctx, "x@example.com"); got != client {
		t.Error("clients are not shared across servers, as they are in WHMCS")
	}
}

// seedServer is a server with five accounts, one of them suspended.
func seedServer() *providertest.Fake {
	var accts []provider.Account
	for i := 1; i <= 5; i++ {
		a := provider.Account{Email: fmt.Sprintf("user%d@example.com", i), Username: fmt.Sprintf("user%d", i),
			Domain: fmt.Sprintf("site%d.example", i), Product: []string{"Gold", "Silver"}[i%2],
			Created: time.Date(2024, time.Month(i), 1, 0, 0, 0, 0, time.UTC), Status: provider.StatusActive}
		a.UniqueIdentifier = a.Domain
		if i == 3 {
			a.Status = provider.StatusSuspended
		}
		accts = append(accts, a)
	}
	return providertest.NewFake(accts...)
}

func runSync(ctx context.Context, p provider.Provider, s *sqlstore.Store, e acsync.Executor) (*acsync.Report, error) {
	opts := acsync.Options{Now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Force: true}
	if err := s.LoadOptions(ctx, &opts); err != nil {
		return nil, err
	}
	e.Provider, e.Store, e.Notifier, e.Journal = p, s, s, s
	return e.Run(ctx, opts)
}

func TestSyncIntoStore(t *testing.T) {
	ctx := context.Background()
	db, s := openStore(t, "domain")
	fake := seedServer()
	report, err := runSync(ctx, fake, s, acsync.Executor{})
	if err != nil {
		t.Fatal(err)
	}
	if len(report.Failures) != 0 {
		t.Fatalf("failures: %+v", report.Failures)
	}
	if n := count(t, db, "tblhosting"); n != 5 {
		t.Errorf("%d services after the import, want 5", n)
	}
	remote, _ := fake.ListAccounts(ctx)
	local, _ := s.Services(ctx)
	plan, err := acsync.Diff(remote, local, acsync.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Actions) != 0 || plan.InSync != 5 {
		t.Errorf("after applying, the plan still has %d actions and %d keys in sync: %+v", len(plan.Actions), plan.InSync, plan.Actions)
	}
	if entries, _ := s.Entries(ctx, time.Time{}); len(entries) == 0 {
		t.Error("the sync log is empty")
	}
}

// A run cut short (the process killed halfway, here a cancelled context)
// and run again creates no client, product or service twice.
func TestCrashAndRerun(t *testing.T) {
	for _, stopAfter := range []int{1, 3, 6, 9} {
		t.Run(fmt.Sprintf("a run stopped after %d actions and run again creates nothing twice", stopAfter), func(t *testing.T) {
			db, s := openStore(t, "domain")
			fake := seedServer()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			e := acsync.Executor{Concurrency: 1, Progress: func(done, total int) {
				if done >= stopAfter {
					cancel()
				}
			}}
			runSync(ctx, fake, s, e) // the error is the point: it was cut short
			if _, err := runSync(context.Background(), fake, s, acsync.Executor{}); err != nil {
				t.Fatal(err)
			}
			if c, p, h := count(t, db, "tblclients"), count(t, db, "tblproducts"), count(t, db, "tblhosting"); c != 5 || p != 2 || h != 5 {
				t.Errorf("after the rerun: %d clients, %d products, %d services; want 5, 2, 5", c, p, h)
			}
			report, err := runSync(context.Background(), fake, s, acsync.Executor{})
			if err != nil {
				t.Fatal(err)
			}
			if len(report.Plan.Actions) != 0 {
				t.Errorf("a third run still plans %d actions", len(report.Plan.Actions))
			}
		})
	}
}

func TestMetaAndJournal(t *testing.T) {
	ctx := context.Background()
	db, web1 := openStore(t, "domain")
	if _, ok, err := db.Meta(ctx, "last-report"); ok || err != nil {
		t.Fatalf("Meta of an unset name = %v, %v", ok, err)
	}
	db.SetMeta(ctx, "last-report", "a")
	db.SetMeta(ctx, "last-report", "b")
	if v, ok, err := db.Meta(ctx, "last-report"); v != "b" || !ok || err != nil {
		t.Fatalf("Meta = %q, %v, %v", v, ok, err)
	}
	web2, _ := db.Server(ctx, "web2", "plesk", "domain")
	t0 := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	web1.Record(ctx, acsync.Entry{Time: t0, Kind: acsync.KindImport, Key: "old.example", Outcome: acsync.OutcomeSucceeded})
	web1.Record(ctx, acsync.Entry{Time: t0.Add(time.Hour), Kind: acsync.KindImport, Key: "a.example", Outcome: acsync.OutcomeSucceeded})
	web2.Record(ctx, acsync.Entry{Time: t0.Add(2 * time.Hour), Kind: acsync.KindExport, Key: "b.example", Outcome: acsync.OutcomeFailed, Message: "boom"})
	got, err := db.Journal(ctx, t0.Add(time.Minute))
	if err != nil || len(got) != 2 || got[0].Server != "web1" || got[1].Server != "web2" || got[1].Message != "boom" {
		t.Fatalf("Journal = %+v, %v", got, err)
	}
}

// bigServer has n accounts, each with a client of its own, in two
// packages: a first import of it is 2n+2 actions, more than one batch.
func bigServer(n int) *providertest.Fake {
	// Four-digit names sort in number order up to 10,000 accounts.
	accts := make([]provider.Account, n)
	for i := range accts {
		d := fmt.Sprintf("site%04d.example", i)
		accts[i] = provider.Account{Email: fmt.Sprintf("owner%04d@example.com", i), Username: fmt.Sprintf("u%04d", i),
			Domain: d, UniqueIdentifier: d, Product: []string{"Gold", "Silver"}[i%2],
			Created: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), Status: provider.StatusActive}
	}
	return providertest.NewFake(accts...)
}

// crashChildEnv names the database a child process syncs until it dies.
const crashChildEnv = "SQLSTORE_CRASH_CHILD_DB"

// A process killed in the middle of a batch loses the batch's actions,
// whole, and nothing else; the next run does them, and creates nothing
// twice. The child process syncs 600 accounts (1,202 actions: the
// executor commits after 1,000) and exits abruptly after 1,100.
func TestKilledMidBatchThenRerun(t *testing.T) {
	const accounts, dieAfter = 600, 1100
	if path := os.Getenv(crashChildEnv); path != "" {
		db, err := sqlstore.Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		s, err := db.Server(context.Background(), "web1", "cpanel", "domain")
		if err != nil {
			t.Fatal(err)
		}
		e := acsync.Executor{Concurrency: 1, Progress: func(done, total int) {
			if done == dieAfter {
				os.Exit(3) // no commit, no cleanup: a crash
			}
		}}
		runSync(context.Background(), bigServer(accounts), s, e)
		t.Fatal("the child finished instead of dying")
	}

	path := filepath.Join(t.TempDir(), "billing.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestKilledMidBatchThenRerun$")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+path)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 3 {
		t.Fatalf("child: %v\n%s", err, out)
	}

	db, err := sqlstore.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// The first batch (2 products, 600 clients, 398 imports) was
	// committed; the second died with the child.
	clients, products, services, logged := count(t, db, "tblclients"), count(t, db, "tblproducts"), count(t, db, "tblhosting"), count(t, db, "tblaccountsync_log")
	if clients != accounts || products != 2 || services != 1000-accounts-2 || logged != 1000 {
		t.Errorf("after the crash: %d clients, %d products, %d services, %d log entries; want %d, 2, %d, 1000 (the first batch)",
			clients, products, services, logged, accounts, 1000-accounts-2)
	}

	s, err := db.Server(t.Context(), "web1", "cpanel", "domain")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := runSync(t.Context(), bigServer(accounts), s, acsync.Executor{})
	if err != nil || rep.Err() != nil {
		t.Fatalf("rerun: %v, %v", err, rep.Err())
	}
	if got := rep.Succeeded[acsync.KindImport]; got != accounts-services {
		t.Errorf("the rerun imported %d, want the %d the crash lost", got, accounts-services)
	}
	if c, p, h := count(t, db, "tblclients"), count(t, db, "tblproducts"), count(t, db, "tblhosting"); c != accounts || p != 2 || h != accounts {
		t.Errorf("after the rerun: %d clients, %d products, %d services; want %d, 2, %d", c, p, h, accounts, accounts)
	}
}

func TestFindClientsByEmail(t *testing.T) {
	ctx := context.Background()
	_, s := openStore(t, "domain")
	want := map[string]string{}
	var ask []string
	for i := range 1200 { // more than one query's worth
		email := fmt.Sprintf("c%d@example.com", i)
		if i%3 == 0 {
			id, err := s.CreateClient(ctx, acsync.NewClient{Email: email})
			if err != nil {
				t.Fatal(err)
			}
			email = strings.ToUpper(email) // asked in another case
			want[email] = id
		}
		ask = append(ask, email)
	}
	got, err := s.FindClientsByEmail(ctx, ask)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("found %d clients, want %d", len(got), len(want))
	}
	for e, id := range want {
		if got[e] != id {
			t.Errorf("%s: got client %q, want %q", e, got[e], id)
		}
	}
}

func TestBatch(t *testing.T) {
	ctx := context.Background()
	db, s := openStore(t, "domain")
	t.Run("writes in a batch are seen by the store's reads and committed together", func(t *testing.T) {
		if err := s.BeginBatch(ctx); err != nil {
			t.Fatal(err)
		}
		id, err := s.CreateClient(ctx, acsync.NewClient{Email: "b@example.com"})
		if err != nil {
			t.Fatal(err)
		}
		if got, err := s.FindClientByEmail(ctx, "b@example.com"); err != nil || got != id {
			t.Fatalf("FindClientByEmail in the batch = %q, %v", got, err)
		}
		if err := s.CommitBatch(ctx); err != nil {
			t.Fatal(err)
		}
		if n := count(t, db, "tblclients"); n != 1 {
			t.Errorf("%d clients after the commit, want 1", n)
		}
	})
	t.Run("a second batch cannot begin while one is open", func(t *testing.T) {
		if err := s.BeginBatch(ctx); err != nil {
			t.Fatal(err)
		}
		defer s.CommitBatch(ctx)
		if err := s.BeginBatch(ctx); err == nil {
			t.Error("a nested BeginBatch succeeded")
		}
	})
}

// BenchmarkFirstImport imports a server of 10,000 accounts into an empty
// store: one plan, one Apply, the writes batched.
func BenchmarkFirstImport(b *testing.B) {
	const n = 10_000
	for b.Loop() {
		b.StopTimer()
		db, err := sqlstore.Open(b.Context(), filepath.Join(b.TempDir(), "billing.db"))
		if err != nil {
			b.Fatal(err)
		}
		s, err := db.Server(b.Context(), "web1", "cpanel", "domain")
		if err != nil {
			b.Fatal(err)
		}
		fake := bigServer(n)
		b.StartTimer()
		rep, err := runSync(b.Context(), fake, s, acsync.Executor{})
		if err != nil || rep.Succeeded[acsync.KindImport] != n {
			b.Fatalf("import: %v, %v", err, rep)
		}
		b.StopTimer()
		db.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "accounts/s")
}
