package sync_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/providertest"
	acsync "github.com/accountsync/accountsync/sync"
	"github.com/accountsync/accountsync/sync/synctest"
)

// Diff plans; the plan prints as a table for review before anything
// happens.
func ExampleDiff() {
	remote := []provider.Account{
		{Email: "jo@example.com", Username: "jo", Domain: "example.com", Product: "gold", Status: provider.StatusSuspended},
		{Email: "ann@example.org", Username: "ann", Domain: "bücher.de", Product: "silver", Status: provider.StatusActive},
		{Email: "max@example.net", Username: "max", Domain: "ended.example", Product: "gold", Status: provider.StatusActive},
	}
	local := []acsync.Service{
		{ID: "12", Package: "gold", Domain: "Example.COM", Username: "jo", Status: acsync.ServiceStatusActive},
		{ID: "13", Package: "gold", Domain: "ended.example", Username: "max", Status: acsync.ServiceStatusCancelled},
		{ID: "14", Package: "gold", Domain: "lost.example", Username: "lost", Status: acsync.ServiceStatusActive},
	}
	plan, err := acsync.Diff(remote, local, acsync.Options{
		Now:      time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC),
		Products: map[string]string{"gold": "3"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	plan.WriteTable(os.Stdout)
	// Output:
	// KIND            KEY               DETAIL
	// create-product  silver            no product for this package; 1 action needs it
	// create-client   ann@example.org   no client with this e-mail address; 1 action needs it
	// import          xn--bcher-kva.de  on the server only; new client ann@example.org; package "silver" has no product yet
	// export          lost.example      Active in billing (service 14) but not on the server
	// suspend-local   example.com       status "Active" -> "Suspended"; Suspended on the server, Active in billing; the server leads
	//
	// Held back (1):
	// KIND              KEY            DETAIL
	// terminate-remote  ended.example  Cancelled in billing (service 13) but still on the server; held: TerminateRemote is off
	//
	// 0 in sync, 5 actions, 0 deferred, 1 held, 0 conflicts.
}

// Run lists, plans and applies in one call. synctest.Store and
// providertest.Fake stand in for the billing system and the server.
func ExampleExecutor_Run() {
	fake := providertest.NewFake(provider.Account{
		Email: "jo@example.com", Username: "jo", Domain: "example.com", Product: "gold", Status: provider.StatusActive,
	})
	store := synctest.NewStore()
	store.AddProduct("gold")

	e := acsync.Executor{Provider: fake, Store: store, Notifier: store, Journal: store}
	report, err := e.Run(context.Background(), acsync.Options{
		Products:      store.Products(),
		ResetPassword: true,
		Emails:        acsync.Emails{Welcome: true},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("succeeded:", report.Succeeded, "new clients:", report.NewClients)
	services, _ := store.Services(context.Background())
	for _, s := range services {
		fmt.Println("service", s.ID, s.Domain, s.Status, "client", s.ClientID, "product", s.ProductID)
	}
	for _, n := range store.Notifications() {
		fmt.Println("e-mail", n.Kind, "to", n.Email, "with password:", n.Password != "")
	}
	// Output:
	// succeeded: map[create-client:1 import:1] new clients: 1
	// service 1 example.com Active client 1 product 1
	// e-mail new-password to jo@example.com with password: true
	// e-mail welcome to jo@example.com with password: false
}

// A plan that changes too much is refused; the error says what and why,
// and carries the plan for a person to look at.
func ExampleUnsafePlanError() {
	var remote []provider.Account
	var local []acsync.Service
	for i := range 20 {
		d := fmt.Sprintf("site%02d.example", i)
		remote = append(remote, provider.Account{Domain: d, Status: provider.StatusActive})
		st := acsync.ServiceStatusActive
		if i < 8 {
			st = acsync.ServiceStatusCancelled // say, a billing import gone wrong
		}
		local = append(local, acsync.Service{ID: fmt.Sprint(i), Domain: d, Status: st})
	}
	_, err := acsync.Diff(remote, local, acsync.Options{TerminateRemote: true})
	var unsafe *acsync.UnsafePlanError
	if errors.As(err, &unsafe) {
		fmt.Println(err)
		fmt.Println(len(unsafe.Plan.Actions), "actions refused")
	}
	// Output:
	// sync: unsafe plan: 8 terminations are 40.0% of 20 live keys, over the 30% limit; review the plan and set Force to apply it
	// 8 actions refused
}

// With ConfirmRuns, a service whose account is missing is terminated only
// once the account has been missing that many runs in a row. Each plan's
// SeenMissing is the next run's input.
func Example_confirmRuns() {
	local := []acsync.Service{{ID: "7", Domain: "flaky.example", Package: "gold", Status: acsync.ServiceStatusActive}}
	remote := []provider.Account{{Domain: "other.example", Email: "o@example.com", Status: provider.StatusActive}}
	opts := acsync.Options{TerminateLocal: true, ConfirmRuns: 3, Clients: map[string]string{"o@example.com": "1"}, Products: map[string]string{"": "1"}}
	for run := 1; run <= 3; run++ {
		plan, err := acsync.Diff(remote, local, opts)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("run %d: %d terminate-local, %d held, seen missing %v\n",
			run, plan.Counts[acsync.KindTerminateLocal], len(plan.Held), plan.SeenMissing)
		opts.SeenMissing = plan.SeenMissing
	}
	// Output:
	// run 1: 0 terminate-local, 1 held, seen missing map[flaky.example:1]
	// run 2: 0 terminate-local, 1 held, seen missing map[flaky.example:2]
	// run 3: 1 terminate-local, 0 held, seen missing map[flaky.example:3]
}

// The report prints as the daily report.
func ExampleReport_WriteText() {
	remote := []provider.Account{
		{Domain: "a.example", Email: "a@example.com", Product: "gold", Status: provider.StatusActive},
		{Domain: "b.example", Product: "gold", Status: provider.StatusActive},
		{Domain: "dup.example", Status: provider.StatusActive},
		{Domain: "DUP.example", Status: provider.StatusActive},
	}
	plan, _ := acsync.Diff(remote, nil, acsync.Options{Products: map[string]string{"gold": "1"}, Force: true})
	start := time.Date(2026, 3, 1, 4, 0, 0, 0, time.UTC)
	report := &acsync.Report{
		Started: start, Finished: start.Add(42 * time.Second),
		Succeeded: map[acsync.Kind]int{acsync.KindCreateClient: 1}, Failed: map[acsync.Kind]int{acsync.KindImport: 1},
		Skipped: map[acsync.Kind]int{}, NewClients: 1, Plan: plan,
		Failures: []acsync.Failure{{Kind: acsync.KindImport, Key: "a.example",
			Err: errors.New("sync: import a.example: create service: whmcs: add order: HTTP 503: service unavailable")}},
	}
	report.WriteText(os.Stdout)
	// Output:
	// Sync report, 2026-03-01 04:00:00 UTC to 04:00:42 (42s)
	//
	// KIND           SUCCEEDED  FAILED  SKIPPED
	// create-client  1          0       0
	// import         0          1       0
	//
	// New clients: 1
	//
	// Failures (1):
	//   import  a.example  sync: import a.example: create service: whmcs: add order: HTTP 503: service unavailable
	//
	// Needs review (1):
	//   b.example  on the server only, but the account has no valid e-mail address to find or create a client for
	//
	// Conflicts (1):
	//   dup.example  2 accounts on the server share this key
	//
	// 0 keys in sync. Plan ID 12b1febb4291 (the start of the plan's fingerprint).
}
