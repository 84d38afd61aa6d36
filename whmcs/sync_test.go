package whmcs_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/accountsync/accountsync/provider"
	"github.com/accountsync/accountsync/provider/providertest"
	acsync "github.com/accountsync/accountsync/sync"
	"github.com/accountsync/accountsync/whmcs"
	"github.com/accountsync/accountsync/whmcs/whmcstest"
)

var created = time.Date(2021, 6, 7, 8, 9, 10, 0, time.UTC)

// run is one Executor.Run of the fake server against the store, with the
// store's products and the executor logging to w's log.
func (w *world) run(t *testing.T, p provider.Provider, opts acsync.Options) *acsync.Report {
	t.Helper()
	ctx := context.Background()
	products, err := w.store.Products(ctx)
	if err != nil {
		t.Fatalf("Products: %v", err)
	}
	if opts.Products == nil {
		opts.Products = products
	}
	if opts.Now.IsZero() {
		opts.Now = time.Date(2025, 5, 1, 12, 0, 0, 0, time.UTC)
	}
	log := slog.New(slog.NewTextHandler(w.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e := &acsync.Executor{Provider: p, Store: w.store, Notifier: w.store, Journal: w.store, Logger: log}
	report, err := e.Run(ctx, opts)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return report
}

func kinds(p *acsync.Plan) map[acsync.Kind]int {
	out := map[acsync.Kind]int{}
	for _, a := range p.Actions {
		out[a.Kind]++
	}
	return out
}

func TestSyncImportExportSuspendTerminateThenNothing(t *testing.T) {
	w := newWorld(t, whmcstest.Options{})
	starter := w.srv.AddProduct(whmcstest.Product{GroupID: w.group, Name: "Starter", Module: "cpanel", Package: "starter", PayType: "recurring", Price: "4.95"})
	w.store, _ = w.client.NewStore(whmcs.StoreConfig{ServerID: w.web1, ProductGroupID: w.group, PaymentMethod: whmcstest.Gateway,
		Products: map[string]string{"starter": starter}})
	known := w.srv.AddClient(whmcstest.Client{FirstName: "Kim", Email: "kim@example.com"})
	// In billing and on the server, Active in billing, Suspended there.
	w.srv.AddService(whmcstest.Service{ClientID: known, ProductID: starter, ServerID: w.web1, Domain: "kim.example", Username: "kim",
		DedicatedIP: "192.0.2.10", RegDate: "2020-01-01", Password: servicePassword(1)})
	// In billing only: exported in the first run.
	exported := w.srv.AddService(whmcstest.Service{ClientID: known, ProductID: starter, ServerID: w.web1, Domain: "shop.example", Username: "shop",
		DedicatedIP: "192.0.2.10", RegDate: "2020-01-01", Password: servicePassword(2)})
	fake := providertest.NewFake(
		provider.Account{Domain: "kim.example", Username: "kim", Email: "kim@example.com", Product: "starter", PrimaryIP: "192.0.2.10", Created: created, Status: provider.StatusSuspended},
		provider.Account{Domain: "new.example", Username: "newbie", Email: "New.Client@Example.com", Product: "gold", PrimaryIP: "192.0.2.11", Created: created, Status: provider.StatusActive},
		provider.Account{Domain: "kim2.example", Username: "kim2", Email: "kim@example.com", Product: "starter", PrimaryIP: "192.0.2.12", Created: created, Status: provider.StatusSuspended},
	)

	r := w.run(t, fake, acsync.Options{Billing: acsync.Billing{Cycle: "Annually", NextDueInDays: 30}})
	if err := r.Err(); err != nil {
		t.Fatalf("first run: %v", err)
	}
	// kim@example.com has a client and new.client@example.com gets one
	// (whether the plan or the executor finds the existing one).
	got := kinds(r.Plan)
	delete(got, acsync.KindCreateClient)
	want := map[acsync.Kind]int{acsync.KindImport: 2, acsync.KindExport: 1, acsync.KindSuspendLocal: 1, acsync.KindCreateProduct: 1}
	if fmt.Sprint(got) != fmt.Sprint(want) || r.NewClients != 1 {
		t.Errorf("first plan %v, want %v; %d new clients", got, want, r.NewClients)
	}
	svcs := w.srv.Services()
	byDomain := map[string]whmcstest.Service{}
	for _, s := range svcs {
		byDomain[s.Domain] = s
	}
	if s := byDomain["kim.example"]; s.Status != "Suspended" {
		t.Errorf("kim.example %+v", s)
	}
	if s := byDomain["new.example"]; s.Status != "Active" || s.ServerID != w.web1 || s.RegDate != "2021-06-07" || s.BillingCycle != "Annually" ||
		s.NextDueDate != "2025-05-31" || s.DedicatedIP != "192.0.2.11" || s.Username != "newbie" {
		t.Errorf("new.example %+v", s)
	}
	if s := byDomain["kim2.example"]; s.Status != "Suspended" || s.ClientID != known || s.ProductID != starter {
		t.Errorf("kim2.example %+v", s)
	}
	if _, ok := fake.Password("shop.example"); !ok {
		t.Error("shop.example was not exported")
	}
	if s := byDomain["shop.example"]; s.Password == servicePassword(2) || s.Password == "" {
		t.Error("the export's new password was not stored in WHMCS")
	}
	// The export's new password goes out; nothing else does.
	if e := w.srv.Emails(); len(e) != 1 || e[0].RelID != exported {
		t.Errorf("e-mails %+v", e)
	}
	if m := w.srv.ModuleCalls(); len(m) != 0 {
		t.Errorf("module calls %+v", m)
	}
	if n := len(w.srv.Invoices()); n != 0 {
		t.Errorf("%d invoices", n)
	}
	if a := w.srv.Activity(); !strings.Contains(fmt.Sprint(a), "accountsync: server 1: import new.example") {
		t.Errorf("activity log %v", a)
	}

	r = w.run(t, fake, acsync.Options{})
	if len(r.Plan.Actions) != 0 {
		t.Errorf("second run planned %v", kinds(r.Plan))
	}

	// The account goes from the server: terminated in billing, and only there.
	fake.TerminateAccount(context.Background(), provider.Account{Domain: "kim2.example"})
	r = w.run(t, fake, acsync.Options{TerminateLocal: true})
	if err := r.Err(); err != nil || r.Succeeded[acsync.KindTerminateLocal] != 1 {
		t.Errorf("termination run: %v, %v", r.Succeeded, err)
	}
	for _, s := range w.srv.Services() {
		if s.Domain == "kim2.example" && (s.Status != "Terminated" || s.TerminationDate == "0000-00-00") {
			t.Errorf("kim2.example %+v", s)
		}
	}
	if w.srv.Calls("ModuleTerminate") != 0 || len(w.srv.ModuleCalls()) != 0 {
		t.Error("a module was called")
	}
	r = w.run(t, fake, acsync.Options{TerminateLocal: true})
	if len(r.Plan.Actions) != 0 {
		t.Errorf("the run after planned %v", kinds(r.Plan))
	}
}

func TestSyncAfterACrashAtEveryStepOfAnImport(t *testing.T) {
	for _, step := range []string{"AddOrder", "AcceptOrder", "UpdateClientProduct"} {
		for _, here := range []bool{true, false} {
			where := "this server"
			if !here {
				where = "another server"
			}
			t.Run(fmt.Sprintf("a crash after %s, new services placed on %s, then a rerun leaves one order and one service", step, where), func(t *testing.T) {
				w := newWorld(t, whmcstest.Options{})
				if !here {
					w.srv.AddHostingServer(whmcstest.HostingServer{Name: "web0", Module: "cpanel", Default: true})
				}
				fake := providertest.NewFake(provider.Account{Domain: "jo.example", Username: "jo", Email: "jo@example.com", Product: "gold",
					PrimaryIP: "192.0.2.11", Created: created, Status: provider.StatusActive})
				w.srv.DropAfter(step, 1)
				r := w.run(t, fake, acsync.Options{})
				if r.Failed[acsync.KindImport] != 1 {
					t.Fatalf("the crashed run: %v", r.Failures)
				}
				w.run(t, fake, acsync.Options{})
				last := w.run(t, fake, acsync.Options{})
				if n := len(w.srv.Orders()); n != 1 {
					t.Errorf("%d orders", n)
				}
				if n := len(w.srv.Services()); n != 1 {
					t.Fatalf("%d services: %+v", n, w.srv.Services())
				}
				s := w.srv.Services()[0]
				if step == "AddOrder" && here {
					// WHMCS placed the pending service on this server: a
					// person accepts it; it is never imported twice.
					if s.Status != "Pending" || len(last.Plan.Actions) != 1 || last.Plan.Actions[0].Kind != acsync.KindReview {
						t.Errorf("service %+v, plan %v", s, kinds(last.Plan))
					}
				} else if s.Status != "Active" || s.ServerID != w.web1 || s.DedicatedIP != "192.0.2.11" || len(last.Plan.Actions) != 0 {
					t.Errorf("service %+v, last plan %v", s, kinds(last.Plan))
				}
				if len(w.srv.Emails()) != 0 || len(w.srv.ModuleCalls()) != 0 {
					t.Errorf("e-mails %v, module calls %v", w.srv.Emails(), w.srv.ModuleCalls())
				}
			})
		}
	}
}

func TestAnImportSendsOnlyTheEmailsTheOptionsAskFor(t *testing.T) {
	accounts := []provider.Account{
		{Domain: "a.example", Username: "a", Email: "a@example.com", Product: "gold", Created: created, Status: provider.StatusActive},
		{Domain: "b.example", Username: "b", Email: "b@example.com", Product: "gold", Created: created, Status: provider.StatusActive},
	}
	tests := []struct {
		name   string
		opts   acsync.Options
		emails int
	}{
		{"by default none", acsync.Options{}, 0},
		{"a welcome each when asked", acsync.Options{Emails: acsync.Emails{Welcome: true}}, 2},
		{"the new password each with a reset", acsync.Options{ResetPassword: true}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, whmcstest.Options{})
			fake := providertest.NewFake(accounts...)
			r := w.run(t, fake, tt.opts)
			if err := r.Err(); err != nil || r.Succeeded[acsync.KindImport] != 2 {
				t.Fatalf("run: %v %v", r.Succeeded, err)
			}
			if e := w.srv.Emails(); len(e) != tt.emails {
				t.Errorf("e-mails %+v, want %d", e, tt.emails)
			}
			if m := w.srv.ModuleCalls(); len(m) != 0 {
				t.Errorf("module calls %+v", m)
			}
			if tt.opts.ResetPassword {
				for _, s := range w.srv.Services() {
					if pw, _ := fake.Password(s.Domain); pw == "" || s.Password != pw {
						t.Errorf("%s: WHMCS has another password than the server", s.Domain)
					}
				}
			}
		})
	}
}

// A run that goes through every path, failures included, leaks no secret
// into an error, a log line or the activity log.
func TestNoSecretInAnyErrorOrLogLine(t *testing.T) {
	w := newWorld(t, whmcstest.Options{AccessKey: "Acc3ss-K3y-Value"})
	cfg := w.clientConfig
	cfg.AccessKey = "Acc3ss-K3y-Value"
	w.client, _ = whmcs.New(cfg)
	w.store, _ = w.client.NewStore(w.storeConfig)
	seeded := seedServices(w, 3) // on the server as well, below
	starter := w.srv.Products()[0].ID
	w.store, _ = w.client.NewStore(whmcs.StoreConfig{ServerID: w.web1, ProductGroupID: w.group, PaymentMethod: whmcstest.Gateway,
		Products: map[string]string{"starter": starter}})
	var accounts []provider.Account
	for i := range 2 {
		accounts = append(accounts, provider.Account{Domain: fmt.Sprintf("site%d.example", i), Username: fmt.Sprintf("site%d", i),
			Email: fmt.Sprintf("client%d@example.com", i), Product: "starter", Created: created, Status: provider.StatusSuspended})
	}
	for i := range 4 {
		accounts = append(accounts, provider.Account{Domain: fmt.Sprintf("new%d.example", i), Username: fmt.Sprintf("new%d", i),
			Email: fmt.Sprintf("new%d@example.com", i), Product: "gold", Created: created, Status: provider.StatusActive})
	}
	fake := providertest.NewFake(accounts...)
	// Failures on the way: a refused client, a lost answer, a template
	// WHMCS does not know, an error page.
	w.srv.FailCall("AddClient", 2, "The email address entered is not available for use.")
	w.srv.DropAfter("AcceptOrder", 2)
	w.srv.FailCall("SendEmail", 1, "Email Template not found")
	w.srv.OnCall("UpdateClientProduct", func(n int) {
		if n == 5 {
			w.srv.FailNext(whmcstest.FaultServerError, 1)
		}
	})
	r := w.run(t, fake, acsync.Options{ResetPassword: true, Emails: acsync.Emails{Welcome: true}})
	if len(r.Failures) == 0 {
		t.Fatal("no failure: the run did not go through the error paths")
	}
	r2 := w.run(t, fake, acsync.Options{ResetPassword: true, TerminateLocal: true})

	var text strings.Builder
	for _, rep := range []*acsync.Report{r, r2} {
		for _, f := range rep.Failures {
			fmt.Fprintln(&text, f.Err)
		}
		rep.WriteText(&text)
	}
	text.WriteString(w.logs.String())
	fmt.Fprintln(&text, w.srv.Activity())
	// Errors from direct calls with secrets in flight.
	_, err := w.store.CreateClient(context.Background(), acsync.NewClient{Email: "client0@example.com"})
	fmt.Fprintln(&text, err)
	fmt.Fprintln(&text, w.store.Notify(context.Background(), acsync.Notification{Kind: acsync.NotificationKindNewPassword, ServiceID: seeded[0], Password: "Direct-N3w-Passw0rd"}))

	secrets := []string{whmcstest.Secret, whmcstest.Identifier, "Acc3ss-K3y-Value", "Direct-N3w-Passw0rd"}
	for i := range 3 {
		secrets = append(secrets, servicePassword(i))
	}
	for _, s := range w.srv.Services() {
		if s.Password != "" {
			secrets = append(secrets, s.Password)
		}
	}
	for _, a := range accounts {
		if pw, ok := fake.Password(a.Domain); ok {
			secrets = append(secrets, pw)
		}
	}
	for _, req := range w.srv.Requests("AddClient") {
		secrets = append(secrets, req.Form.Get("password2"))
	}
	all := text.String()
	if !strings.Contains(all, "http request") || !strings.Contains(all, "failed") {
		t.Fatalf("the log and errors collected are not what a run writes:\n%s", all)
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(all, s) {
			t.Errorf("secret %q appears in an error or log line", s)
		}
	}
	if t.Failed() || testing.Verbose() {
		t.Log(all)
	}
	if errors.Is(err, provider.ErrUnauthorized) {
		t.Errorf("unexpected: %v", err)
	}
}

// The API role the package doc lists is enough for every path, and the
// first five actions of it for a plan.
func TestTheDocumentedRoleIsEnough(t *testing.T) {
	read := []string{"GetClientsProducts", "GetServers", "GetProducts", "GetClients", "GetClientsDetails"}
	full := append(slices.Clone(read), "GetUsers", "AddClient", "AddProduct", "AddOrder", "AcceptOrder", "UpdateClientProduct", "SendEmail", "LogActivity")
	t.Run("a full run with the role", func(t *testing.T) {
		w := newWorld(t, whmcstest.Options{AllowedActions: full})
		seedServices(w, 2) // Active in billing, gone from the server below
		w.srv.AddUser(whmcstest.User{Email: "user-only@example.com"})
		fake := providertest.NewFake(
			provider.Account{Domain: "site0.example", Username: "site0", Email: "client0@example.com", Product: "starter", Created: created, Status: provider.StatusSuspended},
			provider.Account{Domain: "n.example", Username: "n", Email: "user-only@example.com", Product: "gold", Created: created, Status: provider.StatusActive},
		)
		r := w.run(t, fake, acsync.Options{TerminateLocal: true, ResetPassword: true, Emails: acsync.Emails{Welcome: true},
			Products: map[string]string{"starter": "1"}})
		if err := r.Err(); err != nil {
			t.Fatal(err)
		}
		if r.Succeeded[acsync.KindImport] != 1 || r.Succeeded[acsync.KindTerminateLocal] != 1 || r.Succeeded[acsync.KindSuspendLocal] != 1 {
			t.Errorf("succeeded %v", r.Succeeded)
		}
	})
	t.Run("a plan with the read actions only", func(t *testing.T) {
		w := newWorld(t, whmcstest.Options{AllowedActions: read})
		seedServices(w, 60)
		ctx := context.Background()
		if _, err := w.store.Services(ctx); err != nil {
			t.Error(err)
		}
		if _, err := w.store.Products(ctx); err != nil {
			t.Error(err)
		}
		if _, err := w.store.Clients(ctx); err != nil {
			t.Error(err)
		}
		if _, err := w.store.FindClientByEmail(ctx, "nobody@example.com"); !errors.Is(err, provider.ErrNotFound) {
			t.Error(err)
		}
	})
}
